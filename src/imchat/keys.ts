// The imchat key layout on the plain store, and the values stored under it: pure functions, no I/O.
// docs/IMCHAT.md explains who writes which key and why that makes concurrent clients safe. Names and rooms are
// spelled in keys in their case-folded form (nameKey), so `ALICE` and `alice` are one user; values keep the name
// as its owner typed it.
import { isValidName, NAME_RULE, nameKey } from '../text/names.js';

/** The longest message text a client sends (the store itself allows values of up to 1 MiB). */
export const MAX_TEXT_CHARS = 4000;
/** Log sequence numbers are zero-padded so that the store's key order is the sequence order. */
const SEQ_DIGITS = 10;

/**
 * Why `value` is not a usable room or user name, or undefined when it is. The shared rule (src/text/names.ts)
 * has no '/', so a name cannot forge another key of the layout.
 */
export function nameProblem(kind: 'name' | 'room', value: string): string | undefined {
  if (isValidName(value)) return undefined;
  return `${kind} "${value}" is not allowed: use ${NAME_RULE}`;
}

/** The same user (or room) whatever the case it was typed in. */
export function sameName(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}

/** A name as it appears in a key: valid and already case-folded (older clients wrote names as typed). */
function isKeyName(part: string): boolean {
  return isValidName(part) && part === nameKey(part);
}

export type Seat = 1 | 2;

/** The prefix every watched key of a room lives under (cursors live outside it on purpose). */
export function roomPrefix(room: string): string {
  return `imchat/${nameKey(room)}/`;
}

export function logPrefix(room: string, name?: string): string {
  return name === undefined ? `${roomPrefix(room)}log/` : `${roomPrefix(room)}log/${nameKey(name)}/`;
}

export function logKey(room: string, name: string, seq: number): string {
  return `${logPrefix(room, name)}${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

export function presenceKey(room: string, name: string): string {
  return `${roomPrefix(room)}presence/${nameKey(name)}`;
}

export function seatKey(room: string, seat: Seat): string {
  return `${roomPrefix(room)}seat/${seat}`;
}

export function turnKey(room: string): string {
  return `${roomPrefix(room)}turn`;
}

/**
 * A user's public signing key, one per name for the whole store (a name is one person in every room). Written
 * once, create-only: the first writer of a name's key owns the name (trust on first use).
 */
export function publicKeyKey(name: string): string {
  return `imchat-keys/${nameKey(name)}`;
}

/**
 * Outside the room prefix so that a reader's cursor writes (one after each batch it shows) wake none of the
 * room's watchers.
 */
export function cursorKey(room: string, name: string): string {
  return `imchat-cursor/${nameKey(room)}/${nameKey(name)}`;
}

export type RoomKey =
  | { kind: 'log'; name: string; seq: number }
  | { kind: 'presence'; name: string }
  | { kind: 'seat'; seat: Seat }
  | { kind: 'turn' };

/**
 * What a key under roomPrefix(room) is; undefined for anything the layout does not define. Names come back in
 * their key (case-folded) form.
 */
export function parseRoomKey(room: string, key: string): RoomKey | undefined {
  const prefix = roomPrefix(room);
  if (!key.startsWith(prefix)) return undefined;
  const parts = key.slice(prefix.length).split('/');
  if (parts[0] === 'turn' && parts.length === 1) return { kind: 'turn' };
  if (parts[0] === 'presence' && parts.length === 2 && isKeyName(parts[1]!))
    return { kind: 'presence', name: parts[1]! };
  if (parts[0] === 'seat' && parts.length === 2 && (parts[1] === '1' || parts[1] === '2'))
    return { kind: 'seat', seat: parts[1] === '1' ? 1 : 2 };
  if (parts[0] === 'log' && parts.length === 3 && isKeyName(parts[1]!)) {
    const digits = parts[2]!;
    if (!/^\d{1,15}$/.test(digits)) return undefined;
    const seq = Number(digits);
    if (seq < 1) return undefined;
    return { kind: 'log', name: parts[1]!, seq };
  }
  return undefined;
}

/**
 * One message in a sender's log. `turn` is set in turn mode: the turn number it was spoken in. `name` is the
 * sender's name as typed and `sig` the sender's signature (signature.ts); entries of older clients have neither.
 */
export interface LogRecord {
  at: number;
  text: string;
  turn?: number;
  name?: string;
  sig?: string;
}

export function formatLogValue(record: LogRecord): string {
  // Fields in a fixed order, so a value reads the same in every client's listing.
  return JSON.stringify({
    at: record.at,
    turn: record.turn,
    name: record.name,
    text: record.text,
    sig: record.sig,
  });
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
  if (typeof o.name === 'string' && isValidName(o.name)) record.name = o.name;
  if (typeof o.sig === 'string') record.sig = o.sig.slice(0, 200);
  return record;
}

/**
 * A presence value: which run of the client holds the name (a restart gets a new session id), and the name as
 * its owner typed it (older clients did not write it).
 */
export interface PresenceRecord {
  session: string;
  since: number;
  name?: string;
}

export function formatPresenceValue(p: PresenceRecord): string {
  return JSON.stringify(
    p.name === undefined
      ? { session: p.session, since: p.since }
      : { session: p.session, since: p.since, name: p.name },
  );
}

export function parsePresenceValue(value: string): PresenceRecord | undefined {
  const o = parseJsonObject(value);
  if (!o || typeof o.session !== 'string' || !isWhole(o.since)) return undefined;
  const record: PresenceRecord = { session: o.session.slice(0, 64), since: o.since };
  if (typeof o.name === 'string' && isValidName(o.name)) record.name = o.name;
  return record;
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
