// The change log of one store node over etcd: the node's ONE etcd watch on the store's key prefix, turned into
// the store's changes (set, unset, expire) and kept in memory for a while, so long-pollers are answered from here
// and etcd carries one copy of each change per node, not one per watcher. The watch runs while the node has
// watchers (see EtcdChangeLog).
import type { Etcd3, IEvent } from 'etcd3';
import {
  type Change,
  ChangeFanout,
  type ChangeMatch,
  type ChangesAnswer,
  DEFAULT_LOG_RETENTION,
} from './engine.js';
import { type LoggedRevision, lowerBoundRevision, readLog } from './change-log.js';
import { tooLargeAnswer, WatchStream } from './etcd-watch-stream.js';

export interface EtcdLogOptions {
  client: Etcd3;
  /** The store's key prefix in etcd, as bytes. */
  prefix: Buffer;
  /** How many revisions the log keeps at least (default 100,000). */
  retention?: number;
  /** The prefix's range end (etcd's "every key starting with"). */
  rangeEnd: Buffer;
  /** How long the watch goes on after the last demand for it (default 2 s). */
  idleMs?: number;
  /** How long a (re)started watch may take to catch up before it counts as failed. */
  timeoutMs: number;
  /** Told about a watch that etcd cancelled (compaction) and was started again. */
  onRestart?: (why: string) => void;
  /** Told when the watch stops for want of watchers (false) and when it has caught up again (true). */
  onWatching?: (watching: boolean) => void;
}

/** Whether a deleted key's lease is gone, i.e. whether the delete was the lease expiring. */
export type LeaseGone = (leaseId: string) => Promise<boolean>;

/** Keys per range when a starting log reads which keys have leases. */
const LEASES_PAGE = 1000;
export const DEFAULT_WATCH_IDLE_MS = 2000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

/** etcd refused to watch from the asked revision: it is compacted away. */
class WatchCancelled extends Error {}

function compacted(err: unknown): boolean {
  return err instanceof WatchCancelled || /compacted/.test(String((err as Error)?.message));
}

interface WatchAnswer {
  events: IEvent[];
  headerRevision: number;
}

/**
 * The node watches etcd only while someone wants its changes: a listener (the node's long-pollers, through its
 * watch hub) or a read of the log. Without one for `idleMs` the watch stops, keeping the log and what it knows of
 * leases; the next demand watches again from the last revision seen, so etcd's history fills the gap and the log
 * goes on as if it had never stopped. A node that only serves reads and writes then decodes no one's writes.
 */
export class EtcdChangeLog {
  private log: LoggedRevision[] = [];
  /** Every change with a revision > this and <= `seen` is in the log. */
  private oldest = 0;
  /** The revision up to which the watch has told us everything. */
  private seenRevision = 0;
  private readonly fanout = new ChangeFanout();
  private listeners = 0;
  private readonly retention: number;
  private readonly idleMs: number;
  private stream: WatchStream | undefined;
  /** While a watch is being (re)started: resolves once it has caught up with etcd. */
  private starting: Promise<void> | undefined;
  private lastDemand = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN_MS;
  /** While a watch starts: fails the start when etcd cancels the watch (compaction) or the stream breaks. */
  private startCancelled: ((err: Error) => void) | undefined;
  /** The last watch broke on an answer too big to take: the next asks etcd to split answers. */
  private fragment = false;
  /**
   * Watch answers are turned into changes one at a time, in order: an answer waits here while one before it waits
   * for a lease lookup (a deleted key that had a lease); the others are handled as they come.
   */
  private readonly queued: WatchAnswer[] = [];
  private busy = false;
  /** The lease of every store key under a lease, as of `seen` (etcd key bytes after the prefix, as UTF-8). */
  private readonly leases = new Map<string, string>();
  private readonly prefixLength: number;
  private readonly seenWaiters = new Set<{ revision: number; resolve: () => void }>();
  private closed = false;

  constructor(
    private readonly options: EtcdLogOptions,
    private readonly leaseGone: LeaseGone,
  ) {
    this.retention = options.retention ?? DEFAULT_LOG_RETENTION;
    this.idleMs = options.idleMs ?? DEFAULT_WATCH_IDLE_MS;
    this.prefixLength = options.prefix.length;
  }

  /**
   * Starts the log at revision `from` (exclusive): it then answers for every revision after it. Resolves once the
   * watch has caught up with etcd; rejects when it cannot (the node cannot serve watchers).
   */
  async start(from: number): Promise<void> {
    this.lastDemand = Date.now();
    await this.startWatch(from, true);
    this.armIdle();
  }

  /** The revision up to which this node's watch has delivered every change. */
  get seen(): number {
    return this.seenRevision;
  }

  get oldestRevision(): number {
    return this.oldest;
  }

  /** Whether the node is watching etcd now. */
  get watching(): boolean {
    return this.stream !== undefined && this.starting === undefined;
  }

  /**
   * Someone wants the log now: watches again if the watch had stopped, and resolves once it has caught up (or the
   * attempt failed: the log then answers with what it has, and tries again while it has listeners).
   */
  wake(): Promise<void> {
    this.lastDemand = Date.now();
    if (this.closed) return Promise.resolve();
    if (this.stream === undefined && this.starting === undefined) this.resume();
    this.armIdle();
    return this.starting?.catch(() => {}) ?? Promise.resolve();
  }

  onChanges(listener: (changes: Change[]) => void): () => void {
    const remove = this.fanout.add(listener);
    this.listeners++;
    void this.wake();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      remove();
      this.listeners--;
      this.lastDemand = Date.now();
      this.armIdle();
    };
  }

  /** Resolves once the watch has delivered everything up to `revision`, or after `timeoutMs` (then false). */
  waitSeen(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.seenRevision >= revision || this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          this.seenWaiters.delete(waiter);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.seenWaiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.seenWaiters.add(waiter);
    });
  }

  /** Changes after `after`, answered from the log: the caller has made sure `after` <= seen. */
  changesAfter(after: number, match: ChangeMatch, limit: number, scanLimit: number): ChangesAnswer {
    if (after < this.oldest) return { kind: 'compacted', oldest: this.oldest };
    return readLog(this.log, after, match, limit, scanLimit, this.seenRevision);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.retryTimer);
    for (const waiter of this.seenWaiters) waiter.resolve();
    this.stopStream();
  }

  /**
   * Watches from `from` (exclusive) and waits until the watch has brought back a mark written now. `fresh`: the
   * log starts over at `from`, as at the node's start; otherwise it goes on from what it has (`from` = seen).
   */
  private async startWatch(from: number, fresh: boolean): Promise<void> {
    const run = async () => {
      try {
        try {
          await this.watchAndMark(from, fresh);
        } catch (err) {
          if (!(err instanceof Error && tooLargeAnswer(err))) throw err;
          // The watch now asks etcd for its answers in parts; it goes on from what the first one brought.
          await this.watchAndMark(this.seenRevision, false);
        }
      } catch (err) {
        if (!compacted(err)) throw err;
        // What the log would start from is compacted away: it cannot be completed, so it starts over at the
        // present and readers from before are told to re-list.
        await this.watchAndMark(await this.currentRevision(), true);
        this.options.onRestart?.((err as Error).message);
      }
    };
    const starting = run();
    this.starting = starting;
    try {
      await starting;
      this.retryDelay = RETRY_MIN_MS;
      if (!this.closed) this.options.onWatching?.(true);
    } catch (err) {
      this.stopStream();
      throw err;
    } finally {
      if (this.starting === starting) this.starting = undefined;
    }
  }

  private async watchAndMark(from: number, fresh: boolean): Promise<void> {
    // Reading as of the start fails if etcd compacted it (a watch from there would be cancelled).
    const current = await this.currentRevision(Math.max(fresh ? from : this.seenRevision, 1));
    if (fresh) await this.startOver(from);
    // A log that stopped long ago would replay more than it keeps: it starts over at what it keeps instead.
    else if (current - this.seenRevision > this.retention) await this.startOver(current - this.retention);
    const cancelled = new Promise<never>((_, reject) => {
      this.startCancelled = reject;
    });
    cancelled.catch(() => {});
    try {
      await Promise.race([this.openStream(this.seenRevision), cancelled]);
      // etcd sends nothing for a stretch of history without changes under the prefix, so the log marks the
      // present with a write of its own to the prefix key itself (never a store key: keys are at least one
      // byte). Once the watch brings that back, everything before it has been seen.
      const res = await this.options.client.kv.put({
        key: this.options.prefix,
        value: Buffer.from('plainwire store node watching'),
      });
      const seen = await Promise.race([
        this.waitSeen(Number(res.header.revision), this.options.timeoutMs * 4),
        cancelled,
      ]);
      if (!seen) throw new Error("the watch did not bring back the node's own write in time");
    } finally {
      this.startCancelled = undefined;
    }
  }

  /** Empties the log, to hold every change after `from`, with the leases of the keys that exist at `from`. */
  private async startOver(from: number): Promise<void> {
    this.log = [];
    this.oldest = from;
    this.seenRevision = from;
    this.wakeSeenWaiters();
    this.leases.clear();
    if (from > 0) await this.readLeases(from);
  }

  /** etcd's revision now, read as of `at` when given (which fails if `at` is compacted). */
  private async currentRevision(at?: number): Promise<number> {
    const res = await this.options.client.kv.range({
      key: this.options.prefix,
      range_end: this.options.rangeEnd,
      count_only: true,
      revision: at !== undefined && at > 0 ? String(at) : undefined,
    });
    return Number(res.header.revision);
  }

  /** Opens the node's watch from after `from`; resolves once etcd has accepted it. */
  private openStream(from: number): Promise<void> {
    this.stopStream();
    return new Promise((resolve, reject) => {
      let created = false;
      const timer = setTimeout(() => {
        stream.stop();
        if (this.stream === stream) this.stream = undefined;
        reject(new Error(`etcd did not accept the watch within ${this.options.timeoutMs / 1000} s`));
      }, this.options.timeoutMs);
      const stream = WatchStream.open(
        this.options.client,
        {
          key: this.options.prefix,
          rangeEnd: this.options.rangeEnd,
          from: from + 1,
          fragment: this.fragment,
        },
        {
          onCreated: () => {
            created = true;
            clearTimeout(timer);
            resolve();
          },
          onEvents: (events, headerRevision) => this.enqueue({ events, headerRevision }),
          onCancelled: (why) => {
            clearTimeout(timer);
            if (this.stream === stream) this.stream = undefined;
            if (!created) reject(new WatchCancelled(why));
            else if (this.startCancelled) this.startCancelled(new WatchCancelled(why));
            else this.restartLater();
          },
          onBroken: (err) => {
            clearTimeout(timer);
            if (tooLargeAnswer(err)) this.fragment = true;
            if (this.stream === stream) this.stream = undefined;
            if (!created) reject(err);
            else if (this.startCancelled) this.startCancelled(err);
            else this.restartLater();
          },
        },
      );
      this.stream = stream;
    });
  }

  private stopStream(): void {
    this.stream?.stop();
    this.stream = undefined;
  }

  /** Watches again from what was seen, after a pause that grows while attempts fail. */
  private restartLater(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed || this.starting || this.stream) return;
      // Nobody wants the changes now: the next demand watches again.
      if (this.listeners === 0 && Date.now() - this.lastDemand >= this.idleMs) return;
      this.resume();
    }, this.retryDelay);
  }

  /** Watches again from what was seen (or over at the present, if etcd compacted that). */
  private resume(): void {
    this.startWatch(this.seenRevision, false).catch(() => {
      this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
      if (this.listeners > 0) this.restartLater();
    });
  }

  /** Stops the watch once nobody has wanted it for `idleMs`. */
  private armIdle(): void {
    if (this.idleTimer || this.closed) return;
    const check = () => {
      this.idleTimer = undefined;
      if (this.closed || this.listeners > 0 || this.stream === undefined) return;
      const left = this.lastDemand + this.idleMs - Date.now();
      if (left > 0 || this.starting) {
        this.idleTimer = setTimeout(check, Math.max(left, 10));
        this.idleTimer.unref();
        return;
      }
      this.stopStream();
      this.options.onWatching?.(false);
    };
    this.idleTimer = setTimeout(check, this.idleMs);
    this.idleTimer.unref();
  }

  /** The leases of the keys that exist at revision `at`, before the watch brings what happens after it. */
  private async readLeases(at: number): Promise<void> {
    let key = Buffer.concat([this.options.prefix, Buffer.from([0])]);
    for (;;) {
      const res = await this.options.client.kv.range({
        key,
        range_end: this.options.rangeEnd,
        revision: String(at),
        keys_only: true,
        limit: LEASES_PAGE,
      });
      for (const kv of res.kvs)
        if (kv.lease !== '0') this.leases.set(kv.key.toString('utf8', this.prefixLength), kv.lease);
      if (!res.more || res.kvs.length === 0) return;
      key = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
    }
  }

  private enqueue(res: WatchAnswer): void {
    if (this.busy) {
      this.queued.push(res);
      return;
    }
    let pending: Promise<void> | undefined;
    try {
      pending = this.receive(res);
    } catch {
      // Thrown out of the gRPC stream's event it would end the node; the answer is lost either way.
      return;
    }
    if (pending) void this.drain(pending);
  }

  /** Waits for the answer being handled, then handles the queued ones in order. */
  private async drain(pending: Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await pending.catch(() => {});
      for (let res = this.queued.shift(); res; res = this.queued.shift())
        await this.receive(res)?.catch(() => {});
    } finally {
      this.busy = false;
    }
  }

  /** Handles one watch answer: at once, or with a promise when a delete needs its lease looked up. */
  private receive(res: WatchAnswer, start = 0): Promise<void> | undefined {
    if (this.closed) return undefined;
    const events = res.events;
    // etcd sends an answer's events in revision order; each revision is recorded whole.
    for (let i = start; i < events.length; ) {
      const revision = Number(events[i]!.kv.mod_revision);
      let end = i + 1;
      while (end < events.length && events[end]!.kv.mod_revision === events[i]!.kv.mod_revision) end++;
      if (revision > this.seenRevision) {
        const pending = this.receiveRevision(events, i, end, revision);
        if (pending) return pending.then(() => this.receive(res, end));
      }
      i = end;
    }
    // A watcher catching up with history gets at most 1000 revisions per answer, each headed with the current
    // revision, and the rest in later answers: only an answer without events (nothing more to come) vouches for its
    // header; one with events vouches for its newest event.
    const reached =
      events.length > 0 ? Number(events[events.length - 1]!.kv.mod_revision) : res.headerRevision;
    if (reached > this.seenRevision) this.seenRevision = reached;
    this.wakeSeenWaiters();
    return undefined;
  }

  private wakeSeenWaiters(): void {
    for (const waiter of this.seenWaiters) if (waiter.revision <= this.seenRevision) waiter.resolve();
  }

  /** Records the revision made of events[from..to), after looking up the leases of its deleted keys if any. */
  private receiveRevision(
    events: IEvent[],
    from: number,
    to: number,
    revision: number,
  ): Promise<void> | undefined {
    const changes: Change[] = [];
    let lookups: Promise<void>[] | undefined;
    for (let i = from; i < to; i++) {
      const kv = events[i]!.kv;
      // The prefix key itself marks a node's start (etcd.ts): a revision to see, not a change of the store.
      if (kv.key.length === this.prefixLength) continue;
      const key = kv.key.toString('utf8', this.prefixLength);
      if (events[i]!.type === 'Put') {
        if (kv.lease !== '0') this.leases.set(key, kv.lease);
        else if (this.leases.size > 0) this.leases.delete(key);
        changes.push({ type: 'set', key, value: kv.value.toString('utf8'), version: revision, revision });
        continue;
      }
      const change: Change = { type: 'unset', key, version: 0, revision };
      changes.push(change);
      const lease = this.leases.get(key);
      if (lease === undefined) continue;
      this.leases.delete(key);
      // etcd reports a lease expiry as a delete. The store never revokes a lease on unset, so a deleted key whose
      // lease no longer exists went with its lease: an expiry.
      lookups ??= [];
      lookups.push(
        this.leaseGone(lease).then((gone) => {
          if (gone) change.type = 'expire';
        }),
      );
    }
    if (!lookups) {
      this.record(revision, changes);
      return undefined;
    }
    return Promise.all(lookups).then(() => {
      if (!this.closed) this.record(revision, changes);
    });
  }

  private record(revision: number, changes: Change[]): void {
    this.log.push({ revision, changes });
    this.seenRevision = revision;
    // Prune in chunks, so the log keeps between `retention` and 10% more revisions.
    if (revision - this.oldest > this.retention + this.retention / 10) {
      const cutoff = revision - this.retention;
      this.log.splice(0, lowerBoundRevision(this.log, cutoff + 1));
      this.oldest = cutoff;
    }
    this.fanout.emit(changes);
  }
}
