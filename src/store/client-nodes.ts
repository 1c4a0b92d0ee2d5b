// The nodes of one clustered store, as the client sees them: it stays on the node that works, moves to the next
// when one is unreachable (refused, reset, timed out) or answers 503, and sends a request again elsewhere only
// when that cannot apply it twice. One node behaves exactly as a client of a single store always did.
import { type Answer, type Exchange, StoreHttp, type StoreHttpOptions } from './client-http.js';
import { StoreUnavailableError, errorForAnswer } from './client-errors.js';
import type { StoreTarget } from './client-protocol.js';
import { sleep } from './retry.js';

/**
 * How freely a request may go to another node after a failure.
 * - `any`: reads, and writes that end the same when applied twice (an unconditional set: the second copy writes
 *   the same value again, which is what last-writer-wins allows anyway).
 * - `unsent`: only when it cannot have been applied (the connection never came up, or the node answered 503);
 *   a failure after it went out is thrown as it is (maybeApplied), for the caller to settle by reading back.
 */
export type Resend = 'any' | 'unsent';

export interface NodeRequest {
  /** The method, path and body for one node: each node's URL may have its own base path. */
  build(target: StoreTarget): { method: 'GET' | 'POST'; path: string; body?: string };
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  resend: Resend;
  /** See Exchange.retryOnStaleConnection: the same node, once, after Node's kept-alive socket race. */
  retryOnStaleConnection: boolean;
}

/** First wait after every node failed once; it doubles each round up to FAILOVER_MAX_MS, with jitter. */
export const FAILOVER_FIRST_MS = 50;
export const FAILOVER_MAX_MS = 1000;

/**
 * The wait before round `round` + 1 (1 after the first full round of failures): half of it fixed, half random,
 * so clients that lost the same node do not all come back in step.
 */
export function failoverDelay(round: number, random: () => number = Math.random): number {
  const ceiling = Math.min(FAILOVER_MAX_MS, FAILOVER_FIRST_MS * 2 ** Math.max(0, round - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** 502, 503, 504: "not now" from a node or a proxy in front of it; the next node may well answer. */
function isNotNow(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

interface StoreNode {
  target: StoreTarget;
  http: StoreHttp;
}

/** "connection refused" out of "cannot reach http://a/: connection refused", to list nodes in one line. */
function failureWords(node: StoreNode, error: StoreUnavailableError): string {
  const prefix = `cannot reach ${node.target.display}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

export interface StoreNodesOptions {
  /** After a first failure, how long one request keeps trying the other nodes. */
  failoverMs: number;
  /** Injectable for tests, as Math.random. */
  random?: () => number;
}

export class StoreNodes {
  private readonly nodes: readonly StoreNode[];
  /** The node requests go to first: the last one that answered. */
  private current = 0;

  constructor(
    targets: readonly StoreTarget[],
    httpOptions: StoreHttpOptions,
    private readonly options: StoreNodesOptions,
  ) {
    this.nodes = targets.map((target) => ({ target, http: new StoreHttp(target, httpOptions) }));
  }

  /** The node in use now. */
  get currentTarget(): StoreTarget {
    return this.nodes[this.current]!.target;
  }

  get targets(): StoreTarget[] {
    return this.nodes.map((node) => node.target);
  }

  close(): void {
    for (const node of this.nodes) node.http.close();
  }

  /**
   * One request, on the current node and then, while nodes fail, on the next ones in turn: a full round with no
   * wait, then a short wait before the next round, until `failoverMs` after the first failure. Answers other
   * than 502/503/504 are returned whatever their status (a 409 is the store's answer, not a failed node).
   */
  async exchange(request: NodeRequest): Promise<Answer> {
    if (this.nodes.length === 1)
      return this.nodes[0]!.http.exchange(this.exchangeFor(this.nodes[0]!, request));
    const failures = new Map<StoreNode, StoreUnavailableError>();
    let index = this.current;
    let firstFailureAt: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const node = this.nodes[index]!;
      let failure: StoreUnavailableError;
      try {
        const answer = await node.http.exchange(this.exchangeFor(node, request));
        if (!isNotNow(answer.status)) {
          this.current = index;
          return answer;
        }
        const said = errorForAnswer({ status: answer.status, body: answer.body }, {});
        failure = new StoreUnavailableError(
          `cannot reach ${node.target.display}: it answered ${answer.status} (${said.message})`,
          answer.status,
        );
      } catch (err) {
        // Anything else (not a store, a bad answer, closed, aborted) is not about this node being down.
        if (!(err instanceof StoreUnavailableError)) throw err;
        failure = err;
      }
      failures.set(node, failure);
      this.leave(index);
      if (failure.maybeApplied && request.resend === 'unsent') throw failure;
      firstFailureAt ??= Date.now();
      index = (index + 1) % this.nodes.length;
      if (attempt % this.nodes.length !== 0) continue;
      const delay = failoverDelay(attempt / this.nodes.length, this.options.random);
      const elapsed = Date.now() - firstFailureAt;
      if (elapsed + delay > this.options.failoverMs) throw this.allFailed(failures, elapsed);
      await sleep(delay, request.signal);
      if (request.signal?.aborted) throw request.signal.reason;
    }
  }

  private exchangeFor(node: StoreNode, request: NodeRequest): Exchange {
    const { method, path, body } = request.build(node.target);
    const exchange: Exchange = {
      method,
      path,
      timeoutMs: request.timeoutMs,
      retryOnStaleConnection: request.retryOnStaleConnection,
    };
    if (body !== undefined) exchange.body = body;
    if (request.signal) exchange.signal = request.signal;
    return exchange;
  }

  /** Moves on from a failed node, unless another request already did (two failures must not skip a node). */
  private leave(index: number): void {
    if (this.current === index) this.current = (index + 1) % this.nodes.length;
  }

  private allFailed(
    failures: Map<StoreNode, StoreUnavailableError>,
    elapsedMs: number,
  ): StoreUnavailableError {
    const each = [...failures].map(([node, error]) => `${node.target.display} ${failureWords(node, error)}`);
    const seconds = (elapsedMs / 1000).toFixed(1);
    return new StoreUnavailableError(
      `cannot reach any of the store's ${this.nodes.length} nodes (tried for ${seconds} s): ${each.join('; ')}`,
      undefined,
      { maybeApplied: [...failures.values()].some((error) => error.maybeApplied) },
    );
  }
}
