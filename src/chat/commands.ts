// THE command table of the chat: verb -> arguments, whether it needs a name, handler and help. Parsing, the
// argument checks, HELP and the command list in docs/PROTOCOL.md all come from it, so a command is one entry.
import { NAME_RULE } from '../text/names.js';
import type { ClientId, Outcome, Room } from './room.js';

export interface ArgSpec {
  name: string;
  /** `word`: one token; `text`: the rest of the line (sanitised). A `text` argument is always the last. */
  kind: 'word' | 'text';
  optional?: boolean;
}

export interface CommandSpec {
  verb: string;
  args: readonly ArgSpec[];
  /** False for the commands that work before REGISTER. */
  needsRegistration: boolean;
  /** One line, shown by HELP <verb>. */
  help: string;
  run(room: Room, client: ClientId, args: Record<string, string>): Outcome;
}

const word = (name: string, optional = false): ArgSpec => ({ name, kind: 'word', optional });
const text = (name: string, optional = false): ArgSpec => ({ name, kind: 'text', optional });

const TABLE: CommandSpec[] = [
  {
    verb: 'REGISTER',
    args: [word('name')],
    needsRegistration: false,
    help: `take a screen name (${NAME_RULE}; unique ignoring case); again to rename`,
    run: (room, client, args) => room.register(client, args.name!),
  },
  {
    verb: 'MESSAGE',
    args: [text('text')],
    needsRegistration: true,
    help: 'send text to every registered user; they receive MESSAGE <from> <text>',
    run: (room, client, args) => room.broadcast(client, args.text!),
  },
  {
    verb: 'PRIVATE',
    args: [word('name[,name...]'), text('text')],
    needsRegistration: true,
    help: 'send text to one user or a list; they receive PRIVATE <from> <text>; all names must exist',
    run: (room, client, args) => room.sendPrivate(client, args['name[,name...]']!, args.text!),
  },
  {
    verb: 'USERS',
    args: [word('after', true)],
    needsRegistration: false,
    help:
      'list the registered users, a page at a time: OK USERS <count> <name>... and, when more follow, ' +
      '+<more>: then USERS <last name shown> lists the next page',
    run: (room, _client, args) => room.listUsers(args.after),
  },
  {
    verb: 'JOIN',
    args: [word('group')],
    needsRegistration: true,
    help: 'join a group (created on first join); its members receive JOINED <name> <group>',
    run: (room, client, args) => room.join(client, args.group!),
  },
  {
    verb: 'LEAVE',
    args: [word('group')],
    needsRegistration: true,
    help: 'leave a group (it vanishes when empty); its members receive LEFT <name> <group>',
    run: (room, client, args) => room.leave(client, args.group!),
  },
  {
    verb: 'GROUP',
    args: [word('group'), text('text')],
    needsRegistration: true,
    help: 'send text to the members of a group you are in; they receive GROUP <group> <from> <text>',
    run: (room, client, args) => room.sendToGroup(client, args.group!, args.text!),
  },
  {
    verb: 'GROUPS',
    args: [word('after', true)],
    needsRegistration: true,
    help:
      'list the groups with their member counts, a page at a time: OK GROUPS <count> <group>:<members>... ' +
      'and, when more follow, +<more>: then GROUPS <last group shown> lists the next page',
    run: (room, _client, args) => room.listGroups(args.after),
  },
  {
    verb: 'PING',
    args: [text('token', true)],
    needsRegistration: false,
    help: "check the connection: OK PONG [token]; also the answer to the server's idle PING",
    run: (room, _client, args) => room.pong(args.token),
  },
  {
    verb: 'HELP',
    args: [word('verb', true)],
    needsRegistration: false,
    help: 'list the commands, or describe one: HELP <verb>',
    run: (room, _client, args) => room.help(args.verb),
  },
  {
    verb: 'QUIT',
    args: [text('reason', true)],
    needsRegistration: false,
    help: 'leave the chat: OK BYE, then the server closes the connection',
    run: (room, client, args) => room.quit(client, args.reason),
  },
];

export const COMMANDS: Readonly<Record<string, CommandSpec>> = Object.freeze(
  Object.fromEntries(TABLE.map((spec) => [spec.verb, spec])),
);

/** The verbs in table order (the order HELP lists them). */
export const VERBS: readonly string[] = TABLE.map((spec) => spec.verb);
