// The storage engine contract the store server talks to: keys with versions, a store-wide revision, compare-and-set,
// expiry and a change log that watchers read. Three implementations share it: lmdb.ts (durable, one process),
// memory.ts, and etcd.ts (stateless nodes over an etcd cluster). Reads are promises because etcd's are round trips.

/** One key as stored. `version` is the revision of the key's last change (never 0 for a present key). */
export interface Entry {
  key: string;
  value: string;
  version: number;
  /** Milliseconds since the epoch after which the key no longer exists; absent when it never expires. */
  expiresAt?: number;
}

export type ChangeType = 'set' | 'unset' | 'expire';

/** One change in the log. A `clear` gives one `unset` per key, all with the same revision. */
export interface Change {
  type: ChangeType;
  key: string;
  /** Only for `set`. */
  value?: string;
  /** The key's version after the change: the change's revision for a set, 0 after an unset or expiry. */
  version: number;
  revision: number;
}

export interface SetOptions {
  /** Write only if the key's current version is this (0: only if absent). */
  ifVersion?: number;
  /** Expire the key this many milliseconds from now. */
  ttlMs?: number;
}

export interface UnsetOptions {
  ifVersion?: number;
}

/** The answer to a write: done (with the key's new version) or refused by compare-and-set. */
export type WriteResult =
  | { ok: true; version: number; revision: number }
  | { ok: false; conflict: true; version: number; revision: number };

export interface ListOptions {
  prefix?: string;
  /** Start strictly after this key (the last key of the previous page). */
  after?: string;
  limit: number;
}

/** When a read was answered. */
export interface ReadInfo {
  /** The store's revision the answer reflects. */
  revision: number;
  /**
   * The answer may miss acknowledged writes: an etcd member that lost its quorum answered from its own copy. Absent
   * (or false) for every lmdb and memory read.
   */
  stale?: boolean;
}

export interface EntryRead extends ReadInfo {
  /** The key's entry, or undefined when absent or expired. */
  entry: Entry | undefined;
}

export interface CountRead extends ReadInfo {
  /** How many keys there are (keys past their expiry but not yet removed may be counted). */
  count: number;
}

export interface ListPage extends ReadInfo {
  items: Entry[];
  /** The last key returned when more remain, else null. */
  next: string | null;
}

/** Which keys a watcher cares about: one key, or every key starting with a prefix ('' is every key). */
export type ChangeMatch = { key: string } | { prefix: string };

export function changeMatches(match: ChangeMatch, key: string): boolean {
  return 'key' in match ? match.key === key : key.startsWith(match.prefix);
}

export type ChangesAnswer =
  | {
      kind: 'changes';
      changes: Change[];
      /** What the reader passes as `after` next time. */
      revision: number;
    }
  /** `after` is older than the retained log: the reader must re-list. */
  | { kind: 'compacted'; oldest: number }
  /** `after` is newer than anything this store has written: it is not the store the reader knew. */
  | { kind: 'future'; revision: number };

/** How many changes the log keeps at least, so a watcher that was away briefly can catch up. */
export const DEFAULT_LOG_RETENTION = 100_000;

export interface Engine {
  /**
   * The newest revision this engine knows to be durable, without asking anyone: never behind an answer it gave.
   * Answers that read nothing (errors, writes) carry it as their revision.
   */
  readonly knownRevision: number;
  /** The revision of the last change that is durable and visible to readers and watchers. */
  revision(): Promise<ReadInfo>;
  get(key: string): Promise<EntryRead>;
  set(key: string, value: string, options?: SetOptions): Promise<WriteResult>;
  unset(key: string, options?: UnsetOptions): Promise<WriteResult>;
  /** Removes every key; resolves with the revision of the clear (unchanged if the store was empty). */
  clear(): Promise<{ revision: number }>;
  /** Every live key in key order. */
  keys(): Promise<string[]>;
  list(options: ListOptions): Promise<ListPage>;
  count(): Promise<CountRead>;
  /**
   * Changes with revision > `after` matching `match`, in revision order. Whole revisions only: stops at a revision
   * boundary once `limit` changes are gathered. Reads at most `scanLimit` revisions, so a far-behind reader with
   * few matches gets an empty answer with a later revision instead of a long scan.
   */
  changesAfter(after: number, match: ChangeMatch, limit: number, scanLimit?: number): Promise<ChangesAnswer>;
  /** Called with each durable batch of changes, in revision order. Returns an unsubscribe function. */
  onChanges(listener: (changes: Change[]) => void): () => void;
  close(): Promise<void>;
}

/** Thrown when an engine cannot be opened: the message is for a person. */
export class EngineOpenError extends Error {
  readonly code: string;
  constructor(message: string, code = 'ENGINE_OPEN') {
    super(message);
    this.name = 'EngineOpenError';
    this.code = code;
  }
}

/**
 * A write the disk refused (full, or an I/O error): nothing of it was stored, and the store goes on. The message is
 * for a person; `code` is STORAGE_FULL (ENOSPC, or lmdb's map full) or STORAGE_FAILED (any other I/O error).
 */
export class EngineWriteError extends Error {
  readonly code: 'STORAGE_FULL' | 'STORAGE_FAILED';
  constructor(message: string, code: 'STORAGE_FULL' | 'STORAGE_FAILED') {
    super(message);
    this.name = 'EngineWriteError';
    this.code = code;
  }
}

/**
 * The engine's backing service cannot answer now (etcd: no quorum, or no member reachable), and a retry later may
 * work. The message is for a person. `maybeApplied`: a write was sent and not confirmed, so it may yet take
 * effect (the server answers 504, and a client reads the key back before sending it again); otherwise nothing
 * was changed (503, and a client may send it to another node at once).
 */
export class EngineUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  readonly maybeApplied: boolean;
  constructor(message: string, options: { maybeApplied?: boolean } = {}) {
    super(message);
    this.name = 'EngineUnavailableError';
    this.maybeApplied = options.maybeApplied ?? false;
  }
}

/** Delivers change batches to listeners; a throwing listener must not stop the others. */
export class ChangeFanout {
  private listeners = new Set<(changes: Change[]) => void>();

  add(listener: (changes: Change[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(changes: Change[]): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch {
        // A watcher's failure is its own; the write is already durable.
      }
    }
  }
}
