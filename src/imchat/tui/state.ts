// The state machine of `plainwire imchat --tui`: (state, event) -> new state and what to do (say a line, leave).
// Pure: events are the session's room events and diagnostics, its queue of unsent lines, keys and resizes, so a
// whole session is testable without a terminal or a store. Lines are stored as the line client prints them
// (display.ts with colour off, sanitised there); the screen (screen.ts) only lays them out.
import { EMPTY_INPUT_LINE, editInputLine, type InputLine, submitInputLine } from '../../term/input-line.js';
import type { TuiKey } from '../../term/keys.js';
import { makeStyle } from '../../term/style.js';
import { nameKey } from '../../text/names.js';
import { sanitizeLine } from '../../text/sanitize.js';
import { formatEvent } from '../display.js';
import { IMCHAT_HELP, parseImchatInput } from '../input.js';
import type { SessionEvent } from '../session.js';

export type EntryKind = 'message' | 'own' | 'unverified' | 'system' | 'status' | 'error';

export interface Entry {
  kind: EntryKind;
  /** Time, marks, sender and text on one line, terminal-safe. */
  text: string;
}

/** Whose turn it is in turn mode, as the session last said. */
export type TurnShown = { state: 'mine' | 'partner' | 'other'; other?: string; turn: number };

export interface ImchatTuiState extends InputLine {
  columns: number;
  rows: number;
  store: string;
  name: string;
  room: string;
  turns: boolean;
  connection: 'connected' | 'unreachable' | 'leaving';
  entries: Entry[];
  /** Entries scrolled back from the newest (0: following the conversation). */
  scroll: number;
  /** Messages that arrived while scrolled back. */
  unread: number;
  /** Who is present (in turn mode: the two seated), sanitised, in name order. */
  present: string[];
  turn: TurnShown | undefined;
  /** Lines typed and not yet acknowledged by the store: in turn mode, those waiting for our turn. */
  held: string[];
}

export type ImchatTuiEvent =
  | { type: 'session'; event: SessionEvent; time: Date }
  | { type: 'status'; message: string; time: Date }
  | { type: 'queue'; queued: readonly string[] }
  | { type: 'key'; key: TuiKey; time: Date }
  | { type: 'resize'; columns: number; rows: number };

export type ImchatTuiEffect = { type: 'send'; text: string } | { type: 'quit' };

export interface Update {
  state: ImchatTuiState;
  effects: ImchatTuiEffect[];
}

/** Kept in memory: older entries are dropped, so a long session does not grow without bound. */
export const MAX_ENTRIES = 5000;
/** Held lines shown above the input at most; more are counted. */
export const MAX_HELD_ROWS = 3;

const PLAIN = makeStyle(false);

export const KEYS_HELP =
  'keys: Enter sends, Up/Down recall, PgUp/PgDn scroll, Tab completes a name, Ctrl-C leaves';

export interface ImchatTuiStart {
  store: string;
  name: string;
  room: string;
  turns: boolean;
  columns: number;
  rows: number;
}

export function initialState(start: ImchatTuiStart): ImchatTuiState {
  return {
    ...start,
    connection: 'connected',
    entries: [],
    scroll: 0,
    unread: 0,
    ...EMPTY_INPUT_LINE,
    present: [start.name],
    turn: undefined,
    held: [],
  };
}

function byName(a: string, b: string): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function add(state: ImchatTuiState, entry: Entry): ImchatTuiState {
  const entries = [...state.entries, entry].slice(-MAX_ENTRIES);
  if (state.scroll === 0) return { ...state, entries };
  const counts = entry.kind === 'message' || entry.kind === 'unverified';
  return { ...state, entries, unread: state.unread + (counts ? 1 : 0) };
}

function kindOf(event: SessionEvent, self: string): EntryKind {
  if (event.kind !== 'message') return 'system';
  if (event.unverified !== undefined) return 'unverified';
  return nameKey(event.name) === nameKey(self) ? 'own' : 'message';
}

function clock(time: Date): string {
  return [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

function info(state: ImchatTuiState, text: string, time: Date, kind: EntryKind = 'system'): ImchatTuiState {
  return add(state, { kind, text: `[${clock(time)}] * ${sanitizeLine(text)}` });
}

/** Who is present after an event: the welcome lists them, then joins and leaves (in turn mode the session only
 * reports those of the two seated). */
function presentAfter(present: readonly string[], event: SessionEvent): string[] {
  const without = (name: string) => present.filter((n) => nameKey(n) !== nameKey(name));
  switch (event.kind) {
    case 'welcome':
      return [...new Set([event.name, ...event.present].map(sanitizeLine))].sort(byName);
    case 'join':
      return [...without(event.name), sanitizeLine(event.name)].sort(byName);
    case 'leave':
      return without(event.name);
    default:
      return [...present];
  }
}

function onSession(state: ImchatTuiState, e: Extract<ImchatTuiEvent, { type: 'session' }>): Update {
  const { event } = e;
  let next: ImchatTuiState = { ...state, present: presentAfter(state.present, event) };
  if (event.kind === 'turn') next = { ...next, turn: { ...event } };
  const text = formatEvent(event, PLAIN, state.name, e.time.getTime());
  return { state: add(next, { kind: kindOf(event, state.name), text }), effects: [] };
}

function onStatus(state: ImchatTuiState, message: string, time: Date): Update {
  let connection = state.connection;
  if (message.startsWith('store unreachable')) connection = 'unreachable';
  else if (message.startsWith('store reachable again')) connection = 'connected';
  return { state: info({ ...state, connection }, message, time, 'status'), effects: [] };
}

/** Completes the name before the cursor from those present; a common prefix when several fit. */
export function complete(state: ImchatTuiState): { input: string; candidates: string[] } {
  const prefix = /(\S*)$/.exec(state.input)![1]!;
  if (prefix === '' || prefix.startsWith('/')) return { input: state.input, candidates: [] };
  const before = state.input.slice(0, state.input.length - prefix.length);
  const key = nameKey(prefix);
  const candidates = state.present
    .filter((n) => nameKey(n) !== nameKey(state.name) && nameKey(n).startsWith(key))
    .sort(byName);
  if (candidates.length === 0) return { input: state.input, candidates };
  // A name alone on the line addresses someone: "bob: " as in most chat clients.
  const suffix = before.trim() === '' ? ': ' : ' ';
  if (candidates.length === 1) return { input: `${before}${candidates[0]}${suffix}`, candidates };
  let common = candidates[0]!;
  for (const c of candidates) while (!nameKey(c).startsWith(nameKey(common))) common = common.slice(0, -1);
  return { input: `${before}${common.length > prefix.length ? common : prefix}`, candidates };
}

function scrollBy(state: ImchatTuiState, delta: number): ImchatTuiState {
  const scroll = Math.max(0, Math.min(state.scroll + delta, Math.max(0, state.entries.length - 1)));
  return scroll === 0 ? { ...state, scroll, unread: 0 } : { ...state, scroll };
}

function submit(state: ImchatTuiState, time: Date): Update {
  const typed = state.input;
  let next: ImchatTuiState = { ...state, ...submitInputLine(state) };
  next = scrollBy(next, -next.scroll);
  const input = parseImchatInput(typed);
  switch (input.kind) {
    case 'nothing':
      return { state: next, effects: [] };
    case 'who':
      return { state: info(next, `present: ${next.present.join(', ')}`, time), effects: [] };
    case 'help':
      for (const line of [...IMCHAT_HELP, KEYS_HELP]) next = info(next, line, time);
      return { state: next, effects: [] };
    case 'error':
      return { state: info(next, input.message, time, 'error'), effects: [] };
    case 'quit':
      return { state: { ...next, connection: 'leaving' }, effects: [{ type: 'quit' }] };
    case 'send':
      return { state: next, effects: [{ type: 'send', text: input.text }] };
  }
}

function onKey(state: ImchatTuiState, key: TuiKey, time: Date): Update {
  const none = (s: ImchatTuiState): Update => ({ state: s, effects: [] });
  const edited = editInputLine(state, key);
  if (edited) return none({ ...state, ...edited });
  const page = Math.max(1, paneRows(state) - 1);
  switch (key.name) {
    case 'enter':
      return submit(state, time);
    case 'interrupt':
      return { state: { ...state, connection: 'leaving' }, effects: [{ type: 'quit' }] };
    case 'pageUp':
      return none(scrollBy(state, page));
    case 'pageDown':
      return none(scrollBy(state, -page));
    case 'end':
      return none(scrollBy(state, -state.scroll));
    case 'tab': {
      const { input, candidates } = complete(state);
      const next = { ...state, input };
      return none(candidates.length > 1 ? info(next, candidates.join(' '), time) : next);
    }
    default:
      return none(state);
  }
}

type HeldView = Pick<ImchatTuiState, 'held' | 'turns' | 'turn' | 'connection'>;

/**
 * Whether the lines not yet acknowledged are shown: while they wait for our turn or for the store. A line on its
 * way to a store that is there is acknowledged at once, and showing it would shift the pane at every Enter.
 */
export function heldShown(state: HeldView): boolean {
  return (state.turns && state.turn?.state !== 'mine') || state.connection === 'unreachable';
}

/** Rows of held lines shown above the input (the last one says how many more when they do not fit). */
export function heldRows(state: HeldView): number {
  return heldShown(state) ? Math.min(state.held.length, MAX_HELD_ROWS) : 0;
}

/** Rows the message pane has: the screen less the held lines, the status line and the input line. */
export function paneRows(state: Pick<ImchatTuiState, 'rows'> & HeldView): number {
  return Math.max(1, state.rows - 2 - heldRows(state));
}

export function update(state: ImchatTuiState, event: ImchatTuiEvent): Update {
  switch (event.type) {
    case 'session':
      return onSession(state, event);
    case 'status':
      return onStatus(state, event.message, event.time);
    case 'queue':
      return { state: { ...state, held: event.queued.map(sanitizeLine) }, effects: [] };
    case 'key':
      return onKey(state, event.key, event.time);
    case 'resize':
      return { state: { ...state, columns: event.columns, rows: event.rows }, effects: [] };
  }
}
