// The durable engine: keys, versions, expiry times, the revision counter and the change log all live in one lmdb
// environment, and a write is acknowledged only after lmdb has committed and synced it. Every write issued in one
// event-loop turn lands in the same lmdb transaction, so concurrent writers share one disk sync.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';
import {
  type Change,
  ChangeFanout,
  type ChangeMatch,
  type ChangesAnswer,
  type CountRead,
  changeMatches,
  DEFAULT_LOG_RETENTION,
  type Engine,
  EngineOpenError,
  type Entry,
  type EntryRead,
  type ListOptions,
  type ListPage,
  type ReadInfo,
  type SetOptions,
  type UnsetOptions,
  type WriteResult,
} from './engine.js';
import { DEFAULT_DISK_RESERVE_BYTES, DiskSpace } from './disk-space.js';
import { compareKeys, ExpiryTimer } from './expiry.js';
import { guardOrphanCommitFailures, issued, writeFailure } from './lmdb-failures.js';

export interface LmdbEngineOptions {
  /** The data directory (created if missing). */
  path: string;
  /** How many revisions the change log keeps at least (default 100,000). */
  logRetention?: number;
  /** How often the log is pruned in the background (default 5 s). */
  pruneIntervalMs?: number;
  /** Free disk space a set must leave, for deletes and lmdb's own pages (default 32 MiB; 0 turns the check off). */
  diskReserveBytes?: number;
  /** The time in ms since the epoch, for expiry (tests pass their own clock). */
  clock?: () => number;
}

/** [value, version, expiresAt or 0] */
type StoredEntry = [string, number, number];
/** [type code, key, value (sets only)] */
type StoredChange = [number, string, string?];

const TYPE_CODES: Record<Change['type'], number> = { set: 0, unset: 1, expire: 2 };
const TYPES: Change['type'][] = ['set', 'unset', 'expire'];
const LOCK_FILE = 'plainwire-store.pid';
/** Lock files this process holds: its own pid in a lock file is only stale if it is not one of these. */
const heldLocks = new Set<string>();
// Log pruning removes this many revisions per transaction at most, so a prune never holds the writer for long.
const PRUNE_CHUNK = 10_000;

// How long an expiry the disk refused waits before it is tried again.
const EXPIRY_RETRY_MS = 1000;

interface PendingKey {
  entry: Entry | null;
  revision: number;
}

export async function openLmdbEngine(options: LmdbEngineOptions): Promise<LmdbEngine> {
  const engine = new LmdbEngine(options);
  return engine;
}

export class LmdbEngine implements Engine {
  private readonly root: RootDatabase;
  private readonly kv: Database<StoredEntry, string>;
  private readonly log: Database<StoredChange[], number>;
  private readonly expiry: Database<number, [number, string]>;
  private readonly meta: Database<number, string>;
  private readonly lockPath: string;
  /** Writes issued but not yet committed: compare-and-set must see them, readers must not. */
  private readonly pending = new Map<string, PendingKey>();
  private assigned: number;
  private durable: number;
  private oldest: number;
  private readonly retention: number;
  private readonly fanout = new ChangeFanout();
  private readonly now: () => number;
  private readonly expiryTimer: ExpiryTimer;
  private readonly pruneTimer: NodeJS.Timeout;
  private readonly space: DiskSpace;
  private expiryQueued = false;
  private closed = false;
  private lastWrite: Promise<unknown> = Promise.resolve();
  /** The promise of the log entry issued last: it resolves when that write's transaction commits. */
  private turnWrite: Promise<boolean> = Promise.resolve(true);

  constructor(options: LmdbEngineOptions) {
    this.retention = options.logRetention ?? DEFAULT_LOG_RETENTION;
    this.now = options.clock ?? Date.now;
    this.expiryTimer = new ExpiryTimer(() => this.expireDue(), this.now);
    try {
      makeDirectory(resolve(options.path));
    } catch (err) {
      throw new EngineOpenError(
        `cannot create the data directory ${options.path}: ${(err as Error).message} (check --data)`,
      );
    }
    guardOrphanCommitFailures();
    this.space = new DiskSpace(resolve(options.path), options.diskReserveBytes ?? DEFAULT_DISK_RESERVE_BYTES);
    this.lockPath = join(resolve(options.path), LOCK_FILE);
    takeLock(this.lockPath, options.path);
    try {
      // Overlapping sync: lmdb syncs a commit to disk while the next transaction is being written; we wait for the
      // sync (root.flushed) before answering, so throughput rises and durability stays.
      // noSubdir: false because lmdb-js takes a path with a dot in its last part (./data.v2, mktemp's tmp.XXXX)
      // for a file; ours is always a directory.
      this.root = open({ path: options.path, noSubdir: false, maxDbs: 8, noMemInit: true });
      this.kv = this.root.openDB<StoredEntry, string>('kv', {});
      this.log = this.root.openDB<StoredChange[], number>('log', {});
      this.expiry = this.root.openDB<number, [number, string]>('expiry', {});
      this.meta = this.root.openDB<number, string>('meta', {});
    } catch (err) {
      releaseLock(this.lockPath);
      throw new EngineOpenError(
        `cannot open the store in ${options.path}: ${(err as Error).message} (is it a plainwire data directory?)`,
      );
    }
    // Every revision has a log entry and pruning keeps the newest, so the log's last key is the store's revision.
    let lastLogged = 0;
    for (const rev of this.log.getKeys({ reverse: true, limit: 1 })) lastLogged = rev;
    this.assigned = this.durable = Math.max(lastLogged, this.meta.get('revision') ?? 0);
    this.oldest = this.meta.get('oldest') ?? 0;
    this.pruneTimer = setInterval(() => this.prune(), options.pruneIntervalMs ?? 5000);
    this.pruneTimer.unref();
    this.scheduleNextExpiry();
  }

  get knownRevision(): number {
    return this.durable;
  }

  /** Watchers may resume from any revision >= this; older ones were pruned from the log. */
  get oldestRevision(): number {
    return this.oldest;
  }

  async revision(): Promise<ReadInfo> {
    return { revision: this.durable };
  }

  async get(key: string): Promise<EntryRead> {
    const stored = this.kv.get(key);
    if (!stored) return { entry: undefined, revision: this.durable };
    const entry = toEntry(key, stored);
    if (isExpired(entry, this.now())) {
      this.queueExpiry();
      return { entry: undefined, revision: this.durable };
    }
    // A read may show a commit whose disk sync is still under way; the revision must never be behind a version.
    return { entry, revision: Math.max(this.durable, entry.version) };
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<WriteResult> {
    this.assertOpen();
    const now = this.now();
    const raw = this.latest(key);
    const current = raw && !isExpired(raw, now) ? raw : undefined;
    const currentVersion = current?.version ?? 0;
    if (options.ifVersion !== undefined && options.ifVersion !== currentVersion)
      return { ok: false, conflict: true, version: currentVersion, revision: this.durable };
    const claimed = DiskSpace.estimate(key.length * 3 + Buffer.byteLength(value));
    this.space.claim(claimed);
    const changes: Change[] = [];
    if (raw && !current) changes.push(this.issueExpire(raw));
    else if (raw?.expiresAt !== undefined) issued(this.expiry.remove([raw.expiresAt, key]));
    const revision = ++this.assigned;
    const entry: Entry = { key, value, version: revision };
    if (options.ttlMs !== undefined) {
      entry.expiresAt = now + options.ttlMs;
      issued(this.expiry.put([entry.expiresAt, key], 1));
      this.expiryTimer.schedule(entry.expiresAt);
    }
    issued(this.kv.put(key, [value, revision, entry.expiresAt ?? 0]));
    changes.push({ type: 'set', key, value, version: revision, revision });
    this.turnWrite = issued(this.log.put(revision, [[0, key, value]]));
    this.pending.set(key, { entry, revision });
    try {
      await this.commit(changes);
    } finally {
      this.space.release(claimed);
    }
    return { ok: true, version: revision, revision };
  }

  async unset(key: string, options: UnsetOptions = {}): Promise<WriteResult> {
    this.assertOpen();
    const raw = this.latest(key);
    const current = raw && !isExpired(raw, this.now()) ? raw : undefined;
    const currentVersion = current?.version ?? 0;
    if (options.ifVersion !== undefined && options.ifVersion !== currentVersion)
      return { ok: false, conflict: true, version: currentVersion, revision: this.durable };
    if (!current) {
      if (raw) await this.commit([this.issueExpire(raw)]);
      return { ok: true, version: 0, revision: this.durable };
    }
    const revision = ++this.assigned;
    issued(this.kv.remove(key));
    if (current.expiresAt !== undefined) issued(this.expiry.remove([current.expiresAt, key]));
    this.turnWrite = issued(this.log.put(revision, [[1, key]]));
    this.pending.set(key, { entry: null, revision });
    await this.commit([{ type: 'unset', key, version: 0, revision }]);
    return { ok: true, version: 0, revision };
  }

  async clear(): Promise<{ revision: number }> {
    this.assertOpen();
    const live = new Map<string, Entry>();
    for (const { key, value } of this.kv.getRange({})) live.set(key, toEntry(key, value));
    for (const [key, p] of this.pending) {
      if (p.entry) live.set(key, p.entry);
      else live.delete(key);
    }
    if (live.size === 0) return { revision: this.durable };
    const revision = ++this.assigned;
    const now = this.now();
    const changes: Change[] = [];
    const stored: StoredChange[] = [];
    for (const key of [...live.keys()].sort(compareKeys)) {
      const entry = live.get(key)!;
      // A key already past its expiry is reported as expired, not as unset by the clear.
      const type = isExpired(entry, now) ? 'expire' : 'unset';
      changes.push({ type, key, version: 0, revision });
      stored.push([TYPE_CODES[type], key]);
      issued(this.kv.remove(key));
      if (entry.expiresAt !== undefined) issued(this.expiry.remove([entry.expiresAt, key]));
      this.pending.set(key, { entry: null, revision });
    }
    this.turnWrite = issued(this.log.put(revision, stored));
    await this.commit(changes);
    return { revision };
  }

  async keys(): Promise<string[]> {
    const now = this.now();
    const keys: string[] = [];
    for (const { key, value } of this.kv.getRange({})) if (!expiredStored(value, now)) keys.push(key);
    return keys;
  }

  async list(options: ListOptions): Promise<ListPage> {
    const prefix = options.prefix ?? '';
    const after = options.after;
    const start = after !== undefined && compareKeys(after, prefix) > 0 ? after : prefix;
    const now = this.now();
    const items: Entry[] = [];
    let next: string | null = null;
    for (const { key, value } of this.kv.getRange({ start })) {
      if (key === after) continue;
      if (!key.startsWith(prefix)) break;
      if (expiredStored(value, now)) continue;
      if (items.length === options.limit) {
        next = items[items.length - 1]!.key;
        break;
      }
      items.push(toEntry(key, value));
    }
    // Items may show commits still being synced; the page's revision must cover them, or a watcher starting from it
    // would see those changes twice. Commits are in revision order, so everything up to the largest is committed.
    let revision = this.durable;
    for (const item of items) if (item.version > revision) revision = item.version;
    return { items, next, revision };
  }

  async count(): Promise<CountRead> {
    return { count: this.kv.getCount(), revision: this.durable };
  }

  async changesAfter(
    after: number,
    match: ChangeMatch,
    limit: number,
    scanLimit = 10_000,
  ): Promise<ChangesAnswer> {
    const durable = this.durable;
    if (after > durable) {
      // A reader may have seen a committed write whose sync is still under way (a get shows it): that revision is
      // not in the future, it is simply not announced yet. Wait for it like any other.
      if (after <= this.assigned) return { kind: 'changes', changes: [], revision: after };
      return { kind: 'future', revision: durable };
    }
    if (after < this.oldest) return { kind: 'compacted', oldest: this.oldest };
    const changes: Change[] = [];
    let revision = durable;
    let scanned = 0;
    let previous = after;
    for (const { key: rev, value } of this.log.getRange({ start: after + 1, end: durable + 1 })) {
      if (changes.length >= limit || scanned >= scanLimit) {
        revision = previous;
        break;
      }
      scanned++;
      previous = rev;
      for (const [code, key, v] of value) {
        if (!changeMatches(match, key)) continue;
        const type = TYPES[code]!;
        changes.push(
          type === 'set'
            ? { type, key, value: v ?? '', version: rev, revision: rev }
            : { type, key, version: 0, revision: rev },
        );
      }
    }
    return { kind: 'changes', changes, revision };
  }

  onChanges(listener: (changes: Change[]) => void): () => void {
    return this.fanout.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.expiryTimer.cancel();
    clearInterval(this.pruneTimer);
    await this.lastWrite.catch(() => {});
    await this.root.close();
    releaseLock(this.lockPath);
  }

  /** The key's newest state including writes not yet committed (expired entries included). */
  private latest(key: string): Entry | undefined {
    const p = this.pending.get(key);
    if (p) return p.entry ?? undefined;
    const stored = this.kv.get(key);
    return stored ? toEntry(key, stored) : undefined;
  }

  /** Issues the removal of an expired key as its own revision; the caller commits it. */
  private issueExpire(entry: Entry): Change {
    const revision = ++this.assigned;
    issued(this.kv.remove(entry.key));
    if (entry.expiresAt !== undefined) issued(this.expiry.remove([entry.expiresAt, entry.key]));
    this.turnWrite = issued(this.log.put(revision, [[2, entry.key]]));
    this.pending.set(entry.key, { entry: null, revision });
    return { type: 'expire', key: entry.key, version: 0, revision };
  }

  /**
   * Records the revision counter with the writes issued in this turn (they share one lmdb transaction), waits for the
   * synced commit, then publishes the changes to readers and watchers.
   */
  private async commit(changes: Change[]): Promise<void> {
    const revision = changes[changes.length - 1]!.revision;
    // Every write of this turn shares one lmdb transaction, so the log entry's promise is the whole write's. With
    // overlapping sync the commit resolves before the disk sync, so wait for the sync too: the answer means durable.
    const written = this.turnWrite;
    // Taken now, in the writes' own turn, so it is this transaction's sync. lmdb never settles it when the commit
    // fails, so it is only awaited after a successful commit.
    const flushed = new Promise<unknown>((resolve, reject) => this.root.flushed.then(resolve, reject));
    flushed.catch(() => {});
    this.lastWrite = written.then(() => flushed);
    this.lastWrite.catch(() => {});
    try {
      try {
        await written;
      } catch (err) {
        throw await writeFailure(err);
      }
      await flushed;
    } finally {
      for (const change of changes) {
        const p = this.pending.get(change.key);
        if (p && p.revision <= revision) this.pending.delete(change.key);
      }
    }
    if (revision > this.durable) this.durable = revision;
    this.fanout.emit(changes);
  }

  private queueExpiry(): void {
    if (this.expiryQueued || this.closed) return;
    this.expiryQueued = true;
    setImmediate(() => {
      this.expiryQueued = false;
      this.expireDue();
    });
  }

  private expireDue(): void {
    if (this.closed) return;
    const now = this.now();
    const due: Entry[] = [];
    for (const { key } of this.expiry.getRange({})) {
      const [at, name] = key;
      if (at > now) break;
      const entry = this.latest(name);
      if (entry?.expiresAt === at) due.push(entry);
      else issued(this.expiry.remove(key));
    }
    for (const p of this.pending.values())
      if (p.entry && isExpired(p.entry, now) && !due.some((e) => e.key === p.entry!.key)) due.push(p.entry);
    const changes = due.map((entry) => this.issueExpire(entry));
    // A disk that refused the expiry (full) is retried later, not in a tight loop.
    if (changes.length > 0)
      this.commit(changes).catch(() => {
        if (!this.closed) this.expiryTimer.schedule(this.now() + EXPIRY_RETRY_MS);
      });
    this.scheduleNextExpiry(now);
  }

  private scheduleNextExpiry(now = this.now()): void {
    let soonest = Number.POSITIVE_INFINITY;
    for (const { key } of this.expiry.getRange({ start: [now + 1] })) {
      soonest = key[0];
      break;
    }
    for (const p of this.pending.values())
      if (p.entry?.expiresAt !== undefined && p.entry.expiresAt < soonest) soonest = p.entry.expiresAt;
    this.expiryTimer.reset(soonest);
  }

  private prune(): void {
    if (this.closed) return;
    const keep = this.retention;
    if (this.durable - this.oldest <= keep + keep / 10) return;
    const cutoff = Math.min(this.durable - keep, this.oldest + PRUNE_CHUNK);
    // Readers asking for pruned revisions must get 410 from now on, before the removal becomes visible.
    this.oldest = cutoff;
    for (const rev of this.log.getKeys({ start: 0, end: cutoff + 1 })) issued(this.log.remove(rev));
    issued(this.meta.put('oldest', cutoff));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }
}

/**
 * mkdir -p, by hand: Node 20's recursive mkdirSync loops for ever under /proc, and a typo in --data must give an
 * error, not a hang.
 */
function makeDirectory(path: string): void {
  try {
    mkdirSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!statSync(path).isDirectory()) throw new Error(`${path} exists and is not a directory`);
      return;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw err;
    makeDirectory(parent);
    mkdirSync(path);
  }
}

function toEntry(key: string, stored: StoredEntry): Entry {
  const entry: Entry = { key, value: stored[0], version: stored[1] };
  if (stored[2]) entry.expiresAt = stored[2];
  return entry;
}

function isExpired(entry: Entry, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}

function expiredStored(stored: StoredEntry, now: number): boolean {
  return stored[2] !== 0 && stored[2] <= now;
}

/**
 * lmdb lets several processes share an environment, but one store's revision counter and watchers live in one
 * process, so a pid file keeps a second store out. A pid file left by a killed store is taken over.
 */
function takeLock(lockPath: string, dir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      heldLocks.add(lockPath);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        throw new EngineOpenError(
          `cannot lock the data directory ${dir}: ${(err as Error).message} (check --data and its permissions)`,
        );
    }
    let pid = 0;
    try {
      pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {}
    const held = pid === process.pid ? heldLocks.has(lockPath) : pid > 0 && processAlive(pid);
    if (held)
      throw new EngineOpenError(
        `the data directory ${dir} is in use by process ${pid} (is another store using it? stop it or use another --data)`,
        'LOCKED',
      );
    try {
      unlinkSync(lockPath);
    } catch {}
  }
  throw new EngineOpenError(`cannot lock the data directory ${dir} (is another store starting?)`, 'LOCKED');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // After a crash the pid may have been reused by an unrelated program: where /proc says what runs, only a
  // Node process counts as a store holding the directory.
  try {
    return /node|plainwire/i.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return true;
  }
}

function releaseLock(lockPath: string): void {
  heldLocks.delete(lockPath);
  try {
    if (Number.parseInt(readFileSync(lockPath, 'utf8'), 10) === process.pid) unlinkSync(lockPath);
  } catch {}
}
