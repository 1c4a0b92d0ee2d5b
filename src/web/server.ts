// The static file server: resolves the directory, wires its parts together and owns the listening socket.
// The parts: gate.ts admits connections up to the limit, intake.ts reads each one's first line (answering
// HTTP/0.9 and non-HTTP itself, handing HTTP/1.x to node:http), responder.ts answers each request from plan.ts's
// decision, request-log.ts logs it.
import { realpath, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { listen } from '../net/listen.js';
import { formatHostPort } from '../text/host-port.js';
import { SmallFileCache } from './file-cache.js';
import type { SmallFile } from './files.js';
import { ConnectionGate } from './gate.js';
import { Intake } from './intake.js';
import { DEFAULT_LIMITS, type ServeLimits } from './limits.js';
import { requestLogger } from './request-log.js';
import { Responder } from './responder.js';

export { DEFAULT_LIMITS, type ServeLimits } from './limits.js';

export interface StaticServerOptions {
  /** The directory to serve. */
  root: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /**
   * Log each request's fields (method, path, status, bytes, ms, ...) as well as its one-line message. Default
   * true; the CLI turns it off on a terminal, where pino-pretty would print every field on a line of its own.
   */
  logFields?: boolean;
  limits?: Partial<ServeLimits>;
}

export interface StaticServer {
  /** The real path of the served directory. */
  root: string;
  host: string;
  port: number;
  /** http://host:port */
  url: string;
  stop(): Promise<void>;
}

/** A problem with the directory to serve, found before listening. */
export class ServeRootError extends Error {
  constructor(
    message: string,
    readonly code: 'ENOENT' | 'ENOTDIR',
  ) {
    super(message);
    this.name = 'ServeRootError';
  }
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const limits: ServeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';

  let root: string;
  try {
    root = await realpath(options.root);
  } catch {
    throw new ServeRootError(`${options.root} does not exist`, 'ENOENT');
  }
  if (!(await stat(root)).isDirectory())
    throw new ServeRootError(`${options.root} is not a directory`, 'ENOTDIR');

  const logRequest = requestLogger(logger, options.logFields !== false);
  const responder = new Responder(
    root,
    limits.maxListingEntries,
    new SmallFileCache<SmallFile>(limits.fileCacheBytes),
    logRequest,
    logger,
  );
  const gate = new ConnectionGate(limits.maxConnections, logger);

  const httpServer = createHttpServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      // node:http refuses a request timeout shorter than the headers timeout.
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      // Checked by the responder instead, to answer with a page that says what is missing.
      requireHostHeader: false,
    },
    (req, res) => {
      const socket = req.socket;
      intake.headArrived(socket);
      gate.slots.requestStarted(socket);
      res.once('close', () => gate.slots.requestEnded(socket));
      responder.answerHttp(req, res).catch((err: unknown) => {
        logger.error({ err }, 'request failed');
        res.destroy();
      });
    },
  );
  httpServer.timeout = limits.idleTimeoutMs;
  // By default node:http ends the socket as soon as the client ends its side, before an async handler has
  // answered; `printf 'GET / HTTP/1.0\r\n\r\n' | nc -N` would get nothing. With this (an old, undocumented
  // but stable switch) the answer in progress is sent first.
  (httpServer as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  httpServer.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, detail] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers are too large.']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'The request took too long to arrive.']
          : err.code === 'HPE_CR_EXPECTED' || err.code === 'HPE_LF_EXPECTED'
            ? [
                400,
                'Every line of a request ends in CR LF, the request line and headers alike (nc -C sends it).',
              ]
            : [400, 'The request is not valid HTTP.'];
    intake.answerRaw(socket, status, detail, `(${err.code ?? 'client error'})`);
  });
  // node:http starts its header/request timeout checks when it starts listening; it never listens here (the
  // net.Server below does, and hands it connections), so tell it to start them.
  httpServer.emit('listening');
  const intake = new Intake(limits, httpServer, responder, gate.slots, logRequest);

  const sockets = new Set<Socket>();
  // Half-open, as node:http itself runs its sockets: a client that ends its side may still read the answer.
  const netServer: NetServer = createNetServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (gate.admit(socket)) intake.accept(socket);
  });
  const { port } = await listen(netServer, { port: options.port ?? 8000, host }, (err) =>
    logger.error({ err }, 'server error'),
  );
  const url = `http://${formatHostPort(host, port)}`;

  let stopped: Promise<void> | undefined;
  return {
    root,
    host,
    port,
    url,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        netServer.close(() => resolve());
        httpServer.close(() => {});
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}
