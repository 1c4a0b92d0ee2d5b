// The store's HTTP transport: node:http with limits and timeouts, wiring api.ts (parse) -> an Engine (store) ->
// responses, plus long-poll watches (watch.ts) and the HTML page (page.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { formatHostPort } from '../text/host-port.js';
import { type Logger, silentLogger } from '../log.js';
import { ApiError, DEFAULT_MAX_VALUE_BYTES, encodeCursor, type Operation, parseRequest } from './api.js';
import { assertUsableToken } from './client-protocol.js';
import {
  type BodyLimits,
  cappedListener,
  DEFAULT_BODY_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  MIN_DISCARD_BYTES,
  rawResponse,
  readBody,
} from './connections.js';
import { type Change, type Engine, EngineWriteError } from './engine.js';
import { openLmdbEngine } from './lmdb.js';
import { MemoryEngine } from './memory.js';
import { type AllowedOrigins, parseAllowedOrigin, refuseForeignWrite } from './origin.js';
import { PAGE_CSP, PAGE_ROWS, PAGE_SCRIPT_PATH, renderPage } from './page.js';
import { pageScriptSender } from './page-script.js';
import { WatchHub } from './watch.js';

export { ApiError, MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES } from './api.js';
export { EngineOpenError, EngineWriteError } from './engine.js';
export type { Change, ChangeMatch, Engine, Entry, WriteResult } from './engine.js';
export { LmdbEngine, openLmdbEngine } from './lmdb.js';
export { MemoryEngine } from './memory.js';

export interface StoreServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port); the CLI's default is 8001. */
  port?: number;
  /** lmdb data directory; without it (and without `engine`) the store lives in memory. */
  dataDir?: string;
  /** Keep the store in memory even if dataDir is given. */
  memory?: boolean;
  /** Use this engine instead of opening one (the server closes it on stop). */
  engine?: Engine;
  /** Writes (and with `private`, reads) need this as `Authorization: Bearer ...` or `token=`. */
  token?: string;
  private?: boolean;
  /** Default 1 MiB. */
  maxValueBytes?: number;
  /**
   * Web origins (scheme://host[:port]) whose pages may write; '*' lets every page write. Writes that a browser
   * marks as coming from another page are refused otherwise (see origin.ts).
   */
  allowOrigins?: string[];
  logger?: Logger;
  /** Where the page's built script is (default: the package's dist/web/; without it the page is not live). */
  pageScriptDir?: string;
  /** A client must send its request headers within this (default 10 s). */
  headersTimeoutMs?: number;
  /** ... and its whole request within this (default 30 s). Watches are not affected: they wait after the request. */
  requestTimeoutMs?: number;
  /** A request body with no byte for this long is answered 408 (default 5 s). */
  bodyIdleTimeoutMs?: number;
  /** Open connections at most, watches included (default 1000); more are answered 503 with Retry-After. */
  maxConnections?: number;
  /** Change log retention (default 100,000 revisions). */
  logRetention?: number;
  /** How often the lmdb log is pruned (default 5 s). */
  logPruneIntervalMs?: number;
  /** lmdb: free disk space a set must leave (default 32 MiB); sets that would not are refused with 507. */
  diskReserveBytes?: number;
}

export interface StoreServer {
  host: string;
  port: number;
  /** http://HOST:PORT (no trailing slash). */
  url: string;
  engine: Engine;
  /** How many long-poll watches are waiting (for tests and metrics). */
  watching(): number;
  stop(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';
const HTML = 'text/html; charset=utf-8';
const MAX_WATCH_CHANGES = 1000;
/** Keys per batch of a keys listing: a batch is read and written in one turn of the event loop. */
const KEYS_BATCH = 1000;
const STOP_GRACE_MS = 2000;

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function changeJson(c: Change): object {
  return c.type === 'set'
    ? { type: c.type, key: c.key, value: c.value, version: c.version, revision: c.revision }
    : { type: c.type, key: c.key, version: c.version, revision: c.revision };
}

export async function startStoreServer(options: StoreServerOptions = {}): Promise<StoreServer> {
  const log = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  // Checked before the engine opens: a token no client could send in a Bearer header locks every client out.
  if (options.token !== undefined) assertUsableToken(options.token);
  const engine: Engine =
    options.engine ??
    (options.dataDir !== undefined && !options.memory
      ? await openLmdbEngine({
          path: options.dataDir,
          logRetention: options.logRetention,
          pruneIntervalMs: options.logPruneIntervalMs,
          diskReserveBytes: options.diskReserveBytes,
        })
      : new MemoryEngine({ logRetention: options.logRetention }));
  const hub = new WatchHub(engine);
  const sendPageScript = pageScriptSender(options.pageScriptDir);
  const expectedToken = options.token !== undefined ? sha256(options.token) : undefined;
  const privateReads = options.private === true && expectedToken !== undefined;
  const allowedOrigins: AllowedOrigins = new Set((options.allowOrigins ?? []).map(parseAllowedOrigin));
  const debug = log.isLevelEnabled('debug');
  const bodyIdleTimeoutMs = options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS;
  /** How many body bytes a POST or PUT may carry: a form body percent-encodes, so up to three bytes per value byte. */
  const bodyLimits = (contentType: string | undefined): BodyLimits => {
    const form = (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
    const maxBytes = form ? maxValueBytes * 3 + 8192 : maxValueBytes;
    return {
      maxBytes,
      discardBytes: Math.max(MIN_DISCARD_BYTES, 2 * maxBytes),
      idleTimeoutMs: bodyIdleTimeoutMs,
    };
  };
  let stopping = false;

  function tokenAccepted(given: string | undefined): boolean {
    if (!expectedToken) return true;
    // Hashing first gives equal lengths, which timingSafeEqual needs, and hides the token's length.
    return given !== undefined && timingSafeEqual(sha256(given), expectedToken);
  }

  function send(
    res: ServerResponse,
    status: number,
    body: string,
    contentType: string,
    extra?: Record<string, string | number>,
    head = false,
  ): void {
    // A read may show a commit whose disk sync is still under way; the revision must never be behind a version.
    const version = Number(extra?.['X-Plainwire-Version'] ?? 0);
    const headers: Record<string, string | number> = {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      'X-Plainwire-Revision': Math.max(engine.revision, version),
      ...extra,
    };
    if (stopping) headers.Connection = 'close';
    res.writeHead(status, headers);
    res.end(head ? undefined : body);
  }

  function sendError(res: ServerResponse, err: ApiError, head = false): void {
    send(res, err.status, `${err.message}\n`, TEXT, err.headers, head);
  }

  function sendPage(
    res: ServerResponse,
    path: string,
    head: boolean,
    extra: Partial<Parameters<typeof renderPage>[0]> & { after?: string } = {},
    status = 200,
  ) {
    const page = engine.list({ after: extra.after, limit: PAGE_ROWS });
    const body = renderPage({
      path,
      entries: page.items,
      total: engine.count(),
      next: page.next === null ? null : encodeCursor(page.next),
      later: extra.after !== undefined,
      revision: engine.revision,
      tokenField: expectedToken !== undefined,
      readTokenField: privateReads,
      ...extra,
    });
    send(res, status, body, HTML, { 'Content-Security-Policy': PAGE_CSP }, head);
  }

  async function perform(
    op: Operation,
    path: string,
    head: boolean,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    switch (op.kind) {
      case 'page':
        return sendPage(res, path, head, { after: op.after });
      case 'get': {
        const entry = engine.get(op.key);
        if (op.html) return sendPage(res, path, head, { shownValue: { key: op.key, value: entry?.value } });
        if (!entry && op.rest)
          return send(
            res,
            404,
            `no such key: ${JSON.stringify(op.key)}\n`,
            TEXT,
            { 'X-Plainwire-Version': 0 },
            head,
          );
        return send(res, 200, entry?.value ?? '', TEXT, { 'X-Plainwire-Version': entry?.version ?? 0 }, head);
      }
      case 'set': {
        const result = await engine.set(op.key, op.value, {
          ifVersion: op.ifVersion,
          ttlMs: op.ttlSeconds !== undefined ? Math.round(op.ttlSeconds * 1000) : undefined,
        });
        if (!result.ok) return conflict(res, op, result.version, path);
        if (op.html)
          return sendPage(res, path, head, { notice: `set ${op.key} (version ${result.version})` });
        return send(res, 200, '', TEXT, { 'X-Plainwire-Version': result.version });
      }
      case 'unset': {
        const result = await engine.unset(op.key, { ifVersion: op.ifVersion });
        if (!result.ok) return conflict(res, op, result.version, path);
        if (op.html) return sendPage(res, path, head, { notice: `unset ${op.key}` });
        return send(res, 200, '', TEXT, { 'X-Plainwire-Version': 0 });
      }
      case 'keys':
        return streamKeys(res, head);
      case 'clear':
        await engine.clear();
        return send(res, 200, '', TEXT);
      case 'revision':
        return send(res, 200, JSON.stringify({ revision: engine.revision }), JSON_TYPE, undefined, head);
      case 'list': {
        const page = engine.list({ prefix: op.prefix, after: op.after, limit: op.limit });
        const body = JSON.stringify({
          revision: page.revision,
          items: page.items.map((e) => ({
            key: e.key,
            value: e.value,
            version: e.version,
            ...(e.expiresAt !== undefined ? { ttlMs: Math.max(0, e.expiresAt - Date.now()) } : {}),
          })),
          cursor: page.next === null ? null : encodeCursor(page.next),
        });
        return send(res, 200, body, JSON_TYPE, undefined, head);
      }
      case 'watch':
        return watch(op, head, req, res);
    }
  }

  /**
   * Every key, one per line, a batch at a time: between batches the event loop serves other clients, and a reader
   * that does not keep up pauses the listing (backpressure) instead of filling memory. A key changed during the
   * listing may or may not be in it; every key is listed at most once, in key order.
   */
  async function streamKeys(res: ServerResponse, head: boolean): Promise<void> {
    const headers: Record<string, string | number> = {
      'Content-Type': TEXT,
      'X-Plainwire-Revision': engine.revision,
    };
    if (stopping) headers.Connection = 'close';
    res.writeHead(200, headers);
    if (head) return void res.end();
    let after: string | undefined;
    for (;;) {
      const page = engine.list({ after, limit: KEYS_BATCH });
      const text = page.items.map((e) => `${e.key}\n`).join('');
      if (res.destroyed) return;
      const flowing = text === '' || res.write(text);
      if (page.next === null) break;
      after = page.next;
      if (!flowing && !(await drained(res))) return;
      // Always through the event loop: a write the socket took at once emits 'drain' on the next tick, and a chain
      // of ticks would never let the other clients' requests in.
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  }

  function conflict(
    res: ServerResponse,
    op: { key: string; ifVersion?: number; html: boolean },
    actual: number,
    path: string,
  ): void {
    const now = actual === 0 ? 'absent (version 0)' : `at version ${actual}`;
    const message = `version conflict: ${JSON.stringify(op.key)} is ${now}, not ${op.ifVersion}: read it again and retry`;
    // A form on the page: the page again, current, with the conflict on top.
    if (op.html) {
      sendPage(res, path, false, { notice: message }, 409);
      return;
    }
    send(res, 409, `${message}\n`, TEXT, { 'X-Plainwire-Version': actual });
  }

  function watch(
    op: Extract<Operation, { kind: 'watch' }>,
    head: boolean,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    const after = op.after ?? engine.revision;
    const answer = (): boolean => {
      const found = engine.changesAfter(after, op.match, MAX_WATCH_CHANGES);
      if (found.kind === 'compacted') {
        sendError(
          res,
          new ApiError(
            410,
            `revision ${after} is older than the change log (it starts after ${found.oldest}): list again and watch from the listed revision`,
          ),
          head,
        );
        return true;
      }
      if (found.kind === 'future') {
        sendError(
          res,
          new ApiError(
            410,
            `revision ${after} is newer than this store's ${found.revision} (was the store replaced?): list again and watch from the listed revision`,
          ),
          head,
        );
        return true;
      }
      if (found.changes.length === 0 && !timedOut && !stopping) return false;
      const body = JSON.stringify({ revision: found.revision, changes: found.changes.map(changeJson) });
      send(res, 200, body, JSON_TYPE, undefined, head);
      return true;
    };
    let timedOut = op.timeoutSeconds === 0;
    if (answer()) return;
    let timer: NodeJS.Timeout | undefined;
    let cancel = (): void => {};
    const finish = () => {
      cancel();
      if (timer) clearTimeout(timer);
      req.socket.off('close', finish);
    };
    cancel = hub.wait(op.match, () => {
      finish();
      if (!res.writableEnded && !res.destroyed) {
        timedOut = true; // whatever is there now is the answer
        answer();
      }
    });
    timer = setTimeout(() => {
      finish();
      timedOut = true;
      if (!res.writableEnded && !res.destroyed) answer();
    }, op.timeoutSeconds * 1000);
    // A client that goes away stops costing anything.
    req.socket.on('close', finish);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (path === PAGE_SCRIPT_PATH && query === '' && (req.method === 'GET' || req.method === 'HEAD'))
      return sendPageScript(req, res);
    let body: Buffer | undefined;
    if (req.method === 'POST' || req.method === 'PUT') {
      const read = await readBody(req, bodyLimits(req.headers['content-type']));
      if (read === 'too-large' || read === 'stalled') {
        // The body was drained as far as the discard bound, so the client reads this rather than a reset.
        res.shouldKeepAlive = false;
        return sendError(
          res,
          read === 'too-large'
            ? new ApiError(
                413,
                `the request body is over the limit: values are limited to ${maxValueBytes} bytes`,
                {
                  Connection: 'close',
                },
              )
            : new ApiError(
                408,
                `the request body stalled (no byte for ${bodyIdleTimeoutMs / 1000} s): send it at once`,
                { Connection: 'close' },
              ),
        );
      }
      if (read === 'aborted') return;
      body = read;
    }
    const parsed = parseRequest(
      {
        method: req.method ?? 'GET',
        path,
        query,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body,
      },
      { maxValueBytes },
    );
    if (parsed instanceof ApiError) return sendError(res, parsed, req.method === 'HEAD');
    if (parsed.write) {
      const foreign = refuseForeignWrite(
        {
          secFetchSite: req.headers['sec-fetch-site'] as string | undefined,
          origin: req.headers.origin,
          host: req.headers.host,
        },
        allowedOrigins,
      );
      if (foreign) return sendError(res, foreign);
    }
    if ((parsed.write || privateReads) && !tokenAccepted(parsed.token)) {
      const what = parsed.write ? 'writing to this store' : 'this store';
      return sendError(
        res,
        new ApiError(
          401,
          `${what} needs the store's token: send "Authorization: Bearer <token>" or add &token=<token>`,
          { 'WWW-Authenticate': 'Bearer realm="plainwire store"' },
        ),
        parsed.head,
      );
    }
    if (stopping && parsed.write)
      return sendError(
        res,
        new ApiError(503, 'the store is stopping: retry in a moment', { 'Retry-After': '1' }),
      );
    await perform(parsed.op, path, parsed.head, req, res);
  }

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: 5000,
      // How often node checks the two timeouts above; the default (30 s) would let a trickler hold a socket long.
      connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs ?? 1000),
    },
    (req, res) => {
      const started = debug ? performance.now() : 0;
      handle(req, res).then(
        () => {
          if (debug)
            log.debug(
              {
                method: req.method,
                url: req.url,
                status: res.statusCode,
                ms: +(performance.now() - started).toFixed(2),
              },
              'request',
            );
        },
        (err: unknown) => {
          const storage = err instanceof EngineWriteError;
          if (storage) log.warn({ code: err.code, method: req.method, url: req.url }, err.message);
          else log.error({ err, method: req.method, url: req.url }, 'request failed');
          if (res.headersSent) res.destroy();
          else if (storage)
            // 507 Insufficient Storage (RFC 4918): the write was refused whole; once the disk has room it may be retried.
            sendError(res, new ApiError(507, err.message, { 'Retry-After': '10' }));
          else
            sendError(
              res,
              new ApiError(500, `the store failed: ${(err as Error).message ?? err} (see the store's log)`),
            );
        },
      );
    },
  );

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, text] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request line and headers are over 16 KiB: send large values as a POST body']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'the request took too long to arrive: send it at once']
          : err.code === 'HPE_INVALID_URL'
            ? [
                400,
                'the URL has characters that must be percent-encoded: encode spaces, non-ASCII text and controls as %XX',
              ]
            : [400, `malformed HTTP request (${err.code ?? err.message}): send HTTP/1.1`];
    socket.end(rawResponse(status as number, text as string));
  });

  // A client that announces a body over the limit (Expect: 100-continue, as curl does for large bodies) is
  // refused before it sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const limits = bodyLimits(req.headers['content-type']);
    if (Number(req.headers['content-length'] ?? 0) > limits.maxBytes) {
      res.shouldKeepAlive = false;
      return sendError(
        res,
        new ApiError(
          413,
          `the request body is over the limit: values are limited to ${maxValueBytes} bytes`,
          {
            Connection: 'close',
          },
        ),
      );
    }
    res.writeContinue();
    server.emit('request', req, res);
  });

  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  let refusedSince = 0;
  const listener = cappedListener(server, maxConnections, () => {
    // One line per burst, not one per refused connection.
    if (refusedSince++ === 0)
      setTimeout(() => {
        log.warn(
          { refused: refusedSince },
          `connections over the cap (${maxConnections}) were refused with 503`,
        );
        refusedSince = 0;
      }, 5000).unref();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ host, port: options.port ?? 0, backlog: 2048 }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // The server owns its engine from the start: a store that could not listen must not keep the database
    // open (and locked) for whoever tries next in the same process.
    hub.close();
    await engine.close().catch(() => {});
    throw err;
  }
  listener.on('error', (err) => log.error({ err }, 'server error'));
  // node:http starts tracking connections (for its header and request timeouts) when it hears 'listening'; the
  // capped listener does the listening for it.
  server.emit('listening');
  const address = listener.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `http://${formatHostPort(host, port)}`;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      // The listener's close waits for every connection it accepted to end.
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      // Stops node:http's timeout checks; it answers "not running" since the listener is the one listening.
      server.close(() => {});
      hub.wakeAll();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
      await closed;
      clearTimeout(force);
      hub.close();
      await engine.close();
      log.info('stopped');
    })();
    return stopped;
  };

  log.info({ revision: engine.revision, data: options.dataDir ?? '(memory)' }, `listening on ${url}`);
  return { host, port, url, engine, watching: () => hub.size, stop };
}

/** Resolves true once `res` can take more, false if the client went away first. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
