// The imchat key layout on the plain store, and the values stored under it: pure functions, no I/O.
// docs/IMCHAT.md explains who writes which key and why that makes concurrent clients safe.

/** Room and user names: short, and free of '/' so they cannot forge another key of the layout. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** The longest message text a client sends (the store itself allows values of up to 1 MiB). */
export const MAX_TEXT_CHARS = 4000;
/** Log sequence numbers are zero-padded so that the store's key order is the sequence order. */
const SEQ_DIGITS = 10;

/** Why `value` is not a usable room or user name, or undefined when it is. */
export function nameProblem(kind: 'name' | 'room', value: string): string | undefined {
  if (NAME_PATTERN.test(value)) return undefined;
  return `${kind} "${value}" is not allowed: use 1-32 letters, digits, '-' or '_'`;
}

export type Seat = 1 | 2;

/** The prefix every watched key of a room lives under (cursors live outside it on purpose). */
export function roomPrefix(room: string): string {
  return `imchat/${room}/`;
}

export function logPrefix(room: string, name?: string): string {
  return name === undefined ? `imchat/${room}/log/` : `imchat/${room}/log/${name}/`;
}

export function logKey(room: string, name: string, seq: number): string {
  return `imchat/${room}/log/${name}/${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

export function presenceKey(room: string, name: string): string {
  return `imchat/${room}/presence/${name}`;
}

export function seatKey(room: string, seat: Seat): string {
  return `imchat/${room}/seat/${seat}`;
}

export function turnKey(room: string): string {
  return `imchat/${room}/turn`;
}

/**
 * Outside the room prefix so that a reader's cursor writes (one after each batch it shows) wake none of the
 * room's watchers.
 */
export function cursorKey(room: string, name: string): string {
  return `imchat-cursor/${room}/${name}`;
}

export type RoomKey =
  | { kind: 'log'; name: string; seq: number }
  | { kind: 'presence'; name: string }
  | { kind: 'seat'; seat: Seat }
  | { kind: 'turn' };

/** What a key under roomPrefix(room) is; undefined for anything the layout does not define. */
export function parseRoomKey(room: string, key: string): RoomKey | undefined {
  const prefix = roomPrefix(room);
  if (!key.startsWith(prefix)) return undefined;
  const parts = key.slice(prefix.length).split('/');
  if (parts[0] === 'turn' && parts.length === 1) return { kind: 'turn' };
  if (parts[0] === 'presence' && parts.length === 2 && NAME_PATTERN.test(parts[1]!))
    return { kind: 'presence', name: parts[1]! };
  if (parts[0] === 'seat' && parts.length === 2 && (parts[1] === '1' || parts[1] === '2'))
    return { kind: 'seat', seat: parts[1] === '1' ? 1 : 2 };
  if (parts[0] === 'log' && parts.length === 3 && NAME_PATTERN.test(parts[1]!)) {
    const digits = parts[2]!;
    if (!/^\d{1,15}$/.test(digits)) return undefined;
    const seq = Number(digits);
    if (seq < 1) return undefined;
    return { kind: 'log', name: parts[1]!, seq };
  }
  return undefined;
}

/** One message in a sender's log. `turn` is set in turn mode: the turn number it was spoken in. */
export interface LogRecord {
  at: number;
  text: string;
  turn?: number;
}

export function formatLogValue(record: LogRecord): string {
  return JSON.stringify(
    record.turn === undefined
      ? { at: record.at, text: record.text }
      : { at: record.at, turn: record.turn, text: record.text },
  );
}

function parseJsonObject(value: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A log value written by anyone (so: untrusted); undefined when it is not one. */
export function parseLogValue(value: string): LogRecord | undefined {
  const o = parseJsonObject(value);
  if (!o || !isWhole(o.at) || typeof o.text !== 'string') return undefined;
  const record: LogRecord = { at: o.at, text: o.text.slice(0, MAX_TEXT_CHARS) };
  if (o.turn !== undefined) {
    if (!isWhole(o.turn)) return undefined;
    record.turn = o.turn;
  }
  return record;
}

/** A presence value: which run of the client holds the name (a restart gets a new session id). */
export interface PresenceRecord {
  session: string;
  since: number;
}

export function formatPresenceValue(p: PresenceRecord): string {
  return JSON.stringify({ session: p.session, since: p.since });
}

export function parsePresenceValue(value: string): PresenceRecord | undefined {
  const o = parseJsonObject(value);
  if (!o || typeof o.session !== 'string' || !isWhole(o.since)) return undefined;
  return { session: o.session.slice(0, 64), since: o.since };
}

/** The turn key: the seat whose holder may speak, and the number of the turn (1 for the first). */
export interface TurnRecord {
  seat: Seat;
  n: number;
}

export function formatTurnValue(t: TurnRecord): string {
  return `${t.seat} ${t.n}`;
}

export function parseTurnValue(value: string): TurnRecord | undefined {
  const m = /^([12]) (\d{1,15})$/.exec(value);
  if (!m) return undefined;
  return { seat: m[1] === '1' ? 1 : 2, n: Number(m[2]) };
}

/**
 * A user's cursor: the next sequence number of its own log, and the store revision up to which it has shown
 * the room (every log entry with a version at or below it was shown, or was older than the history shown).
 */
export interface CursorRecord {
  next: number;
  revision: number;
}

export function formatCursorValue(c: CursorRecord): string {
  return JSON.stringify({ next: c.next, revision: c.revision });
}

export function parseCursorValue(value: string): CursorRecord | undefined {
  const o = parseJsonObject(value);
  if (!o || !isWhole(o.next) || !isWhole(o.revision) || o.next < 1) return undefined;
  return { next: o.next, revision: o.revision };
}
