// Group commit for the etcd engine: operations that arrive while earlier ones are on their way to etcd wait, and
// go together as ONE etcd transaction when a slot is free (no timer: the batch is whatever piled up meanwhile). The
// engine keeps one batcher for plain writes (puts and deletes without a compare) and one for linearizable gets.
// Every operation still gets its own answer: its own response of the transaction, or its own error.
import type { IRequestOp, IResponseOp, ITxnResponse } from 'etcd3';

/** One operation's share of a transaction's answer. */
export interface BatchedAnswer {
  /** The transaction's revision (etcd's header): every write of one batch shares it. */
  revision: string;
  response: IResponseOp;
}

export interface BatchLimits {
  /** Operations per transaction: etcd refuses more than its --max-txn-ops (128 by default). */
  maxOps: number;
  /** Request bytes per transaction, under etcd's --max-request-bytes (1.5 MiB by default). */
  maxBytes: number;
  /** Transactions on their way to etcd at once; more operations wait for one to answer. */
  maxInFlight: number;
}

export interface BatcherOptions extends BatchLimits {
  /**
   * Sends the operations as one transaction (no compare: they all apply, or none does), to be answered by
   * `deadline` (ms since the epoch).
   */
  send: (ops: IRequestOp[], deadline: number) => Promise<ITxnResponse>;
  /** How long an operation may take from its submission, its wait for a batch included. */
  timeoutMs: number;
  /**
   * Whether etcd (or the client) refused this transaction as a whole, before applying anything, for a reason that
   * may belong to only one of its operations (too large, a lease not found): each is then sent alone, so each gets
   * its own answer. Any other error is every operation's error.
   */
  refusedWhole: (err: unknown) => boolean;
}

interface Pending {
  op: IRequestOp;
  /** Operations on one key never share a transaction, nor overtake each other (absent: no such rule). */
  key: string | undefined;
  bytes: number;
  submittedAt: number;
  resolve: (answer: BatchedAnswer) => void;
  reject: (err: unknown) => void;
}

/** Request bytes an operation adds to a transaction besides its key and value (protobuf framing, lease). */
const OP_OVERHEAD_BYTES = 32;

export class TxnBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  /** Keys with an operation on its way to etcd: their next operation waits until it is answered. */
  private readonly busyKeys = new Set<string>();
  private flushQueued = false;
  private closed = false;

  constructor(private readonly options: BatcherOptions) {}

  /**
   * Queues `op` for the next transaction. `key` (the etcd key, for writes) keeps operations on one key in the
   * order they were submitted, each in a transaction of its own; `bytes` is the size of its key and value.
   */
  submit(op: IRequestOp, key: Buffer | undefined, bytes: number): Promise<BatchedAnswer> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        op,
        key: key?.toString('latin1'),
        bytes: bytes + OP_OVERHEAD_BYTES,
        submittedAt: Date.now(),
        resolve,
        reject,
      });
      this.scheduleFlush();
    });
  }

  /** Fails every operation not yet sent; those on their way get etcd's answer (or the closed client's error). */
  close(): void {
    this.closed = true;
    const queued = this.queue;
    this.queue = [];
    for (const p of queued) p.reject(new Error('the store is closed'));
  }

  /**
   * Sends on the next turn of the event loop rather than at once, so the requests that arrived in the same poll
   * (many connections' data events) share one transaction.
   */
  private scheduleFlush(): void {
    if (this.flushQueued || this.inFlight >= this.options.maxInFlight) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.inFlight++;
      void this.commit(batch);
    }
  }

  /** The next batch, oldest first: distinct keys, none busy, within the limits; the rest stays queued in order. */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const keys = new Set<string>();
    let bytes = 0;
    for (const p of this.queue) {
      const full =
        batch.length >= this.options.maxOps || (batch.length > 0 && bytes + p.bytes > this.options.maxBytes);
      // A key already in this batch, or on its way, waits: a later write must not overtake an earlier one, and
      // etcd refuses a transaction that names a key twice.
      const blocked = p.key !== undefined && (keys.has(p.key) || this.busyKeys.has(p.key));
      if (full || blocked) {
        rest.push(p);
        if (p.key !== undefined) keys.add(p.key);
        continue;
      }
      batch.push(p);
      bytes += p.bytes;
      if (p.key !== undefined) keys.add(p.key);
    }
    this.queue = rest;
    return batch;
  }

  private async commit(batch: Pending[]): Promise<void> {
    for (const p of batch) if (p.key !== undefined) this.busyKeys.add(p.key);
    try {
      await this.send(batch);
    } catch (err) {
      if (batch.length > 1 && this.options.refusedWhole(err)) {
        // Nothing was applied: each alone, so the one that caused it gets the error and the others their answer.
        await Promise.all(batch.map((p) => this.send([p]).catch((e: unknown) => p.reject(e))));
      } else {
        for (const p of batch) p.reject(err);
      }
    } finally {
      for (const p of batch) if (p.key !== undefined) this.busyKeys.delete(p.key);
      this.inFlight--;
      this.flush();
    }
  }

  /**
   * One transaction for `batch`; resolves each operation with its own response. The deadline is the oldest
   * operation's: time spent waiting for a batch counts, so no caller waits past its timeout.
   */
  private async send(batch: Pending[]): Promise<void> {
    let oldest = batch[0]!.submittedAt;
    for (const p of batch) if (p.submittedAt < oldest) oldest = p.submittedAt;
    const res = await this.options.send(
      batch.map((p) => p.op),
      oldest + this.options.timeoutMs,
    );
    for (let i = 0; i < batch.length; i++)
      batch[i]!.resolve({ revision: res.header.revision, response: res.responses[i]! });
  }
}
