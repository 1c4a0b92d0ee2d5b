// The room as one client sees it: fed the store's listing and changes, it says what to show (messages, joins,
// leaves), each message once and each sender's in sequence order. No I/O; both modes use it.
import { type LogRecord, parseLogValue, parsePresenceValue, parseRoomKey } from './keys.js';

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
      name: string;
      seq: number;
      at: number;
      text: string;
      turn?: number;
      /** The store revision that created it: the order all clients agree on. */
      revision: number;
      /** Shown from the room's history at start, not as it arrived. */
      history: boolean;
    }
  | { kind: 'join'; name: string; rejoin: boolean }
  | { kind: 'leave'; name: string; timedOut: boolean };

export interface LoadResult {
  events: RoomEvent[];
  /** Who is present, sorted, including the viewer once its presence is stored. */
  present: string[];
}

export class RoomView {
  private readonly presence = new Map<string, string>();
  /** Per sender, the highest sequence number shown (or skipped as old history). */
  private readonly seen = new Map<string, number>();
  private revisionSeen = 0;

  constructor(
    readonly room: string,
    readonly self: string,
  ) {}

  /** Highest store revision whose changes have been turned into events. */
  get revision(): number {
    return this.revisionSeen;
  }

  get present(): string[] {
    return [...this.presence.keys()].sort();
  }

  /** The highest sequence number of `name` shown (or skipped as old history); 0 if none. */
  seenSeq(name: string): number {
    return this.seen.get(name) ?? 0;
  }

  isPresent(name: string): boolean {
    return this.presence.has(name);
  }

  /**
   * Starts (or restarts, after a compacted watch) from a listing taken at `revision`. With `shownUpTo` (the
   * cursor of an earlier run), every message stored after it is shown; without, the last `history` messages.
   */
  load(items: RoomEntry[], revision: number, opts: { history: number; shownUpTo?: number }): LoadResult {
    const messages: Array<{ name: string; seq: number; record: LogRecord; revision: number }> = [];
    this.presence.clear();
    for (const item of items) {
      const key = parseRoomKey(this.room, item.key);
      if (key?.kind === 'presence') {
        const p = parsePresenceValue(item.value);
        if (p) this.presence.set(key.name, p.session);
      } else if (key?.kind === 'log') {
        const record = parseLogValue(item.value);
        if (record) messages.push({ name: key.name, seq: key.seq, record, revision: item.version });
      }
    }
    messages.sort((a, b) => a.revision - b.revision);
    const floor = opts.shownUpTo ?? this.revisionSeen;
    let fresh = messages.filter((m) => m.revision > floor && m.seq > (this.seen.get(m.name) ?? 0));
    if (opts.shownUpTo === undefined && this.revisionSeen === 0)
      fresh = messages.slice(Math.max(0, messages.length - opts.history));
    for (const m of messages) this.seen.set(m.name, Math.max(this.seen.get(m.name) ?? 0, m.seq));
    this.revisionSeen = Math.max(this.revisionSeen, revision);
    return {
      events: fresh.map((m) => messageEvent(m.name, m.seq, m.record, m.revision, true)),
      present: this.present,
    };
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
      if (!record || key.seq <= (this.seen.get(key.name) ?? 0)) return [];
      this.seen.set(key.name, key.seq);
      return [messageEvent(key.name, key.seq, record, change.revision, false)];
    }
    if (key.kind !== 'presence') return [];
    const before = this.presence.get(key.name);
    if (change.type === 'set') {
      const p = change.value === undefined ? undefined : parsePresenceValue(change.value);
      if (!p) return [];
      this.presence.set(key.name, p.session);
      if (key.name === this.self || before === p.session) return [];
      return [{ kind: 'join', name: key.name, rejoin: before !== undefined }];
    }
    this.presence.delete(key.name);
    if (before === undefined || key.name === this.self) return [];
    return [{ kind: 'leave', name: key.name, timedOut: change.type === 'expire' }];
  }
}

function messageEvent(
  name: string,
  seq: number,
  record: LogRecord,
  revision: number,
  history: boolean,
): RoomEvent {
  const event: RoomEvent = {
    kind: 'message',
    name,
    seq,
    at: record.at,
    text: record.text,
    revision,
    history,
  };
  if (record.turn !== undefined) event.turn = record.turn;
  return event;
}

/** The sequence numbers of a writer's own log to delete so that only the newest `history` stay. */
export function seqsToPrune(ownSeqs: number[], newest: number, history: number): number[] {
  return ownSeqs.filter((seq) => seq <= newest - history);
}
