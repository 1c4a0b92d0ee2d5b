// What a person types into `plainwire chat`, turned into protocol lines: plain text is a broadcast, slash
// commands map onto the other verbs. Pure, so every form is tested without a terminal.

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
}

const SLASH_COMMANDS: readonly SlashCommand[] = [
  { name: 'msg', usage: '/msg name[,name...] text', help: 'a private message to one person or several' },
  { name: 'join', usage: '/join group', help: 'join a group (created if new)' },
  { name: 'leave', usage: '/leave group', help: 'leave a group' },
  { name: 'g', usage: '/g group text', help: 'say something in a group you joined' },
  { name: 'users', usage: '/users', help: 'who is here' },
  { name: 'groups', usage: '/groups', help: 'the groups and how many are in each' },
  { name: 'nick', usage: '/nick newname', help: 'change your name' },
  { name: 'help', usage: '/help', help: 'this list' },
  { name: 'quit', usage: '/quit [reason]', help: 'leave (so does end of input, Ctrl-D)' },
];

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
      return { kind: 'send', line: `${name === 'nick' ? 'REGISTER' : name.toUpperCase()} ${p[0]}` };
    }
    case 'users':
    case 'groups':
      return words(rest, 0) ? { kind: 'send', line: name.toUpperCase() } : usage(name);
    case 'help':
      return { kind: 'help' };
    case 'quit':
      return { kind: 'quit', line: rest.trim() ? `QUIT ${rest.trim()}` : 'QUIT' };
    default:
      return { kind: 'error', message: `unknown command /${name} (type /help)` };
  }
}
