// The room as one client sees it: fed the store's listing and changes, it says what to show (messages, joins,
// leaves), each message once and each sender's in sequence order, entries that fail their check marked, and gaps
// in a sender's sequence as missing messages. No I/O; both modes use it.
import { nameKey } from '../text/names.js';
import { type LogRecord, parseLogValue, parsePresenceValue, parseRoomKey, sameName } from './keys.js';

/**
 * Why the entry at `seq` of `keyName`'s log is not that user's words (so it is shown marked), or undefined when
 * it is (signature.ts's checkLog with the reader's keys).
 */
export type EntryCheck = (keyName: string, seq: number, record: LogRecord) => string | undefined;

/** What the store sends: the fields of StoreClient's Entry and Change this module needs. */
export interface RoomEntry {
  key: string;
  value: string;
  version: number;
}
export interface RoomChange {
  type: 'set' | 'unset' | 'expire';
  key: string;
  value?: string;
  version: number;
  revision: number;
}

export type RoomEvent =
  | {
      kind: 'message';
      /** As the sender typed it when the entry is verified; the name in the key when it is not. */
      name: string;
      seq: number;
      at: number;
      text: string;
      turn?: number;
      /** The store revision that created it: the order all clients agree on. */
      revision: number;
      /** Shown from the room's history at start, not as it arrived. */
      history: boolean;
      /** Set when the entry is not verifiably the sender's: why (not signed, bad signature...). */
      unverified?: string;
    }
  /** `count` of `name`'s messages before the next one shown are gone from the store (deleted). */
  | { kind: 'missing'; name: string; count: number }
  | { kind: 'join'; name: string; rejoin: boolean }
  | { kind: 'leave'; name: string; timedOut: boolean };

export interface LoadResult {
  events: RoomEvent[];
  /** Who is present, sorted, including the viewer once its presence is stored. */
  present: string[];
}

interface Listed {
  name: string;
  seq: number;
  record: LogRecord;
  revision: number;
}

export class RoomView {
  /** By key name: the run holding the name, and the name as its owner typed it. */
  private readonly presence = new Map<string, { session: string; name: string }>();
  /** Per sender (key name), the highest sequence number of a verified entry shown (or skipped as old history). */
  private readonly seen = new Map<string, number>();
  /** Per sender, the time signed into that entry: a later entry numbered lower is a restart of their numbering. */
  private readonly seenAt = new Map<string, number>();
  /** Per sender, the sequence numbers taken by unverified entries: those are shown, so not missing. */
  private readonly taken = new Map<string, Set<number>>();
  /** Unverified entries shown, as `key@revision`: a repeated change shows nothing. */
  private readonly shownUnverified = new Set<string>();
  private readonly selfKey: string;
  private revisionSeen = 0;

  constructor(
    readonly room: string,
    readonly self: string,
    private readonly check: EntryCheck,
  ) {
    this.selfKey = nameKey(self);
  }

  /** Highest store revision whose changes have been turned into events. */
  get revision(): number {
    return this.revisionSeen;
  }

  /** Present users' names as they typed them, sorted. */
  get present(): string[] {
    return [...this.presence.values()].map((p) => p.name).sort();
  }

  /** The highest sequence number of `name` shown (or skipped as old history); 0 if none. */
  seenSeq(name: string): number {
    return this.seen.get(nameKey(name)) ?? 0;
  }

  isPresent(name: string): boolean {
    return this.presence.has(nameKey(name));
  }

  /**
   * Starts (or restarts, after a compacted watch) from a listing taken at `revision`. With `shownUpTo` (the
   * cursor of an earlier run), every message stored after it is shown; without, the last `history` messages.
   */
  load(items: RoomEntry[], revision: number, opts: { history: number; shownUpTo?: number }): LoadResult {
    const messages: Listed[] = [];
    this.presence.clear();
    for (const item of items) {
      const key = parseRoomKey(this.room, item.key);
      if (key?.kind === 'presence') {
        const p = parsePresenceValue(item.value);
        if (p) this.presence.set(key.name, { session: p.session, name: typedName(key.name, p.name) });
      } else if (key?.kind === 'log') {
        const record = parseLogValue(item.value);
        if (record) messages.push({ name: key.name, seq: key.seq, record, revision: item.version });
      }
    }
    messages.sort((a, b) => a.revision - b.revision);
    const floor = opts.shownUpTo ?? this.revisionSeen;
    const fresh =
      opts.shownUpTo === undefined && this.revisionSeen === 0
        ? messages.slice(Math.max(0, messages.length - opts.history))
        : messages.filter((m) => m.revision > floor);
    // What is not shown counts as seen, so a gap between it and what is shown shows as missing.
    const shown = new Set(fresh);
    for (const m of messages) {
      if (shown.has(m)) continue;
      if (this.check(m.name, m.seq, m.record) !== undefined) this.takenBy(m.name).add(m.seq);
      else if (m.seq > (this.seen.get(m.name) ?? 0)) this.see(m);
    }
    const events = fresh.flatMap((m) => this.entry(m, true));
    this.revisionSeen = Math.max(this.revisionSeen, revision);
    return { events, present: this.present };
  }

  /** One change from the watch, in revision order; a change seen before yields nothing. */
  apply(change: RoomChange): RoomEvent[] {
    if (change.revision <= this.revisionSeen) return [];
    this.revisionSeen = change.revision;
    const key = parseRoomKey(this.room, change.key);
    if (!key) return [];
    if (key.kind === 'log') {
      if (change.type !== 'set' || change.value === undefined) return []; // pruning of old history
      const record = parseLogValue(change.value);
      if (!record) return [];
      return this.entry({ name: key.name, seq: key.seq, record, revision: change.revision }, false);
    }
    if (key.kind !== 'presence') return [];
    const before = this.presence.get(key.name);
    if (change.type === 'set') {
      const p = change.value === undefined ? undefined : parsePresenceValue(change.value);
      if (!p) return [];
      const name = typedName(key.name, p.name);
      this.presence.set(key.name, { session: p.session, name });
      if (key.name === this.selfKey || before?.session === p.session) return [];
      return [{ kind: 'join', name, rejoin: before !== undefined }];
    }
    this.presence.delete(key.name);
    if (before === undefined || key.name === this.selfKey) return [];
    return [{ kind: 'leave', name: before.name, timedOut: change.type === 'expire' }];
  }

  /**
   * A log entry to show: marked when it fails its check (and then not counted as the sender's, so it can neither
   * hide nor replace their real messages); else once, after a notice of any of the sender's messages missing
   * before it.
   */
  private entry(m: Listed, history: boolean): RoomEvent[] {
    const problem = this.check(m.name, m.seq, m.record);
    if (problem !== undefined) {
      const id = `${m.name}/${m.seq}@${m.revision}`;
      if (this.shownUnverified.has(id)) return [];
      this.shownUnverified.add(id);
      this.takenBy(m.name).add(m.seq);
      return [{ ...messageEvent(m.name, m, history), unverified: problem }];
    }
    const last = this.seen.get(m.name) ?? 0;
    // At or below the last number shown: the same entry again (a listing overlapping the watch, or a replay of
    // it), unless signed later than that one: then the sender's numbering started again (their log and cursor
    // were deleted), and hiding it would let a deletion silence them.
    const restarted = m.seq <= last && m.record.at > (this.seenAt.get(m.name) ?? 0);
    if (m.seq <= last && !restarted) return [];
    this.see(m);
    const name = typedName(m.name, m.record.name);
    const events: RoomEvent[] = [];
    if (last > 0 && !restarted) {
      const taken = this.taken.get(m.name);
      let count = 0;
      for (let seq = last + 1; seq < m.seq; seq++) if (!taken?.has(seq)) count++;
      if (count > 0) events.push({ kind: 'missing', name, count });
    }
    events.push(messageEvent(name, m, history));
    return events;
  }

  private see(m: Listed): void {
    this.seen.set(m.name, m.seq);
    this.seenAt.set(m.name, m.record.at);
  }

  private takenBy(name: string): Set<number> {
    const existing = this.taken.get(name);
    if (existing) return existing;
    const set = new Set<number>();
    this.taken.set(name, set);
    return set;
  }
}

/** The name as typed, when a value says it and it is the same name as the key's; else the key's. */
function typedName(keyName: string, typed: string | undefined): string {
  return typed !== undefined && sameName(typed, keyName) ? typed : keyName;
}

/** The log senders of a listing (key names): whose keys a reader needs before loading it. */
export function logSenders(room: string, items: readonly RoomEntry[]): string[] {
  const names = new Set<string>();
  for (const item of items) {
    const key = parseRoomKey(room, item.key);
    if (key?.kind === 'log') names.add(key.name);
  }
  return [...names];
}

function messageEvent(name: string, m: Listed, history: boolean): RoomEvent & { kind: 'message' } {
  const event: RoomEvent & { kind: 'message' } = {
    kind: 'message',
    name,
    seq: m.seq,
    at: m.record.at,
    text: m.record.text,
    revision: m.revision,
    history,
  };
  if (m.record.turn !== undefined) event.turn = m.record.turn;
  return event;
}

/** The sequence numbers of a writer's own log to delete so that only the newest `history` stay. */
export function seqsToPrune(ownSeqs: number[], newest: number, history: number): number[] {
  return ownSeqs.filter((seq) => seq <= newest - history);
}
