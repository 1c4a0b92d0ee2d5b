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

export class EtcdChangeLog {
  private log: LoggedRevision[] = [];
  /** Every change with a revision > this and <= `seen` is in the log. */
  private oldest = 0;
  /** The revision up to which the watch has told us everything (etcd's watch response header). */
  private seenRevision = 0;
  private readonly fanout = new ChangeFanout();
  private readonly retention: number;
  private watcher: Watcher | undefined;
  /** Watch answers are turned into changes one at a time, in order (a delete may need a lease lookup). */
  private processing: Promise<void> = Promise.resolve();
  private readonly seenWaiters = new Set<{ revision: number; resolve: () => void }>();
  private closed = false;

  constructor(
    private readonly options: EtcdLogOptions,
    private readonly leaseGone: LeaseGone,
  ) {
    this.retention = options.retention ?? DEFAULT_LOG_RETENTION;
  }

  /** Watches from revision `from` (exclusive); the log then answers for every revision after it. */
  async start(from: number): Promise<void> {
    this.oldest = from;
    this.seenRevision = Math.max(this.seenRevision, from);
    this.wakeSeenWaiters();
    const watcher = await this.options.client
      .watch()
      .prefix(this.options.prefix)
      .startRevision(String(from + 1))
      .withPreviousKV()
      .create();
    if (this.closed) {
      await watcher.cancel().catch(() => {});
      return;
    }
    this.watcher = watcher;
    watcher.on('data', (res: IWatchResponse) => {
      this.processing = this.processing.then(() => this.receive(res)).catch(() => {});
    });
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

  private async receive(res: IWatchResponse): Promise<void> {
    if (this.closed) return;
    const byRevision = new Map<number, IEvent[]>();
    for (const event of res.events) {
      // The prefix key itself marks a node's start (etcd.ts): a revision to see, not a change of the store.
      if (event.kv.key.length === this.options.prefix.length) continue;
      const revision = Number(event.kv.mod_revision);
      const events = byRevision.get(revision);
      if (events) events.push(event);
      else byRevision.set(revision, [event]);
    }
    for (const [revision, events] of [...byRevision].sort((a, b) => a[0] - b[0])) {
      if (revision <= this.seenRevision) continue;
      const changes = await Promise.all(events.map((event) => this.toChange(event, revision)));
      this.record(revision, changes);
    }
    // A watcher catching up with history gets at most 1000 revisions per answer, each headed with the current
    // revision, and the rest in later answers: only an answer without events (nothing more to come) vouches for its
    // header; one with events vouches for its newest event.
    let reached = Number(res.header.revision);
    if (res.events.length > 0) reached = Number(res.events[res.events.length - 1]!.kv.mod_revision);
    if (reached > this.seenRevision) this.seenRevision = reached;
    this.wakeSeenWaiters();
  }

  private wakeSeenWaiters(): void {
    for (const waiter of this.seenWaiters) if (waiter.revision <= this.seenRevision) waiter.resolve();
  }

  private async toChange(event: IEvent, revision: number): Promise<Change> {
    const key = event.kv.key.toString('utf8').slice(this.options.prefix.toString('utf8').length);
    if (event.type === 'Put')
      return { type: 'set', key, value: event.kv.value.toString('utf8'), version: revision, revision };
    // etcd reports a lease expiry as a delete. The store never revokes a lease on unset, so a deleted key whose
    // lease no longer exists went with its lease: an expiry.
    const lease = event.prev_kv?.lease;
    const expired = lease !== undefined && lease !== '0' && (await this.leaseGone(lease));
    return { type: expired ? 'expire' : 'unset', key, version: 0, revision };
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
