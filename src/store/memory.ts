// The in-memory engine (`plainwire store --memory`): the same semantics as the lmdb engine, nothing on disk.
import {
  type Change,
  ChangeFanout,
  type ChangeMatch,
  type ChangesAnswer,
  type CountRead,
  DEFAULT_LOG_RETENTION,
  type Engine,
  type Entry,
  type EntryRead,
  type ListOptions,
  type ListPage,
  type ReadInfo,
  type SetOptions,
  type UnsetOptions,
  type WriteResult,
} from './engine.js';
import { type LoggedRevision, lowerBoundRevision, readLog } from './change-log.js';
import { compareKeys, ExpiryTimer } from './expiry.js';

export interface MemoryEngineOptions {
  /** How many changes the log keeps at least (default 100,000). */
  logRetention?: number;
  /** The time in ms since the epoch, for expiry (tests pass their own clock). */
  clock?: () => number;
}

export class MemoryEngine implements Engine {
  private entries = new Map<string, Entry>();
  private sortedKeys: string[] | undefined;
  private expiring = new Map<string, number>();
  private log: LoggedRevision[] = [];
  private loggedChanges = 0;
  private rev = 0;
  private oldest = 0;
  private readonly retention: number;
  private readonly fanout = new ChangeFanout();
  private readonly now: () => number;
  private readonly expiryTimer: ExpiryTimer;
  private closed = false;

  constructor(options: MemoryEngineOptions = {}) {
    this.retention = options.logRetention ?? DEFAULT_LOG_RETENTION;
    this.now = options.clock ?? Date.now;
    this.expiryTimer = new ExpiryTimer(() => this.expireDue(), this.now);
  }

  get knownRevision(): number {
    return this.rev;
  }

  /** Watchers may resume from any revision >= this; older ones were pruned from the log. */
  get oldestRevision(): number {
    return this.oldest;
  }

  async revision(): Promise<ReadInfo> {
    return { revision: this.rev };
  }

  async get(key: string): Promise<EntryRead> {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      // Reads never see an expired key, even if the timer has not fired yet.
      queueMicrotask(() => this.expireDue());
      return { entry: undefined, revision: this.rev };
    }
    return { entry, revision: this.rev };
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<WriteResult> {
    this.assertOpen();
    const current = this.live(key);
    const currentVersion = current?.version ?? 0;
    if (options.ifVersion !== undefined && options.ifVersion !== currentVersion)
      return { ok: false, conflict: true, version: currentVersion, revision: this.rev };
    this.expireIfDue(key);
    const revision = ++this.rev;
    const entry: Entry = { key, value, version: revision };
    // Kept sorted in place: re-sorting every key after each new one would block a listing that runs alongside writes.
    if (!current && this.sortedKeys) this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 0, key);
    if (options.ttlMs !== undefined) {
      entry.expiresAt = this.now() + options.ttlMs;
      this.expiring.set(key, entry.expiresAt);
      this.expiryTimer.schedule(entry.expiresAt);
    } else {
      this.expiring.delete(key);
    }
    this.entries.set(key, entry);
    this.record(revision, [{ type: 'set', key, value, version: revision, revision }]);
    return { ok: true, version: revision, revision };
  }

  async unset(key: string, options: UnsetOptions = {}): Promise<WriteResult> {
    this.assertOpen();
    const current = this.live(key);
    const currentVersion = current?.version ?? 0;
    if (options.ifVersion !== undefined && options.ifVersion !== currentVersion)
      return { ok: false, conflict: true, version: currentVersion, revision: this.rev };
    this.expireIfDue(key);
    if (!current) return { ok: true, version: 0, revision: this.rev };
    const revision = ++this.rev;
    this.remove(key);
    this.record(revision, [{ type: 'unset', key, version: 0, revision }]);
    return { ok: true, version: 0, revision };
  }

  async clear(): Promise<{ revision: number }> {
    this.assertOpen();
    if (this.entries.size === 0) return { revision: this.rev };
    const revision = ++this.rev;
    const now = this.now();
    const changes: Change[] = [];
    for (const key of this.sortedKeyList()) {
      const entry = this.entries.get(key)!;
      // A key already past its expiry is reported as expired, not as unset by the clear.
      const expired = entry.expiresAt !== undefined && entry.expiresAt <= now;
      changes.push({ type: expired ? 'expire' : 'unset', key, version: 0, revision });
    }
    this.entries.clear();
    this.expiring.clear();
    this.sortedKeys = [];
    this.expiryTimer.cancel();
    this.record(revision, changes);
    return { revision };
  }

  async keys(): Promise<string[]> {
    const now = this.now();
    return this.sortedKeyList().filter((k) => {
      const e = this.entries.get(k)!;
      return e.expiresAt === undefined || e.expiresAt > now;
    });
  }

  async list(options: ListOptions): Promise<ListPage> {
    const prefix = options.prefix ?? '';
    const keys = this.sortedKeyList();
    const after = options.after;
    const start = after !== undefined && compareKeys(after, prefix) > 0 ? after : prefix;
    let i = lowerBound(keys, start);
    if (keys[i] === after) i++;
    const now = this.now();
    const items: Entry[] = [];
    let next: string | null = null;
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) {
        if (compareKeys(key, prefix) > 0) break;
        continue;
      }
      const entry = this.entries.get(key)!;
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) continue;
      if (items.length === options.limit) {
        next = items[items.length - 1]!.key;
        break;
      }
      items.push(entry);
    }
    return { items, next, revision: this.rev };
  }

  async count(): Promise<CountRead> {
    return { count: this.entries.size, revision: this.rev };
  }

  async changesAfter(
    after: number,
    match: ChangeMatch,
    limit: number,
    scanLimit = 10_000,
  ): Promise<ChangesAnswer> {
    if (after > this.rev) return { kind: 'future', revision: this.rev };
    if (after < this.oldest) return { kind: 'compacted', oldest: this.oldest };
    return readLog(this.log, after, match, limit, scanLimit, this.rev);
  }

  onChanges(listener: (changes: Change[]) => void): () => void {
    return this.fanout.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.expiryTimer.cancel();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    return entry?.expiresAt !== undefined && entry.expiresAt <= this.now() ? undefined : entry;
  }

  /** A write to a key whose expiry is due but not yet processed first records the expiry, as watchers expect. */
  private expireIfDue(key: string): void {
    const entry = this.entries.get(key);
    if (entry?.expiresAt === undefined || entry.expiresAt > this.now()) return;
    const revision = ++this.rev;
    this.remove(key);
    this.record(revision, [{ type: 'expire', key, version: 0, revision }]);
  }

  private remove(key: string): void {
    if (!this.entries.delete(key)) return;
    this.expiring.delete(key);
    if (this.sortedKeys) this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 1);
  }

  private sortedKeyList(): string[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.entries.keys()].sort(compareKeys);
    return this.sortedKeys;
  }

  private record(revision: number, changes: Change[]): void {
    this.log.push({ revision, changes });
    this.loggedChanges += changes.length;
    // Prune in chunks, so the log keeps between `retention` and 10% more revisions.
    if (revision - this.oldest > this.retention + this.retention / 10) {
      const cutoff = revision - this.retention;
      const drop = lowerBoundRevision(this.log, cutoff + 1);
      for (let i = 0; i < drop; i++) this.loggedChanges -= this.log[i]!.changes.length;
      this.log.splice(0, drop);
      this.oldest = cutoff;
    }
    this.fanout.emit(changes);
  }

  private expireDue(): void {
    if (this.closed) return;
    const now = this.now();
    let soonest = Number.POSITIVE_INFINITY;
    const due: string[] = [];
    for (const [key, at] of this.expiring) {
      if (at <= now) due.push(key);
      else if (at < soonest) soonest = at;
    }
    due.sort(compareKeys);
    for (const key of due) {
      const revision = ++this.rev;
      this.remove(key);
      this.record(revision, [{ type: 'expire', key, version: 0, revision }]);
    }
    this.expiryTimer.reset(soonest);
  }
}

function lowerBound(keys: string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys(keys[mid]!, target) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
