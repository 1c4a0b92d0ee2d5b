// The change log of one store node over etcd: the node's ONE etcd watch on the store's key prefix, turned into
// the store's changes (set, unset, expire) and kept in memory for a while, so long-pollers are answered from here
// and etcd carries one copy of each change per node, not one per watcher.
import type { Etcd3, IEvent, IWatchResponse, Watcher } from 'etcd3';
import {
  type Change,
  ChangeFanout,
  type ChangeMatch,
  type ChangesAnswer,
  DEFAULT_LOG_RETENTION,
} from './engine.js';
import { type LoggedRevision, lowerBoundRevision, readLog } from './change-log.js';

export interface EtcdLogOptions {
  client: Etcd3;
  /** The store's key prefix in etcd, as bytes. */
  prefix: Buffer;
  /** How many revisions the log keeps at least (default 100,000). */
  retention?: number;
  /** The prefix's range end (etcd's "every key starting with"). */
  rangeEnd: Buffer;
  /** Told about a watch that etcd cancelled (compaction) and was started again. */
  onRestart?: (why: string) => void;
}

/** Whether a deleted key's lease is gone, i.e. whether the delete was the lease expiring. */
export type LeaseGone = (leaseId: string) => Promise<boolean>;

/** Keys per range when a starting log reads which keys have leases. */
const LEASES_PAGE = 1000;

export class EtcdChangeLog {
  private log: LoggedRevision[] = [];
  /** Every change with a revision > this and <= `seen` is in the log. */
  private oldest = 0;
  /** The revision up to which the watch has told us everything (etcd's watch response header). */
  private seenRevision = 0;
  private readonly fanout = new ChangeFanout();
  private readonly retention: number;
  private watcher: Watcher | undefined;
  /**
   * Watch answers are turned into changes one at a time, in order: an answer waits here while one before it waits
   * for a lease lookup (a deleted key that had a lease); the others are handled as they come.
   */
  private readonly queued: IWatchResponse[] = [];
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
    this.prefixLength = options.prefix.length;
  }

  /** Watches from revision `from` (exclusive); the log then answers for every revision after it. */
  async start(from: number): Promise<void> {
    this.oldest = from;
    this.seenRevision = Math.max(this.seenRevision, from);
    this.wakeSeenWaiters();
    this.leases.clear();
    if (from > 0) {
      try {
        await this.readLeases(from);
      } catch (err) {
        // `from` is compacted away: the log cannot start there, so it starts at the present, as after a restart.
        if (!/compacted/.test(String((err as Error)?.message))) throw err;
        this.restart(String((err as Error).message));
        return;
      }
    }
    // Without previous values (withPreviousKV): etcd would read every changed key's previous value and send it,
    // and each node would decode it, for the one thing the log needs of it, a deleted key's lease, which `leases`
    // keeps instead.
    const watcher = await this.options.client
      .watch()
      .prefix(this.options.prefix)
      .startRevision(String(from + 1))
      .create();
    if (this.closed) {
      await watcher.cancel().catch(() => {});
      return;
    }
    this.watcher = watcher;
    watcher.on('data', (res: IWatchResponse) => this.enqueue(res));
    // etcd cancels a watch whose next revision was compacted away (after a long outage of this node's link): the
    // log cannot be completed, so it restarts empty at the current revision and older readers are told to re-list.
    watcher.on('error', (err: Error) => {
      if (this.closed || this.watcher !== watcher) return;
      this.watcher = undefined;
      watcher.removeAllListeners();
      watcher.cancel().catch(() => {});
      this.restart(err.message);
    });
  }

  /** The revision up to which this node's watch has delivered every change. */
  get seen(): number {
    return this.seenRevision;
  }

  get oldestRevision(): number {
    return this.oldest;
  }

  onChanges(listener: (changes: Change[]) => void): () => void {
    return this.fanout.add(listener);
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
    for (const waiter of this.seenWaiters) waiter.resolve();
    const watcher = this.watcher;
    this.watcher = undefined;
    if (watcher) await watcher.cancel().catch(() => {});
  }

  private restart(why: string): void {
    const retry = async (): Promise<void> => {
      if (this.closed) return;
      try {
        const res = await this.options.client.kv.range({
          key: this.options.prefix,
          range_end: this.options.rangeEnd,
          count_only: true,
        });
        const current = Number(res.header.revision);
        // Whatever happened between what was seen and now is unknown: readers from before now re-list.
        this.log = [];
        this.seenRevision = current;
        await this.start(current);
        this.options.onRestart?.(why);
      } catch {
        setTimeout(() => void retry(), 1000).unref();
      }
    };
    void retry();
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

  private enqueue(res: IWatchResponse): void {
    if (this.busy) {
      this.queued.push(res);
      return;
    }
    let pending: Promise<void> | undefined;
    try {
      pending = this.receive(res);
    } catch {
      // etcd3 throws a listener's error again outside the stream, which would end the node; the answers queued
      // before went the same way.
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
  private receive(res: IWatchResponse, start = 0): Promise<void> | undefined {
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
    const reached = Number(
      events.length > 0 ? events[events.length - 1]!.kv.mod_revision : res.header.revision,
    );
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
