// What chat nodes tell each other over the bus, as pure data, and its wire form (one JSON object per bus
// message). Decoding never throws: a message from a newer or broken node is dropped, not trusted.
import { sanitizeLine } from '../../text/sanitize.js';
import { isValidName } from '../../text/names.js';

/** One user's state as the cluster stores it: the name's spelling and the groups (their spellings) it is in. */
export interface UserRecord {
  name: string;
  groups: string[];
}

/**
 * Changes of a node's users (`joined` .. `leave`, each numbered so a gap is seen) and messages (not numbered:
 * they change nothing that a later snapshot would have to show). `sync` asks the others to re-read the node's
 * users from Redis (it rewrote them after an outage).
 */
export type ClusterEvent =
  | { t: 'joined'; name: string }
  | { t: 'renamed'; from: string; to: string }
  | { t: 'left'; name: string }
  | { t: 'join'; name: string; group: string }
  | { t: 'leave'; name: string; group: string }
  | { t: 'message'; from: string; text: string }
  | { t: 'private'; from: string; to: string[]; text: string }
  | { t: 'group'; group: string; from: string; text: string }
  | { t: 'sync' };

/** A bus message: the node it came from, its sequence number for state changes, the event. */
export interface BusMessage {
  node: string;
  seq?: number;
  event: ClusterEvent;
}

export function isStateEvent(event: ClusterEvent): boolean {
  return event.t !== 'message' && event.t !== 'private' && event.t !== 'group';
}

export function encodeBusMessage(message: BusMessage): string {
  return JSON.stringify(
    message.seq === undefined
      ? { n: message.node, e: message.event }
      : { n: message.node, q: message.seq, e: message.event },
  );
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
// Whatever is on the bus reaches terminals: it must be what a node could have relayed (valid names, sanitised
// text), even if something else wrote to the channel.
const isName = (v: unknown): v is string => typeof v === 'string' && isValidName(v);
const isText = (v: unknown): v is string => isString(v) && sanitizeLine(v) === v;
const CHECKS: Record<string, (v: unknown) => boolean> = {
  name: isName,
  from: isName,
  to: isName,
  group: isName,
  text: isText,
};
const FIELDS: Record<ClusterEvent['t'], readonly string[]> = {
  joined: ['name'],
  renamed: ['from', 'to'],
  left: ['name'],
  join: ['name', 'group'],
  leave: ['name', 'group'],
  message: ['from', 'text'],
  private: ['from', 'text'],
  group: ['group', 'from', 'text'],
  sync: [],
};

export function decodeBusMessage(text: string): BusMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { n, q, e } = raw as { n?: unknown; q?: unknown; e?: unknown };
  if (!isString(n) || typeof e !== 'object' || e === null) return undefined;
  if (q !== undefined && !(Number.isSafeInteger(q) && (q as number) > 0)) return undefined;
  const event = e as Record<string, unknown>;
  const fields = Object.hasOwn(FIELDS, event.t as string) ? FIELDS[event.t as ClusterEvent['t']] : undefined;
  if (!fields?.every((f) => CHECKS[f]!(event[f]))) return undefined;
  if (event.t === 'private' && !(Array.isArray(event.to) && event.to.length > 0 && event.to.every(isName)))
    return undefined;
  return q === undefined
    ? { node: n, event: e as ClusterEvent }
    : { node: n, seq: q as number, event: e as ClusterEvent };
}

export function encodeUserRecord(record: UserRecord): string {
  return JSON.stringify(record);
}

export function decodeUserRecord(text: string): UserRecord | undefined {
  try {
    const raw = JSON.parse(text) as UserRecord;
    if (isName(raw.name) && Array.isArray(raw.groups) && raw.groups.every(isName)) return raw;
  } catch {}
  return undefined;
}
