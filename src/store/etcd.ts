// The engine over an etcd cluster (`plainwire store --etcd URL,...`): any number of stateless store nodes share
// one etcd, and the store's model is etcd's own. The store's revision is etcd's revision; a key's version is its
// mod_revision; compare-and-set is a transaction comparing mod_revision (0: absent); a TTL is a lease; a listing
// is a range; clear is a range delete of the store's prefix; watchers are fed by one etcd watch per node
// (etcd-log.ts). Durability is etcd's: a write is answered once a quorum of members has it on disk.
// Uses etcd3, the standard Node client (gRPC, with failover between members and call deadlines).
import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleWhen, retry } from 'cockatiel';
import {
  Etcd3,
  EtcdLeaseInvalidError,
  type GRPCGenericError,
  GRPCUnavailableError,
  type IKeyValue,
  type IRangeRequest,
  type IRangeResponse,
  type IRequestOp,
  isRecoverableError,
} from 'etcd3';
import {
  type Change,
  type ChangeMatch,
  type ChangesAnswer,
  type CountRead,
  DEFAULT_LOG_RETENTION,
  type Engine,
  EngineOpenError,
  EngineUnavailableError,
  EngineWriteError,
  type Entry,
  type EntryRead,
  type ListOptions,
  type ListPage,
  type ReadInfo,
  type SetOptions,
  type UnsetOptions,
  type WriteResult,
} from './engine.js';
import { type BatchLimits, TxnBatcher } from './etcd-batch.js';
import { EtcdChangeLog } from './etcd-log.js';
import {
  DEFAULT_ETCD_PREFIX,
  DEFAULT_ETCD_TIMEOUT_MS,
  DEFAULT_MAX_RECEIVE_BYTES,
  type EtcdEngineOptions,
} from './etcd-options.js';
import { compareKeys } from './expiry.js';

/** Keys per range when the engine lists every key. */
const KEYS_PAGE = 1000;

/**
 * Plain writes per transaction stay under etcd's defaults (--max-txn-ops 128, --max-request-bytes 1.5 MiB); a
 * batch etcd refuses whole is sent again one write at a time (etcd-batch.ts).
 */
const WRITE_BATCH: BatchLimits = {
  maxOps: 128,
  maxBytes: 1024 * 1024,
  maxInFlight: 2,
};
const READ_BATCH: BatchLimits = {
  maxOps: 128,
  maxBytes: 1024 * 1024,
  maxInFlight: 2,
};

/** Connects to etcd, checks that it answers, and starts the node's watch. */
export async function openEtcdEngine(options: EtcdEngineOptions): Promise<EtcdEngine> {
  const engine = new EtcdEngine(options);
  try {
    await engine.open();
  } catch (err) {
    await engine.close();
    throw err;
  }
  return engine;
}

export class EtcdEngine implements Engine {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly prefixBytes: Buffer;
  /** Where the store's keys start: just after the prefix key itself, which marks node starts (see open). */
  private readonly storeStart: Buffer;
  private readonly rangeEnd: Buffer;
  private readonly timeoutMs: number;
  private readonly endpoints: string[];
  private readonly log: EtcdChangeLog;
  /** Plain writes (no compare) committed together, one transaction per batch (etcd-batch.ts). */
  private readonly writes: TxnBatcher;
  /** Linearizable gets read together, one read-only transaction per batch. */
  private readonly reads: TxnBatcher;
  private readonly retention: number;
  private known = 0;
  /** The newest revision this node wrote: its own watchers must see it (read your writes). */
  private lastWritten = 0;
  private opened = false;
  private closed = false;

  constructor(options: EtcdEngineOptions) {
    if (options.endpoints.length === 0) throw new EngineOpenError('no etcd endpoint given (--etcd URL,...)');
    this.endpoints = options.endpoints;
    this.prefix = options.prefix ?? DEFAULT_ETCD_PREFIX;
    // The prefix key itself marks node starts, and clear deletes everything under the prefix: an empty prefix
    // would be the whole of etcd.
    if (this.prefix === '')
      throw new EngineOpenError(
        `the etcd prefix is empty: the store keeps its keys under a prefix of its own (--etcd-prefix, default ${DEFAULT_ETCD_PREFIX})`,
      );
    this.prefixBytes = Buffer.from(this.prefix, 'utf8');
    this.storeStart = Buffer.concat([this.prefixBytes, Buffer.from([0])]);
    this.rangeEnd = rangeEndOf(this.prefixBytes);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ETCD_TIMEOUT_MS;
    this.retention = options.logRetention ?? DEFAULT_LOG_RETENTION;
    this.client = new Etcd3({
      hosts: options.endpoints,
      dialTimeout: this.timeoutMs,
      // gRPC's default (4 MiB) is smaller than one answer of a watch catching up (1000 revisions); a bigger one
      // breaks the watch, which then asks etcd to split its answers (etcd-watch-stream.ts).
      grpcOptions: {
        'grpc.max_receive_message_length': options.maxReceiveBytes ?? DEFAULT_MAX_RECEIVE_BYTES,
      },
      // Every unary call has a deadline, so a cluster without quorum gives a 503 or 504, not a request that hangs.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + this.timeoutMs }),
      faultHandling: {
        // A member that cannot be reached (three calls in a row) is skipped for 2 s and calls go to the others.
        // One that is up but slow (no quorum) is not skipped: it can still answer the serializable reads that
        // stand in for linearizable ones.
        host: () =>
          circuitBreaker(
            handleWhen((err) => err instanceof GRPCUnavailableError),
            {
              halfOpenAfter: 2000,
              breaker: new ConsecutiveBreaker(3),
            },
          ),
        // Only a call that never reached a member is tried again: a write that timed out may have been applied,
        // and trying it again would apply it twice (or report a conflict with itself).
        global: retry(
          handleWhen((err) => err instanceof GRPCUnavailableError),
          { maxAttempts: options.endpoints.length },
        ),
      },
    });
    const send = (ops: IRequestOp[], deadline: number) =>
      this.client.kv.txn({ compare: [], success: ops }, { deadline });
    const batching = { send, refusedWhole, timeoutMs: this.timeoutMs };
    this.writes = new TxnBatcher({ ...WRITE_BATCH, ...options.writeBatch, ...batching });
    this.reads = new TxnBatcher({ ...READ_BATCH, ...batching });
    this.log = new EtcdChangeLog(
      {
        client: this.client,
        prefix: this.prefixBytes,
        rangeEnd: this.rangeEnd,
        retention: this.retention,
        idleMs: options.watchIdleMs,
        timeoutMs: this.timeoutMs,
        onWatching: options.onWatching,
        // At start a log older than etcd's history is expected (etcd compacts); only a restart later is news.
        onRestart: (why) => {
          if (this.opened) options.onWatchRestart?.(why);
        },
      },
      (lease) => this.leaseGone(lease),
    );
  }

  /** Checks that the cluster answers (a linearizable read needs its quorum) and starts the node's watch. */
  async open(): Promise<void> {
    let current: number;
    try {
      const res = await this.client.kv.range({
        key: this.storeStart,
        range_end: this.rangeEnd,
        count_only: true,
      });
      current = this.observe(res.header.revision);
    } catch (err) {
      throw new EngineOpenError(
        `cannot reach the etcd cluster at ${this.endpoints.join(',')}: ${reason(err)} (is etcd running, with a majority of its members up? check --etcd, and "etcdctl --endpoints=${this.endpoints.join(',')} endpoint health")`,
        'ETCD_UNREACHABLE',
      );
    }
    try {
      // The log starts in the past when etcd still has it, so a watcher that was away before this node started
      // can catch up; if etcd compacted it, the log restarts at the present (etcd-log.ts).
      await this.log.start(Math.max(0, current - this.retention));
    } catch (err) {
      throw new EngineOpenError(
        `the etcd cluster at ${this.endpoints.join(',')} answers reads but not writes or watches: ${reason(err)} (does it have a majority of its members up? check "etcdctl --endpoints=${this.endpoints.join(',')} endpoint health")`,
        'ETCD_NO_QUORUM',
      );
    }
    this.opened = true;
  }

  get knownRevision(): number {
    return this.known;
  }

  /** Whether the node is watching etcd now (it stops while it has no watchers). */
  get watching(): boolean {
    return this.log.watching;
  }

  /** Watchers may resume from any revision >= this; older ones are not in this node's log. */
  get oldestRevision(): number {
    return this.log.oldestRevision;
  }

  async revision(): Promise<ReadInfo> {
    const { res, stale } = await this.range({
      key: this.storeStart,
      range_end: this.rangeEnd,
      count_only: true,
    });
    return { revision: this.observe(res.header.revision), stale };
  }

  async get(key: string): Promise<EntryRead> {
    const { res, stale } = await this.range({ key: this.etcdKey(key) }, true);
    const kv = res.kvs[0];
    return { entry: kv ? this.toEntry(kv) : undefined, revision: this.observe(res.header.revision), stale };
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<WriteResult> {
    this.assertOpen();
    const lease = options.ttlMs !== undefined ? await this.grantLease(options.ttlMs) : undefined;
    const put = { key: this.etcdKey(key), value: Buffer.from(value, 'utf8'), lease };
    if (options.ifVersion === undefined) {
      const bytes = put.key.length + put.value.length;
      const res = await this.write('set', () => this.writes.submit({ request_put: put }, put.key, bytes));
      return this.written(res.revision);
    }
    const res = await this.write('set', () =>
      this.client.kv.txn({
        compare: [{ key: put.key, target: 'Mod', result: 'Equal', mod_revision: options.ifVersion }],
        success: [{ request_put: put }],
        failure: [{ request_range: { key: put.key } }],
      }),
    );
    if (res.succeeded) return this.written(res.header.revision);
    // A lease granted for a write that did not happen would only expire, attached to nothing; let it go now.
    if (lease !== undefined) this.client.leaseClient.leaseRevoke({ ID: lease }).catch(() => {});
    return this.conflict(res.header.revision, res.responses[0]?.response_range.kvs[0]);
  }

  async unset(key: string, options: UnsetOptions = {}): Promise<WriteResult> {
    this.assertOpen();
    const etcdKey = this.etcdKey(key);
    if (options.ifVersion === undefined) {
      const res = await this.write('unset', () =>
        this.writes.submit({ request_delete_range: { key: etcdKey } }, etcdKey, etcdKey.length),
      );
      // In a batch the transaction's revision is new even when this key was absent: then it is only observed.
      if (Number(res.response.response_delete_range.deleted) === 0)
        return { ok: true, version: 0, revision: this.observe(res.revision) };
      const { revision } = this.written(res.revision);
      return { ok: true, version: 0, revision };
    }
    const res = await this.write('unset', () =>
      this.client.kv.txn({
        compare: [{ key: etcdKey, target: 'Mod', result: 'Equal', mod_revision: options.ifVersion }],
        success: [{ request_delete_range: { key: etcdKey } }],
        failure: [{ request_range: { key: etcdKey } }],
      }),
    );
    if (!res.succeeded) return this.conflict(res.header.revision, res.responses[0]?.response_range.kvs[0]);
    const deleted = Number(res.responses[0]?.response_delete_range.deleted ?? 0);
    const revision =
      deleted > 0 ? this.written(res.header.revision).revision : this.observe(res.header.revision);
    return { ok: true, version: 0, revision };
  }

  async clear(): Promise<{ revision: number }> {
    this.assertOpen();
    const res = await this.write('clear', () =>
      this.client.kv.deleteRange({ key: this.storeStart, range_end: this.rangeEnd }),
    );
    if (Number(res.deleted) === 0) return { revision: this.observe(res.header.revision) };
    return { revision: this.written(res.header.revision).revision };
  }

  async keys(): Promise<string[]> {
    const keys: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.list({ after, limit: KEYS_PAGE });
      for (const item of page.items) keys.push(item.key);
      if (page.next === null) return keys;
      after = page.next;
    }
  }

  async list(options: ListOptions): Promise<ListPage> {
    const prefix = options.prefix ?? '';
    const after = options.after;
    // The first key after `after` in byte order is `after` followed by a zero byte.
    const start = after !== undefined && compareKeys(after, prefix) > 0 ? `${after}\u0000` : prefix;
    const { res, stale } = await this.range({
      key: start === '' ? this.storeStart : this.etcdKey(start),
      range_end: rangeEndOf(this.etcdKey(prefix)),
      limit: options.limit,
    });
    const items = res.kvs.map((kv) => this.toEntry(kv));
    const next = res.more && items.length > 0 ? items[items.length - 1]!.key : null;
    return { items, next, revision: this.observe(res.header.revision), stale };
  }

  async count(): Promise<CountRead> {
    const { res, stale } = await this.range({
      key: this.storeStart,
      range_end: this.rangeEnd,
      count_only: true,
    });
    return { count: Number(res.count), revision: this.observe(res.header.revision), stale };
  }

  async changesAfter(
    after: number,
    match: ChangeMatch,
    limit: number,
    scanLimit = 10_000,
  ): Promise<ChangesAnswer> {
    // A node without watchers stops watching etcd; this catches up with what etcd has now.
    await this.log.wake();
    // This node's own acknowledged writes are in its answers, even if its watch has not brought them back yet.
    if (this.lastWritten > this.log.seen) await this.log.waitSeen(this.lastWritten, this.timeoutMs);
    if (after > this.log.seen) {
      // A revision a reader saw elsewhere (another node, a read) that this node's watch has not reached yet is
      // not in the future: wait for it like any other. Only one etcd itself has not reached is.
      if (after <= this.known) return { kind: 'changes', changes: [], revision: after };
      const current = (await this.revision()).revision;
      if (after <= current) return { kind: 'changes', changes: [], revision: after };
      return { kind: 'future', revision: current };
    }
    return this.log.changesAfter(after, match, limit, scanLimit);
  }

  onChanges(listener: (changes: Change[]) => void): () => void {
    return this.log.onChanges(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writes.close();
    this.reads.close();
    await this.log.close();
    this.client.close();
  }

  /**
   * A linearizable range (etcd confirms with its quorum that nothing newer exists). When that fails, the member's
   * own copy is read (serializable) and the answer is marked stale: it may miss acknowledged writes.
   */
  private async range(req: IRangeRequest, batched = false): Promise<{ res: IRangeResponse; stale: boolean }> {
    this.assertOpen();
    try {
      if (!batched) return { res: await this.client.kv.range(req), stale: false };
      const { response } = await this.reads.submit({ request_range: req }, undefined, 0);
      return { res: response.response_range, stale: false };
    } catch (err) {
      if (!unavailable(err)) throw err;
      try {
        return { res: await this.client.kv.range({ ...req, serializable: true }), stale: true };
      } catch {
        throw new EngineUnavailableError(
          `no etcd member answered within ${this.timeoutMs / 1000} s (${reason(err)}): start the etcd members again (check with "etcdctl --endpoints=${this.endpoints.join(',')} endpoint health"), then retry`,
        );
      }
    }
  }

  /** `changes`: the call writes store keys, so a call that fails unconfirmed may still take effect. */
  private async write<T>(what: string, call: () => Promise<T>, changes = true): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const message = String((err as Error)?.message);
      // etcd's own limits refuse the write whole, like a full disk on lmdb (507).
      if (/database space exceeded/.test(message))
        throw new EngineWriteError(
          `etcd is out of space (its --quota-backend-bytes; etcdctl alarm list shows NOSPACE); nothing of this ${what} was stored: compact and defragment etcd, or raise its quota, then "etcdctl alarm disarm" and retry`,
          'STORAGE_FULL',
        );
      if (/request is too large/.test(message))
        throw new EngineWriteError(
          `etcd refused the ${what}: the request is over its --max-request-bytes (1.5 MiB by default); store smaller values (or raise etcd's limit), nothing of this ${what} was stored`,
          'STORAGE_FAILED',
        );
      if (!unavailable(err)) throw err;
      throw new EngineUnavailableError(
        `the ${what} was not confirmed within ${this.timeoutMs / 1000} s (${reason(err)}): the etcd cluster has no quorum or cannot be reached (writes need a majority of its members up), ${changes ? `so the ${what} may or may not have been applied; ` : ''}restart the stopped etcd members (check with "etcdctl --endpoints=${this.endpoints.join(',')} endpoint health"), then ${changes ? 'read the key and ' : ''}retry`,
        { maybeApplied: changes },
      );
    }
  }

  /**
   * etcd's leases are whole seconds, at least its minimum (1.5 election timeouts, rounded up: 2 s with etcd's
   * defaults), so a shorter TTL lives longer; never shorter than asked.
   */
  private async grantLease(ttlMs: number): Promise<string> {
    // Only the lease: the key itself is not written yet, so a failure here leaves nothing that may land later.
    const res = await this.write(
      'set',
      () => this.client.leaseClient.leaseGrant({ TTL: Math.max(1, Math.ceil(ttlMs / 1000)) }),
      false,
    );
    return res.ID;
  }

  private async leaseGone(lease: string): Promise<boolean> {
    try {
      const res = await this.client.leaseClient.leaseTimeToLive({ ID: lease });
      return Number(res.TTL) < 0;
    } catch (err) {
      return err instanceof EtcdLeaseInvalidError;
    }
  }

  private written(headerRevision: string): { ok: true; version: number; revision: number } {
    const revision = this.observe(headerRevision);
    if (revision > this.lastWritten) this.lastWritten = revision;
    return { ok: true, version: revision, revision };
  }

  private conflict(headerRevision: string, kv: IKeyValue | undefined): WriteResult {
    return {
      ok: false,
      conflict: true,
      version: kv ? Number(kv.mod_revision) : 0,
      revision: this.observe(headerRevision),
    };
  }

  private observe(headerRevision: string): number {
    const revision = Number(headerRevision);
    if (revision > this.known) this.known = revision;
    return revision;
  }

  private etcdKey(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8');
  }

  private toEntry(kv: IKeyValue): Entry {
    const key = kv.key.toString('utf8').slice(this.prefix.length);
    return { key, value: kv.value.toString('utf8'), version: Number(kv.mod_revision) };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }
}

/** etcd's "every key starting with these bytes": the prefix with its last byte below 0xff incremented. */
function rangeEndOf(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff (or there is none): to the end of the key space.
  return Buffer.from([0]);
}

/**
 * A transaction etcd refused whole for what may be one operation's fault: over --max-request-bytes or --max-txn-ops,
 * a lease not found, or an answer over the client's message limit. Nothing of it was applied.
 */
function refusedWhole(err: unknown): boolean {
  return /request is too large|too many operations in txn|requested lease not found|larger than max|RESOURCE_EXHAUSTED/i.test(
    String((err as Error)?.message),
  );
}

/** An error that says the cluster cannot answer now (down, partitioned, no leader, too slow), not a bad request. */
function unavailable(err: unknown): boolean {
  if (err instanceof BrokenCircuitError) return true;
  if (err instanceof Error && isRecoverableError(err as GRPCGenericError)) return true;
  return /etcdserver: (request timed out|no leader|leader changed|too many requests)|deadline exceeded/i.test(
    String((err as Error)?.message),
  );
}

function reason(err: unknown): string {
  if (err instanceof BrokenCircuitError) return 'every member failed its last calls';
  let message = String((err as Error)?.message ?? err)
    .replace(/^\w*Error: /, '')
    .replace(/^\d+ [A-Z_]+: /, '');
  // gRPC's "No connection established. Last error: Error: connect ECONNREFUSED ...": the last error is the news.
  const last = /Last error: (?:\w*Error: )?(.*?)(?:\. Resolution note:.*)?$/s.exec(message);
  if (last) message = last[1]!;
  if (/^deadline exceeded/i.test(message)) return 'no answer before the deadline';
  return message.split('\n')[0]!.slice(0, 200);
}
