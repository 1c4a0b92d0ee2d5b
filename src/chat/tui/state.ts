// The state machine of `plainwire chat --tui`: (state, event) -> new state and the protocol lines to send. Pure
// and socket-free: events are the server's events, the replies to what was sent, keys and resizes, so a whole
// session is testable without a terminal. Text is stored as the line client would print it (display.ts, with
// colour off) and sanitised there; the screen (screen.ts) only lays it out.
import { EMPTY_INPUT_LINE, editInputLine, type InputLine, submitInputLine } from '../../term/input-line.js';
import type { TuiKey } from '../../term/keys.js';
import { parseListing } from '../client.js';
import { ChatDisplay } from '../display.js';
import { type Echo, parseInput, slashHelp } from '../input.js';
import type { ChatEvent, Reply } from '../protocol.js';
import { makeStyle } from '../../term/style.js';
import { sanitizeLine } from '../../text/sanitize.js';
import { nameKey } from '../../text/names.js';

export type EntryKind = 'message' | 'private' | 'group' | 'own' | 'system' | 'error';

export interface Entry {
  kind: EntryKind;
  /** Time, mark, sender and text on one line, terminal-safe. */
  text: string;
}

/** Why a command was sent: typed by the person, or the TUI's own filling of the side pane. */
export type Purpose = 'typed' | 'fill-users' | 'fill-groups';

export interface ChatTuiState extends InputLine {
  columns: number;
  rows: number;
  server: string;
  name: string;
  /** 'moving' while a failover looks for another node of the cluster. */
  connection: 'connected' | 'moving' | 'closed';
  entries: Entry[];
  /** Rows scrolled back from the newest (0: following the conversation). */
  scroll: number;
  /** Entries that arrived while scrolled back. */
  unread: number;
  /** Private messages among them. */
  unreadPrivate: number;
  users: string[];
  usersTotal: number;
  /** Every group the GROUPS listing showed, and those joined since. */
  groups: string[];
  /** The groups this person is in. */
  mine: string[];
}

export type ChatTuiEvent =
  | { type: 'event'; event: ChatEvent; time: Date }
  | { type: 'reply'; line: string; purpose: Purpose; reply: Reply; echo?: Echo; time: Date }
  | { type: 'failed'; message: string; time: Date }
  | { type: 'closed'; reason: string; time: Date }
  /** The node was lost and the session looks for another (failover.ts); `text` says so. */
  | { type: 'moving'; text: string; time: Date }
  /** Registered again on another node: the side pane is filled again from there. */
  | { type: 'moved'; server: string; text: string; mine: readonly string[]; time: Date }
  | { type: 'key'; key: TuiKey; time: Date }
  | { type: 'resize'; columns: number; rows: number };

export type ChatTuiEffect =
  | { type: 'send'; line: string; purpose: Purpose; echo?: Echo }
  | { type: 'quit'; line: string };

export interface Update {
  state: ChatTuiState;
  effects: ChatTuiEffect[];
}

/** Kept in memory: older entries are dropped, so a long session does not grow without bound. */
export const MAX_ENTRIES = 5000;

const PLAIN = makeStyle(false);

export function initialState(server: string, name: string, columns: number, rows: number): ChatTuiState {
  return {
    columns,
    rows,
    server,
    name,
    connection: 'connected',
    entries: [],
    scroll: 0,
    unread: 0,
    unreadPrivate: 0,
    ...EMPTY_INPUT_LINE,
    users: [name],
    usersTotal: 1,
    groups: [],
    mine: [],
  };
}

/** What the TUI sends once it is registered: the first pages of the side pane's listings. */
export function startEffects(): ChatTuiEffect[] {
  return [
    { type: 'send', line: 'USERS', purpose: 'fill-users' },
    { type: 'send', line: 'GROUPS', purpose: 'fill-groups' },
  ];
}

function byName(a: string, b: string): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function withName(list: readonly string[], name: string): string[] {
  if (list.some((n) => nameKey(n) === nameKey(name))) return [...list];
  return [...list, name].sort(byName);
}

function withoutName(list: readonly string[], name: string): string[] {
  return list.filter((n) => nameKey(n) !== nameKey(name));
}

function add(state: ChatTuiState, entry: Entry): ChatTuiState {
  const entries = [...state.entries, entry].slice(-MAX_ENTRIES);
  if (state.scroll === 0) return { ...state, entries };
  return {
    ...state,
    entries,
    unread: state.unread + 1,
    unreadPrivate: state.unreadPrivate + (entry.kind === 'private' ? 1 : 0),
  };
}

function kindOf(event: ChatEvent): EntryKind {
  switch (event.type) {
    case 'MESSAGE':
      return 'message';
    case 'PRIVATE':
      return 'private';
    case 'GROUP':
      return 'group';
    default:
      return 'system';
  }
}

/** Keeps the side pane current from presence news (docs/PROTOCOL.md "Presence news"). */
function presence(state: ChatTuiState, event: ChatEvent): ChatTuiState {
  if (event.type === 'JOINED' && !event.group) {
    return { ...state, users: withName(state.users, event.name), usersTotal: state.usersTotal + 1 };
  }
  if (event.type === 'LEFT' && !event.group) {
    return {
      ...state,
      users: withoutName(state.users, event.name),
      usersTotal: Math.max(1, state.usersTotal - 1),
    };
  }
  if (event.type === 'RENAMED') {
    const had = state.users.some((n) => nameKey(n) === nameKey(event.from));
    return { ...state, users: had ? withName(withoutName(state.users, event.from), event.to) : state.users };
  }
  return state;
}

function onEvent(state: ChatTuiState, event: ChatEvent, time: Date): Update {
  const text = new ChatDisplay(PLAIN, () => time).event(event);
  let next = presence(state, event);
  if (text !== undefined) next = add(next, { kind: kindOf(event), text });
  return { state: next, effects: [] };
}

function onReply(state: ChatTuiState, e: Extract<ChatTuiEvent, { type: 'reply' }>): Update {
  const verb = e.line.split(' ', 1)[0]!.toUpperCase();
  const { reply } = e;
  if (e.purpose !== 'typed') {
    // The side pane's own listings: merged page by page, shown nowhere else.
    if (!reply.ok) return { state, effects: [] };
    const page = parseListing(sanitizeLine(reply.text));
    const effects: ChatTuiEffect[] = [];
    let next = state;
    if (e.purpose === 'fill-users') {
      let users = state.users;
      for (const name of page.entries) users = withName(users, name);
      next = { ...state, users, usersTotal: page.total };
      if (page.more > 0)
        effects.push({ type: 'send', line: `USERS ${page.entries.at(-1)}`, purpose: e.purpose });
    } else {
      let groups = state.groups;
      const names = page.entries.map((g) => g.replace(/:\d+$/, ''));
      for (const group of names) groups = withName(groups, group);
      next = { ...state, groups };
      if (page.more > 0) effects.push({ type: 'send', line: `GROUPS ${names.at(-1)}`, purpose: e.purpose });
    }
    return { state: next, effects };
  }
  const display = new ChatDisplay(PLAIN, () => e.time);
  let next = state;
  if (reply.ok) {
    const words = sanitizeLine(reply.text).split(' ');
    if (verb === 'JOIN' && words[1]) {
      next = { ...next, groups: withName(next.groups, words[1]), mine: withName(next.mine, words[1]) };
    } else if (verb === 'LEAVE' && words[1]) {
      next = { ...next, mine: withoutName(next.mine, words[1]) };
    } else if (verb === 'REGISTER') {
      const name = words.at(-1) ?? next.name;
      next = { ...next, users: withName(withoutName(next.users, next.name), name), name };
    }
    if (e.echo) next = add(next, { kind: 'own', text: display.own(next.name, e.echo) });
  }
  const text = display.reply(verb, reply);
  if (text !== undefined) next = add(next, { kind: reply.ok ? 'system' : 'error', text });
  return { state: next, effects: [] };
}

/** Rows the message pane has: the screen less the status and input lines. */
export function paneRows(state: Pick<ChatTuiState, 'rows'>): number {
  return Math.max(1, state.rows - 2);
}

function scrollBy(state: ChatTuiState, delta: number): ChatTuiState {
  const scroll = Math.max(0, Math.min(state.scroll + delta, Math.max(0, state.entries.length - 1)));
  return scroll === 0 ? { ...state, scroll, unread: 0, unreadPrivate: 0 } : { ...state, scroll };
}

/** Completes the word before the cursor from the names and groups present; a common prefix when several fit. */
export function complete(state: ChatTuiState): { input: string; candidates: string[] } {
  const m = /(\S*)$/.exec(state.input)!;
  const word = m[1]!;
  // "/msg ada,bo" completes the name after the comma.
  const comma = word.lastIndexOf(',');
  const prefix = word.slice(comma + 1);
  const before = state.input.slice(0, state.input.length - prefix.length);
  if (prefix === '' || prefix.startsWith('/')) return { input: state.input, candidates: [] };
  const key = nameKey(prefix);
  const pool = [...state.users.filter((n) => nameKey(n) !== nameKey(state.name)), ...state.groups];
  const candidates = [...new Set(pool.filter((n) => nameKey(n).startsWith(key)))].sort(byName);
  if (candidates.length === 0) return { input: state.input, candidates };
  if (candidates.length === 1) return { input: `${before}${candidates[0]} `, candidates };
  let common = candidates[0]!;
  for (const c of candidates) {
    while (!nameKey(c).startsWith(nameKey(common))) common = common.slice(0, -1);
  }
  return { input: `${before}${common.length > prefix.length ? common : prefix}`, candidates };
}

function submit(state: ChatTuiState, time: Date): Update {
  const typed = state.input;
  let next: ChatTuiState = { ...state, ...submitInputLine(state) };
  // Sending follows the conversation again.
  next = scrollBy(next, -next.scroll);
  const display = new ChatDisplay(PLAIN, () => time);
  const action = parseInput(typed);
  switch (action.kind) {
    case 'none':
      return { state: next, effects: [] };
    case 'error':
      return { state: add(next, { kind: 'error', text: display.error(action.message) }), effects: [] };
    case 'help': {
      for (const line of slashHelp()) next = add(next, { kind: 'system', text: display.info(line) });
      const keys = 'keys: Enter sends, Up/Down recall, PgUp/PgDn scroll, Tab completes a name, Ctrl-C leaves';
      return { state: add(next, { kind: 'system', text: display.info(keys) }), effects: [] };
    }
    case 'quit':
      return { state: next, effects: [{ type: 'quit', line: action.line }] };
    case 'send':
      return {
        state: next,
        effects: [
          {
            type: 'send',
            line: action.line,
            purpose: 'typed',
            ...(action.echo ? { echo: action.echo } : {}),
          },
        ],
      };
  }
}

function onKey(state: ChatTuiState, key: TuiKey, time: Date): Update {
  const none = (s: ChatTuiState): Update => ({ state: s, effects: [] });
  const edited = editInputLine(state, key);
  if (edited) return none({ ...state, ...edited });
  const page = Math.max(1, paneRows(state) - 1);
  switch (key.name) {
    case 'enter':
      return submit(state, time);
    case 'interrupt':
      return { state, effects: [{ type: 'quit', line: 'QUIT' }] };
    case 'pageUp':
      return none(scrollBy(state, page));
    case 'pageDown':
      return none(scrollBy(state, -page));
    case 'end':
      return none(scrollBy(state, -state.scroll));
    case 'tab': {
      const { input, candidates } = complete(state);
      let next: ChatTuiState = { ...state, input };
      if (candidates.length > 1) {
        const text = new ChatDisplay(PLAIN, () => time).info(`${candidates.join(' ')}`);
        next = add(next, { kind: 'system', text });
      }
      return none(next);
    }
    default:
      return none(state);
  }
}

export function update(state: ChatTuiState, event: ChatTuiEvent): Update {
  switch (event.type) {
    case 'event':
      return onEvent(state, event.event, event.time);
    case 'reply':
      return onReply(state, event);
    case 'failed':
      return {
        state: add(state, {
          kind: 'error',
          text: new ChatDisplay(PLAIN, () => event.time).error(event.message),
        }),
        effects: [],
      };
    case 'closed':
      return {
        state: add(
          { ...state, connection: 'closed' },
          {
            kind: 'error',
            text: new ChatDisplay(PLAIN, () => event.time).error(`connection closed (${event.reason})`),
          },
        ),
        effects: [],
      };
    case 'moving':
      return {
        state: add(
          { ...state, connection: 'moving' },
          { kind: 'system', text: new ChatDisplay(PLAIN, () => event.time).info(event.text) },
        ),
        effects: [],
      };
    case 'moved':
      return {
        state: add(
          {
            ...state,
            server: event.server,
            connection: 'connected',
            users: [state.name],
            usersTotal: 1,
            groups: [...event.mine],
            mine: [...event.mine],
          },
          { kind: 'system', text: new ChatDisplay(PLAIN, () => event.time).info(event.text) },
        ),
        effects: startEffects(),
      };
    case 'key':
      return onKey(state, event.key, event.time);
    case 'resize':
      return { state: { ...state, columns: event.columns, rows: event.rows }, effects: [] };
  }
}
