// StoreClient: a program's handle on a plainwire store (or, with requireStore: false, any server speaking the
// lab's ?action= URL API), with versions, compare-and-set, paged listing and a watch iterator that outlives
// store restarts. Given the URLs of several nodes of one store, it fails over between them (client-nodes.ts).
import {
  CompactedError,
  NotAStoreError,
  StoreError,
  StoreUnavailableError,
  VersionConflictError,
  WriteOutcomeUnknownError,
  errorForAnswer,
} from './client-errors.js';
import { retryDelay, sleep } from './retry.js';
import type { Answer } from './client-http.js';
import { type Resend, StoreNodes } from './client-nodes.js';
import { type Outcome, casOutcome, createOutcome, unsetOutcome } from './client-settle.js';
import {
  type Change,
  type Entry,
  type QueryParams,
  type StoreTarget,
  actionPath,
  assertSendable,
  assertUsableToken,
  headerNumber,
  isStoreAnswer,
  parseKeys,
  parseListAnswer,
  parseRevisionAnswer,
  parseStoreUrls,
  parseWatchAnswer,
  setRequest,
} from './client-protocol.js';
import { StoreDict } from './dict.js';

export type { Change, Entry } from './client-protocol.js';
export {
  CompactedError,
  NotAStoreError,
  StoreError,
  StoreUnavailableError,
  VersionConflictError,
  WriteOutcomeUnknownError,
} from './client-errors.js';

export interface StoreClientOptions {
  /** Sent as `Authorization: Bearer TOKEN` (needed for writes on a store started with --token). */
  token?: string;
  /** Per request, default 10000. A watch's long poll gets its own server timeout plus this. */
  timeoutMs?: number;
  /**
   * With several nodes: after a first failure, how long one call keeps trying the others, default 10000. Each
   * try still has timeoutMs. One node: no failover, a failure is thrown at once.
   */
  failoverMs?: number;
  /** Bound on one answer's body, default 64 MiB (the store's own value limit defaults to 1 MiB). */
  maxResponseBytes?: number;
  /** Kept-alive connections to the store at most; default unlimited, as node:http's agent. */
  maxSockets?: number;
  /**
   * Default true: an answer without the store's X-Plainwire-Revision header fails with NotAStoreError. False
   * for another server of the lab's ?action= API (the lab's PHP page), which sends no such header.
   */
  requireStore?: boolean;
}

export interface WatchOnceOptions {
  key?: string;
  prefix?: string;
  /** Changes with a revision above this; default: the store's current revision. */
  after?: number;
  /** How long the store holds the poll open without a change, default 30 (the store caps it at 300). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchOptions {
  key?: string;
  prefix?: string;
  after?: number;
  signal?: AbortSignal;
  /** Long-poll length in seconds, default 30. */
  timeoutSeconds?: number;
  /**
   * Called before each wait while the store is unreachable; `attempt` is 1 for the first failure of an outage,
   * so a CLI can say "store unreachable, retrying" once. The iteration itself goes on.
   */
  onRetry?: (error: StoreUnavailableError, attempt: number, delayMs: number) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_FAILOVER_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const DEFAULT_WATCH_SECONDS = 30;
const LIST_PAGE = 1000;

/**
 * A signal that aborts when either does (AbortSignal.any needs Node 20.3), and a release() that drops its
 * listeners, so a long-lived client does not collect one per finished watch.
 */
function linkSignals(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; release: () => void } {
  const linked = new AbortController();
  const cleanup = new AbortController();
  for (const source of [a, b]) {
    if (source.aborted) linked.abort(source.reason);
    else
      source.addEventListener('abort', () => linked.abort(source.reason), {
        once: true,
        signal: cleanup.signal,
      });
  }
  return { signal: linked.signal, release: () => cleanup.abort() };
}

/** The store's revision is below one it already reported: it lost its history, so changes would be skipped. */
function rewound(after: number, revision: number): CompactedError {
  return new CompactedError(
    `the store's revision went back from ${after} to ${revision}: it restarted without its data; re-list`,
  );
}

function watchParams(opts: WatchOnceOptions): QueryParams {
  if ((opts.key === undefined) === (opts.prefix === undefined)) {
    throw new StoreError('BAD_REQUEST', 'watch needs exactly one of key and prefix');
  }
  if (opts.key !== undefined) assertSendable('key', opts.key);
  if (opts.prefix !== undefined) assertSendable('prefix', opts.prefix);
  return [
    ['action', 'watch'],
    ['key', opts.key],
    ['prefix', opts.prefix],
    ['after', opts.after],
    ['timeout', opts.timeoutSeconds],
  ];
}

interface RequestContext {
  key?: string;
  expected?: number | undefined;
}

interface CallExtra {
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  /** Default `any` (reads); see Resend. */
  resend?: Resend;
}

/** A failure after which the write may or may not have landed: settled by reading back, never by resending. */
function maybeApplied(err: unknown): err is StoreUnavailableError {
  return err instanceof StoreUnavailableError && err.maybeApplied;
}

export class StoreClient {
  /** Every node's base URL as parsed, e.g. ["http://127.0.0.1:8001/"]; one for a single store. */
  readonly urls: readonly string[];
  private readonly nodes: StoreNodes;
  private readonly timeoutMs: number;
  /** Aborted by close(), so running watch iterations end instead of retrying for ever. */
  private readonly closing = new AbortController();

  /**
   * One URL for a store, or an array with the URL of each node of a clustered store: requests go to the node
   * that answered last and move to the next when it fails (see docs/STORE-API.md, "Several nodes").
   */
  constructor(baseUrl: string | readonly string[], options: StoreClientOptions = {}) {
    const targets = parseStoreUrls(baseUrl);
    if (options.token !== undefined) assertUsableToken(options.token);
    this.urls = targets.map((target) => target.display);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const httpOptions: ConstructorParameters<typeof StoreNodes>[1] = {
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    };
    if (options.token !== undefined) httpOptions.token = options.token;
    if (options.maxSockets !== undefined) httpOptions.maxSockets = options.maxSockets;
    if (options.requireStore !== false) {
      // Every node gets the same check; the error names the node that answered wrongly.
      httpOptions.checkHead = (status, headers, target) =>
        isStoreAnswer(status, headers) ? undefined : new NotAStoreError(target.display, status);
    }
    this.nodes = new StoreNodes(targets, httpOptions, {
      failoverMs: options.failoverMs ?? DEFAULT_FAILOVER_MS,
    });
  }

  /** The base URL of the node in use, e.g. "http://127.0.0.1:8001/" (with one URL, always that one). */
  get url(): string {
    return this.nodes.currentTarget.display;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.getEntry(key))?.value;
  }

  /**
   * The value with its version. The store says "absent" with X-Plainwire-Version: 0; a server without versions
   * (the lab's PHP page) sends no such header, and then an empty body counts as absent, as the lab's proxy did.
   */
  async getEntry(key: string): Promise<Entry | undefined> {
    return (await this.readEntry(key)).entry;
  }

  /** getEntry, with the store's revision when it answered. */
  private async readEntry(key: string): Promise<{ entry: Entry | undefined; revision: number }> {
    assertSendable('key', key);
    const answer = await this.call(
      [
        ['action', 'get'],
        ['key', key],
      ],
      { key },
    );
    const version = headerNumber(answer.headers['x-plainwire-version']);
    const revision = headerNumber(answer.headers['x-plainwire-revision']) ?? 0;
    if (version === 0 || (version === undefined && answer.body === '')) return { entry: undefined, revision };
    return { entry: { key, value: answer.body, version: version ?? 0 }, revision };
  }

  /**
   * Writes the value; resolves once it is durably committed. With ifVersion, a VersionConflictError if beaten.
   * A write whose connection broke after it was sent is settled by reading the key back; when that cannot
   * tell, WriteOutcomeUnknownError (a StoreUnavailableError). Without ifVersion it may simply go again: the
   * same value written twice ends as written once, later.
   */
  async set(
    key: string,
    value: string,
    opts: { ifVersion?: number; ttl?: number } = {},
  ): Promise<{ version: number; revision: number }> {
    const cas = opts.ifVersion !== undefined;
    const send = async () => {
      const answer = await this.send((target) => setRequest(target, key, value, opts), {
        key,
        expected: opts.ifVersion,
        resend: cas ? 'unsent' : 'any',
      });
      return {
        version: headerNumber(answer.headers['x-plainwire-version']) ?? 0,
        revision: headerNumber(answer.headers['x-plainwire-revision']) ?? 0,
      };
    };
    try {
      return await send();
    } catch (err) {
      if (!cas || !maybeApplied(err)) throw err;
      const expected = opts.ifVersion!;
      const judge = async () =>
        expected > 0
          ? casOutcome('set', await this.changesAfter(key, expected), value)
          : createOutcome(await this.getEntry(key), value);
      const outcome = await this.settle('set', key, expected, err, judge, send);
      return { version: outcome.version, revision: outcome.revision };
    }
  }

  /**
   * Removes the key (fine if it is absent). With ifVersion, a VersionConflictError if the version differs. A
   * broken connection after sending is settled as for set(); an unset is never sent twice blindly, as a second
   * copy could remove what someone wrote in between.
   */
  async unset(key: string, opts: { ifVersion?: number } = {}): Promise<{ revision: number }> {
    assertSendable('key', key);
    const send = async () => {
      const answer = await this.call(
        [
          ['action', 'unset'],
          ['key', key],
          ['ifVersion', opts.ifVersion],
        ],
        { key, expected: opts.ifVersion },
        { resend: 'unsent' },
      );
      return { version: 0, revision: headerNumber(answer.headers['x-plainwire-revision']) ?? 0 };
    };
    try {
      return { revision: (await send()).revision };
    } catch (err) {
      if (!maybeApplied(err)) throw err;
      const expected = opts.ifVersion;
      const judge = async () => {
        if (expected !== undefined && expected > 0)
          return casOutcome('unset', await this.changesAfter(key, expected), undefined);
        const read = await this.readEntry(key);
        return unsetOutcome(read.entry, read.revision, expected);
      };
      return { revision: (await this.settle('unset', key, expected, err, judge, send)).revision };
    }
  }

  /** Every key, from the lab's `?action=keys` (one per line: a key holding "\n" is listed whole only by list()). */
  async keys(): Promise<string[]> {
    return parseKeys((await this.call([['action', 'keys']])).body);
  }

  /** Removes every key. Never sent twice blindly: a broken connection after sending is WriteOutcomeUnknownError. */
  async clear(): Promise<void> {
    try {
      await this.call([['action', 'clear']], {}, { resend: 'unsent' });
    } catch (err) {
      if (maybeApplied(err)) throw new WriteOutcomeUnknownError('clear', undefined, err, '');
      throw err;
    }
  }

  /** One page of entries sorted by key; pass the returned cursor to get the next page (null: no more). */
  async list(
    opts: { prefix?: string; limit?: number; cursor?: string } = {},
  ): Promise<{ items: Entry[]; cursor: string | null; revision: number }> {
    if (opts.prefix !== undefined) assertSendable('prefix', opts.prefix);
    const answer = await this.call([
      ['action', 'list'],
      ['prefix', opts.prefix],
      ['format', 'json'],
      ['limit', opts.limit],
      ['cursor', opts.cursor],
    ]);
    return parseListAnswer(answer.body);
  }

  /**
   * Every entry under the prefix, following cursors. The revision is the first page's: watching from it after
   * the listing sees every later change (at worst a change twice, never a change lost).
   */
  async listAll(prefix?: string): Promise<{ items: Entry[]; revision: number }> {
    const items: Entry[] = [];
    let cursor: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const opts: { prefix?: string; limit: number; cursor?: string } = { limit: LIST_PAGE };
      if (prefix !== undefined) opts.prefix = prefix;
      if (cursor !== undefined) opts.cursor = cursor;
      const page = await this.list(opts);
      revision ??= page.revision;
      items.push(...page.items);
      if (page.cursor === null || page.items.length === 0) return { items, revision };
      cursor = page.cursor;
    }
  }

  async revision(): Promise<number> {
    return parseRevisionAnswer((await this.call([['action', 'revision']])).body);
  }

  /**
   * One long poll. Throws CompactedError if `after` is older than the store's change log (410), or newer than
   * its revision (it lost its data, e.g. a --memory store restarted).
   */
  async watchOnce(opts: WatchOnceOptions): Promise<{ revision: number; changes: Change[] }> {
    const params = watchParams(opts);
    const seconds = opts.timeoutSeconds ?? DEFAULT_WATCH_SECONDS;
    const answer = await this.call(
      params,
      {},
      { timeoutMs: seconds * 1000 + this.timeoutMs, signal: opts.signal },
    );
    const result = parseWatchAnswer(answer.body);
    if (opts.after !== undefined && result.revision < opts.after) throw rewound(opts.after, result.revision);
    // Defensive: a change at or below `after` was already delivered by the previous poll.
    if (opts.after !== undefined) result.changes = result.changes.filter((c) => c.revision > opts.after!);
    return result;
  }

  /**
   * Every matching change, each exactly once, in revision order, until `signal` aborts or close() is called
   * (then the iteration simply ends). While the store is unreachable it retries with backoff (100 ms doubling
   * to 2 s), so a store restart does not end it. A CompactedError (history gone) or any other store error is
   * thrown: re-list with listAll() and watch again from its revision.
   */
  watch(opts: WatchOptions): AsyncIterable<Change> {
    watchParams(opts);
    return { [Symbol.asyncIterator]: () => this.watchChanges(opts) };
  }

  /** A Map-like view for the lab's `server['key'] = 'value'` habit, with async methods; see StoreDict. */
  dict(prefix = ''): StoreDict {
    return new StoreDict(this, prefix);
  }

  /** Ends the kept-alive connections and any running watch iteration. */
  close(): void {
    this.closing.abort();
    this.nodes.close();
  }

  /** The key's changes after `revision`, answered at once (timeout 0). */
  private async changesAfter(key: string, revision: number): Promise<Change[]> {
    return (await this.watchOnce({ key, after: revision, timeoutSeconds: 0 })).changes;
  }

  /**
   * After a write's connection broke once it was sent: judge from the store what became of it, and send it
   * again only when the key shows it did not land and the write's own compare-and-set stops a second landing
   * (the first copy, should it still arrive, then fails). At most one more copy; then the judgement stands.
   */
  private async settle(
    operation: 'set' | 'unset',
    key: string,
    expected: number | undefined,
    failure: StoreUnavailableError,
    judge: () => Promise<Outcome>,
    resend: () => Promise<{ version: number; revision: number }>,
  ): Promise<{ version: number; revision: number }> {
    const guard = expected === undefined ? '' : ` (if at version ${expected})`;
    let lastFailure = failure;
    for (let resent = false; ; resent = true) {
      let outcome: Outcome;
      try {
        outcome = await judge();
      } catch (err) {
        if (!(err instanceof StoreError)) throw err;
        outcome = { kind: 'unknown' };
      }
      if (outcome.kind === 'applied') return outcome;
      if (outcome.kind === 'lost' && expected !== undefined)
        throw new VersionConflictError(key, expected, outcome.actual);
      if (outcome.kind !== 'not-applied' || resent)
        throw new WriteOutcomeUnknownError(operation, key, lastFailure, guard);
      try {
        return await resend();
      } catch (err) {
        // A conflict here may be our first copy having landed meanwhile: judge again.
        if (maybeApplied(err)) lastFailure = err;
        else if (!(err instanceof VersionConflictError)) throw err;
      }
    }
  }

  private async *watchChanges(opts: WatchOptions): AsyncGenerator<Change, void, undefined> {
    const { signal, release } = linkSignals(opts.signal ?? this.closing.signal, this.closing.signal);
    try {
      yield* this.pollChanges(opts, signal);
    } finally {
      release();
    }
  }

  private async *pollChanges(
    opts: WatchOptions,
    signal: AbortSignal,
  ): AsyncGenerator<Change, void, undefined> {
    let after = opts.after;
    let failures = 0;
    while (!signal.aborted) {
      let result: { revision: number; changes: Change[] };
      try {
        if (failures > 0 && after !== undefined) await this.checkNotRewound(after, signal);
        const once: WatchOnceOptions = { signal };
        if (opts.key !== undefined) once.key = opts.key;
        if (opts.prefix !== undefined) once.prefix = opts.prefix;
        if (after !== undefined) once.after = after;
        if (opts.timeoutSeconds !== undefined) once.timeoutSeconds = opts.timeoutSeconds;
        result = await this.watchOnce(once);
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof StoreUnavailableError)) throw err;
        failures++;
        const delay = retryDelay(failures);
        opts.onRetry?.(err, failures, delay);
        await sleep(delay, signal);
        continue;
      }
      failures = 0;
      for (const change of result.changes) {
        if (signal.aborted) return;
        yield change;
      }
      if (after === undefined || result.revision > after) after = result.revision;
    }
  }

  /**
   * After an outage: a store restarted without its data (--memory) starts its revisions again from 0, and
   * waiting for revisions above `after` would silently skip everything it does until it catches up.
   */
  private async checkNotRewound(after: number, signal: AbortSignal): Promise<void> {
    const revision = parseRevisionAnswer((await this.call([['action', 'revision']], {}, { signal })).body);
    if (revision < after) throw rewound(after, revision);
  }

  private call(params: QueryParams, request: RequestContext = {}, extra: CallExtra = {}): Promise<Answer> {
    return this.send((target) => ({ method: 'GET', path: actionPath(target, params) }), {
      ...request,
      ...extra,
    });
  }

  private async send(
    build: (target: StoreTarget) => { method: 'GET' | 'POST'; path: string; body?: string },
    request: RequestContext & CallExtra,
  ): Promise<Answer> {
    const answer = await this.nodes.exchange({
      build,
      timeoutMs: request.timeoutMs ?? this.timeoutMs,
      signal: request.signal,
      resend: request.resend ?? 'any',
      retryOnStaleConnection: request.expected === undefined,
    });
    if (answer.status >= 200 && answer.status < 300) return answer;
    const failed: { status: number; body: string; version?: number } = {
      status: answer.status,
      body: answer.body,
    };
    const version = headerNumber(answer.headers['x-plainwire-version']);
    if (version !== undefined) failed.version = version;
    const context: { key?: string; expected?: number } = {};
    if (request.key !== undefined) context.key = request.key;
    if (request.expected !== undefined) context.expected = request.expected;
    throw errorForAnswer(failed, context);
  }
}
