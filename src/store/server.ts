// The store server's lifecycle: open the engine, start node:http behind the connection cap, listen, and stop
// cleanly. What a request does is in requests.ts (and long-poll.ts for watches); answers in responses.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { type Logger, silentLogger } from '../log.js';
import { formatHostPort } from '../text/host-port.js';
import { DEFAULT_MAX_VALUE_BYTES } from './api.js';
import { assertUsableToken } from './client-protocol.js';
import {
  cappedListener,
  DEFAULT_BODY_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  rawResponse,
} from './connections.js';
import { type Engine, EngineUnavailableError, EngineWriteError } from './engine.js';
import { openLmdbEngine } from './lmdb.js';
import { MemoryEngine } from './memory.js';
import { parseAllowedOrigin } from './origin.js';
import { pageScriptSender } from './page-script.js';
import { RequestHandler } from './requests.js';
import { engineFailure, Responder } from './responses.js';
import { WatchHub } from './watch.js';

export { ApiError, MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES } from './api.js';
export { EngineOpenError, EngineUnavailableError, EngineWriteError } from './engine.js';
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
  /** Use this engine instead of opening one, e.g. an EtcdEngine (the server closes it on stop). */
  engine?: Engine;
  /** What the start line logs as where the data is, with `engine` (e.g. "etcd http://127.0.0.1:2379"). */
  engineDescription?: string;
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

const STOP_GRACE_MS = 2000;

async function openEngine(options: StoreServerOptions): Promise<Engine> {
  if (options.engine) return options.engine;
  if (options.dataDir !== undefined && !options.memory)
    return openLmdbEngine({
      path: options.dataDir,
      logRetention: options.logRetention,
      pruneIntervalMs: options.logPruneIntervalMs,
      diskReserveBytes: options.diskReserveBytes,
    });
  return new MemoryEngine({ logRetention: options.logRetention });
}

export async function startStoreServer(options: StoreServerOptions = {}): Promise<StoreServer> {
  const log = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  // Checked before the engine opens: a token no client could send in a Bearer header locks every client out.
  if (options.token !== undefined) assertUsableToken(options.token);
  const engine = await openEngine(options);
  const hub = new WatchHub(engine);
  let stopping = false;
  const isStopping = () => stopping;
  const responder = new Responder(engine, isStopping);
  const handler = new RequestHandler({
    engine,
    hub,
    responder,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS,
    token: options.token,
    privateReads: options.private === true,
    allowedOrigins: new Set((options.allowOrigins ?? []).map(parseAllowedOrigin)),
    isStopping,
    sendPageScript: pageScriptSender(options.pageScriptDir),
  });
  const server = createHttpServer(options, handler, responder, log);

  const listener = capConnections(server, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, log);
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

  log.info(
    { revision: engine.knownRevision, data: options.engineDescription ?? options.dataDir ?? '(memory)' },
    `listening on ${url}`,
  );
  return { host, port, url, engine, watching: () => hub.size, stop };
}

/** node:http with the store's timeouts, its request handler, and answers a client can read for broken requests. */
function createHttpServer(
  options: StoreServerOptions,
  handler: RequestHandler,
  responder: Responder,
  log: Logger,
): Server {
  const debug = log.isLevelEnabled('debug');
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
      handler.handle(req, res).then(
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
          if (err instanceof EngineWriteError || err instanceof EngineUnavailableError)
            log.warn({ code: err.code, method: req.method, url: req.url }, err.message);
          else log.error({ err, method: req.method, url: req.url }, 'request failed');
          if (res.headersSent) res.destroy();
          else responder.sendError(res, engineFailure(err));
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
    const limits = handler.bodyLimits(req.headers['content-type']);
    if (Number(req.headers['content-length'] ?? 0) > limits.maxBytes) {
      res.shouldKeepAlive = false;
      return responder.sendError(res, handler.tooLarge());
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  return server;
}

/** The listening socket, at most `max` connections open; refusals are logged once per burst, not once each. */
function capConnections(server: Server, max: number, log: Logger): NetServer {
  let refusedSince = 0;
  return cappedListener(server, max, () => {
    if (refusedSince++ === 0)
      setTimeout(() => {
        log.warn({ refused: refusedSince }, `connections over the cap (${max}) were refused with 503`);
        refusedSince = 0;
      }, 5000).unref();
  });
}
