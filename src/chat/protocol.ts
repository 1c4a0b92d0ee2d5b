// The chat's wire grammar as pure functions: client lines -> commands (checked against the command table),
// replies and events -> server lines, and server lines -> structured values for clients.
import { sanitizeLine } from '../text/sanitize.js';
import { hasVisibleText } from '../text/visible.js';
import { COMMANDS, type CommandSpec } from './commands.js';

export { isValidName, NAME_PATTERN, NAME_RULE, nameKey } from '../text/names.js';

export type ProtocolErrorCode = 'UNKNOWN_COMMAND' | 'BAD_ARGUMENTS';

/**
 * A command line that could not be accepted. parseCommand returns it rather than throwing (a bad line is an
 * expected answer, not a failure), but it is a real Error with a stable `code` (the word after ERROR), like
 * the coded errors of undici and ws, so it can also be thrown, logged with a stack and matched by code.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** The command the line named, when it named a known one (its arguments were wrong). */
    readonly spec?: CommandSpec,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }

  /** The text sent after the code on the ERROR line (the message: kept under this name for callers). */
  get text(): string {
    return this.message;
  }
}

export interface Command {
  verb: string;
  spec: CommandSpec;
  /** Argument values by the names in the spec; optional arguments that were not given are absent. */
  args: Record<string, string>;
}

const SEPARATOR = /[ \t]+/;

/** Shows a piece of client input inside an error message: safe for terminals, bounded in length. */
export function quoteInput(text: string, max = 40): string {
  const clean = sanitizeLine(text);
  return `"${clean.length > max ? `${clean.slice(0, max)}...` : clean}"`;
}

export function usageOf(spec: CommandSpec): string {
  const args = spec.args.map((a) => (a.optional ? `[${a.name}]` : `<${a.name}>`));
  return [spec.verb, ...args].join(' ');
}

/**
 * Parses one client line. The verb is case-insensitive; `word` arguments are one token each, a `text`
 * argument is the rest of the line, sanitised (no control characters or escape sequences), and counts as
 * missing when nothing of it is visible.
 */
export function parseCommand(line: string): Command | ProtocolError {
  const trimmed = line.replace(/^[ \t]+/, '');
  const space = trimmed.search(SEPARATOR);
  const rawVerb = space < 0 ? trimmed : trimmed.slice(0, space);
  let rest = space < 0 ? '' : trimmed.slice(space).replace(/^[ \t]+/, '');
  const verb = rawVerb.toUpperCase();
  const spec = Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb] : undefined;
  if (!spec) {
    if (rawVerb === '') return new ProtocolError('UNKNOWN_COMMAND', 'empty command (type HELP)');
    return new ProtocolError('UNKNOWN_COMMAND', `unknown command ${quoteInput(rawVerb, 20)} (type HELP)`);
  }
  const args: Record<string, string> = {};
  for (const arg of spec.args) {
    if (arg.kind === 'text') {
      const text = sanitizeLine(rest).trim();
      rest = '';
      // Only zero-width characters, direction marks or blank-looking spaces would relay as an empty-looking line.
      if (!hasVisibleText(text)) {
        if (arg.optional) continue;
        const problem =
          text === '' ? 'is missing' : 'has nothing visible (only blank or invisible characters)';
        return new ProtocolError('BAD_ARGUMENTS', `${arg.name} ${problem}; usage: ${usageOf(spec)}`, spec);
      }
      args[arg.name] = text;
      continue;
    }
    if (rest === '') {
      if (arg.optional) continue;
      return new ProtocolError('BAD_ARGUMENTS', `${arg.name} is missing; usage: ${usageOf(spec)}`, spec);
    }
    const end = rest.search(SEPARATOR);
    args[arg.name] = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? '' : rest.slice(end).replace(/^[ \t]+/, '');
  }
  if (rest.trim() !== '') {
    return new ProtocolError('BAD_ARGUMENTS', `too many arguments; usage: ${usageOf(spec)}`, spec);
  }
  return { verb, spec, args };
}

// ---- server -> client lines ----

export function formatOk(...parts: Array<string | number>): string {
  return parts.length === 0 ? 'OK' : `OK ${parts.join(' ')}`;
}

export function formatError(code: string, text: string): string {
  return `ERROR ${code} ${text}`;
}

export function formatGreeting(serverName: string): string {
  return `HELLO ${serverName} chat: type HELP for the commands, then REGISTER <name>`;
}

/** Things that happen to other people, sent as lines of their own (never as replies). */
export type ChatEvent =
  | { type: 'MESSAGE'; from: string; text: string }
  | { type: 'PRIVATE'; from: string; text: string }
  | { type: 'GROUP'; group: string; from: string; text: string }
  | { type: 'JOINED'; name: string; group?: string }
  | { type: 'LEFT'; name: string; group?: string }
  | { type: 'RENAMED'; from: string; to: string }
  | { type: 'PING'; token: string }
  | { type: 'HELLO'; text: string }
  | { type: 'NOTICE'; text: string }
  | { type: 'BYE'; text: string };

export function formatEvent(event: ChatEvent): string {
  switch (event.type) {
    case 'MESSAGE':
    case 'PRIVATE':
      return `${event.type} ${event.from} ${event.text}`;
    case 'GROUP':
      return `GROUP ${event.group} ${event.from} ${event.text}`;
    case 'JOINED':
    case 'LEFT':
      return event.group ? `${event.type} ${event.name} ${event.group}` : `${event.type} ${event.name}`;
    case 'RENAMED':
      return `RENAMED ${event.from} ${event.to}`;
    case 'PING':
      return `PING ${event.token}`;
    case 'HELLO':
    case 'NOTICE':
    case 'BYE':
      return event.text ? `${event.type} ${event.text}` : event.type;
  }
}

/** A reply to the oldest command still waiting for one. */
export interface Reply {
  ok: boolean;
  /** For ERROR replies, the stable code (NAME_TAKEN, ...). */
  code?: string;
  /** What follows `OK ` or `ERROR <CODE> `. */
  text: string;
  line: string;
}

export type ServerLine =
  | { kind: 'reply'; reply: Reply }
  | { kind: 'event'; event: ChatEvent; line: string }
  | { kind: 'unknown'; line: string };

function splitWords(text: string, count: number): string[] | undefined {
  const parts: string[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const space = rest.indexOf(' ');
    if (space <= 0) return undefined;
    parts.push(rest.slice(0, space));
    rest = rest.slice(space + 1);
  }
  parts.push(rest);
  return parts;
}

/** Classifies a line from a chat server. Never throws: anything unrecognised is `unknown`. */
export function parseServerLine(line: string): ServerLine {
  const space = line.indexOf(' ');
  const word = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? '' : line.slice(space + 1);
  switch (word) {
    case 'OK':
      return { kind: 'reply', reply: { ok: true, text: rest, line } };
    case 'ERROR': {
      const s = rest.indexOf(' ');
      const code = s < 0 ? rest : rest.slice(0, s);
      return { kind: 'reply', reply: { ok: false, code, text: s < 0 ? '' : rest.slice(s + 1), line } };
    }
    case 'MESSAGE':
    case 'PRIVATE': {
      const p = splitWords(rest, 1);
      if (p) return { kind: 'event', event: { type: word, from: p[0]!, text: p[1]! }, line };
      break;
    }
    case 'GROUP': {
      const p = splitWords(rest, 2);
      if (p) return { kind: 'event', event: { type: 'GROUP', group: p[0]!, from: p[1]!, text: p[2]! }, line };
      break;
    }
    case 'JOINED':
    case 'LEFT': {
      const p = rest.split(' ');
      if (p[0] && p.length <= 2)
        return {
          kind: 'event',
          event: p[1] ? { type: word, name: p[0], group: p[1] } : { type: word, name: p[0] },
          line,
        };
      break;
    }
    case 'RENAMED': {
      const p = rest.split(' ');
      if (p.length === 2 && p[0] && p[1])
        return { kind: 'event', event: { type: 'RENAMED', from: p[0], to: p[1] }, line };
      break;
    }
    case 'PING':
      return { kind: 'event', event: { type: 'PING', token: rest }, line };
    case 'HELLO':
    case 'NOTICE':
    case 'BYE':
      return { kind: 'event', event: { type: word, text: rest }, line };
  }
  return { kind: 'unknown', line };
}
