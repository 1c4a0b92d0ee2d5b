// What a person types into `plainwire chat`, turned into protocol lines: plain text is a broadcast, slash
// commands map onto the other verbs; and the server's hints, which name protocol verbs, turned back into the
// slash commands the person types. Pure, so every form is tested without a terminal.
import { isValidName, NAME_RULE } from '../text/names.js';

export type InputAction =
  | { kind: 'send'; line: string /** what the person said, to echo as their own message */; echo?: Echo }
  | { kind: 'quit'; line: string }
  | { kind: 'help' }
  | { kind: 'none' }
  | { kind: 'error'; message: string };

export type Echo = ({ to: 'all' } | { to: 'private'; names: string } | { to: 'group'; group: string }) & {
  text: string;
};

export interface SlashCommand {
  name: string;
  usage: string;
  help: string;
  /** The protocol verb it sends, and how many arguments that verb takes (to read hints that name it). */
  verb: string;
  args: number;
}

const SLASH_COMMANDS: readonly SlashCommand[] = [
  {
    name: 'msg',
    usage: '/msg name[,name...] text',
    help: 'a private message to one person or several',
    verb: 'PRIVATE',
    args: 2,
  },
  { name: 'join', usage: '/join group', help: 'join a group (created if new)', verb: 'JOIN', args: 1 },
  { name: 'leave', usage: '/leave group', help: 'leave a group', verb: 'LEAVE', args: 1 },
  { name: 'g', usage: '/g group text', help: 'say something in a group you joined', verb: 'GROUP', args: 2 },
  {
    name: 'users',
    usage: '/users [from]',
    help: 'who is here (a long list comes a page at a time: /users name goes on after name)',
    verb: 'USERS',
    args: 1,
  },
  {
    name: 'groups',
    usage: '/groups [from]',
    help: 'the groups and how many are in each (a page at a time, like /users)',
    verb: 'GROUPS',
    args: 1,
  },
  { name: 'nick', usage: '/nick newname', help: 'change your name', verb: 'REGISTER', args: 1 },
  { name: 'help', usage: '/help', help: 'this list', verb: 'HELP', args: 1 },
  {
    name: 'quit',
    usage: '/quit [reason]',
    help: 'leave (so does end of input, Ctrl-D)',
    verb: 'QUIT',
    args: 1,
  },
];

const BY_VERB = new Map(SLASH_COMMANDS.map((c) => [c.verb, c]));
/** What MESSAGE is at `plainwire chat`: no command at all. */
const SAY = 'just type the text';

export function slashHelp(): string[] {
  const width = Math.max(...SLASH_COMMANDS.map((c) => c.usage.length));
  return [
    'type text to say it to everyone; start a line with "//" to say something that starts with "/"',
    ...SLASH_COMMANDS.map((c) => `${c.usage.padEnd(width)}  ${c.help}`),
  ];
}

function words(rest: string, count: number): string[] | undefined {
  const parts = rest.trim().split(/\s+/);
  if (parts[0] === '') return count === 0 ? [] : undefined;
  return parts.length === count ? parts : undefined;
}

/** Splits "word rest of text" into the word and the text (both non-empty) or undefined. */
function wordAndText(rest: string): [string, string] | undefined {
  const m = /^\s*(\S+)\s+(\S.*)$/.exec(rest);
  return m ? [m[1]!, m[2]!.trimEnd()] : undefined;
}

function usage(name: string): InputAction {
  const command = SLASH_COMMANDS.find((c) => c.name === name)!;
  return { kind: 'error', message: `usage: ${command.usage}` };
}

export function parseInput(input: string): InputAction {
  const line = input.replace(/[\r\n]+/g, ' ');
  if (line.trim() === '') return { kind: 'none' };
  if (line.startsWith('//')) {
    return { kind: 'send', line: `MESSAGE ${line.slice(1)}`, echo: { to: 'all', text: line.slice(1) } };
  }
  if (!line.startsWith('/'))
    return { kind: 'send', line: `MESSAGE ${line}`, echo: { to: 'all', text: line } };
  const m = /^\/(\S*)\s*(.*)$/.exec(line)!;
  const name = m[1]!.toLowerCase();
  const rest = m[2]!;
  switch (name) {
    case 'msg': {
      const p = wordAndText(rest);
      return p
        ? { kind: 'send', line: `PRIVATE ${p[0]} ${p[1]}`, echo: { to: 'private', names: p[0], text: p[1] } }
        : usage(name);
    }
    case 'g': {
      const p = wordAndText(rest);
      return p
        ? { kind: 'send', line: `GROUP ${p[0]} ${p[1]}`, echo: { to: 'group', group: p[0], text: p[1] } }
        : usage(name);
    }
    case 'join':
    case 'leave':
    case 'nick': {
      const p = words(rest, 1);
      if (!p) return usage(name);
      // Refused here, in the same words as --name, rather than sent for the server to refuse.
      if (name !== 'leave' && !isValidName(p[0]!))
        return { kind: 'error', message: notAName(p[0]!, name === 'nick' ? 'name' : 'group name') };
      return { kind: 'send', line: `${name === 'nick' ? 'REGISTER' : name.toUpperCase()} ${p[0]}` };
    }
    case 'users':
    case 'groups': {
      const from = words(rest, 0) ?? words(rest, 1);
      if (!from) return usage(name);
      return { kind: 'send', line: [name.toUpperCase(), ...from].join(' ') };
    }
    case 'help':
      return { kind: 'help' };
    case 'quit':
      return { kind: 'quit', line: rest.trim() ? `QUIT ${rest.trim()}` : 'QUIT' };
    default:
      return { kind: 'error', message: `unknown command /${name} (type /help)` };
  }
}

/** Why a name or group name is refused, with the one rule every plainwire chat shares. */
export function notAName(name: string, what: 'name' | 'group name' = 'name'): string {
  return `"${name}" is not a valid ${what}: use ${NAME_RULE}`;
}

// A hint names a command for the person to type, after a cue: "(type USERS)", "usage: JOIN <group>",
// "join ops first: JOIN ops", "then REGISTER <name>". A name the server quotes from input ("ghost") never
// follows a cue, so it is never taken for a hint.
const HINT = new RegExp(
  String.raw`(?:(?<![^\s(])(?:type|try|use|then|see|or)|[:;])\s+(${[...BY_VERB.keys(), 'MESSAGE'].join('|')})(?=$|[\s),;.])`,
  'g',
);
/** One argument after a verb: a placeholder (`<group>`, `[reason]`) or a word such as a group's name. */
const HINT_ARG = /^[ \t]+(<[^>\s]+>|\[[^\]\s]+\]|[^\s<[(),;]+)/;

/** "/join group" takes words; "/help" takes none and "/quit [reason]" only free text. */
function takesWords(verb: string): boolean {
  const usage = BY_VERB.get(verb)?.usage.split(' ') ?? [];
  return usage.length > 1 && !usage[1]!.startsWith('[');
}

/** A hint for one verb, with the arguments written after it, in the words of `plainwire chat`. */
function slashHint(verb: string, args: readonly string[]): string {
  const command = BY_VERB.get(verb);
  if (!command) return SAY;
  // "/help" takes nothing: whatever the server wrote after HELP (<verb>) is not for the person to type.
  if (!command.usage.includes(' ')) return command.usage;
  return [`/${command.name}`, ...args.map((a) => a.replace(/^<(.*)>$/, '$1'))].join(' ');
}

/**
 * The server speaks protocol ("type USERS", "usage: PRIVATE <name[,name...]> <text>"); a person at
 * `plainwire chat` types slash commands. Rewrites each hint that names a verb into the slash command for it,
 * with its arguments ("JOIN ops" -> "/join ops", "<group>" -> "group").
 */
export function slashHints(text: string): string {
  let out = '';
  let from = 0;
  for (const m of text.matchAll(HINT)) {
    const verb = m[1]!;
    const verbAt = m.index + m[0].length - verb.length;
    if (verbAt < from) continue;
    out += text.slice(from, verbAt);
    let at = verbAt + verb.length;
    const args: string[] = [];
    const takes = BY_VERB.get(verb)?.args ?? 1;
    for (let a = HINT_ARG.exec(text.slice(at)); a && args.length < takes; a = HINT_ARG.exec(text.slice(at))) {
      // Past the placeholders, only a command that takes words (JOIN ops) owns the words that follow.
      if (!/^[<[]/.test(a[1]!) && !takesWords(verb)) break;
      args.push(a[1]!);
      at += a[0].length;
    }
    out += slashHint(verb, args);
    from = at;
  }
  return out + text.slice(from);
}
