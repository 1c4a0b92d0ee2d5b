// The static file server's transport: a net.Server reads each connection's first line, answers HTTP/0.9 and
// non-HTTP itself, and hands real HTTP/1.x connections to node:http. Decisions come from plan.ts.
import { formatHostPort } from '../text/host-port.js';
import { type FileHandle, realpath, stat } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { sanitizeLine } from '../text/sanitize.js';
import { SmallFileCache } from './file-cache.js';
import { lookup, type SmallFile } from './files.js';
import { errorPage, reasonPhrase } from './pages.js';
import { errorResponse, planFound, planTarget, type RequestConditions, type ResponsePlan } from './plan.js';
import { classifyFirstLine } from './request-line.js';
import { ConnectionSlots } from './slots.js';

export interface ServeLimits {
  /** Longest first line (request line) accepted, in bytes; longer gets 414. */
  maxRequestLineBytes: number;
  /** Largest header block node:http accepts; larger gets 431. */
  maxHeaderBytes: number;
  /**
   * Time to send a request's whole head (its line and headers), counted from the connection (or, on a kept-alive
   * connection, from the start of the next request); a deadline, not an idle timer, so a client trickling a
   * byte at a time (slowloris) is closed too. A telnet user typing slowly may need more (--header-timeout).
   */
  headersTimeoutMs: number;
  /** Time for a whole request, headers and body. */
  requestTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /** How long an idle keep-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
  /**
   * Connections served at once. A newcomer past it takes the place of the connection that has waited longest
   * without a request in progress; only when all are being answered does it get a 503.
   */
  maxConnections: number;
  /** Entries shown in one directory listing. */
  maxListingEntries: number;
  /** Memory for small files kept between requests (0: read every file every time). */
  fileCacheBytes: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
  maxListingEntries: 10_000,
  fileCacheBytes: 32 * 1024 * 1024,
};

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

/** After the response, how long to keep reading (and dropping) what the client still sends before closing. */
const LINGER_MS = 2_000;

const SERVER_HEADER = 'plainwire';

function formatUrl(host: string, port: number): string {
  return `http://${formatHostPort(host, port)}`;
}

/** A full HTTP/1.0 response in bytes, for the answers written before node:http sees the connection. */
function rawResponse(status: number, detail: string, extra = ''): Buffer {
  const body = Buffer.from(errorPage(status, detail), 'utf8');
  const head =
    `HTTP/1.0 ${status} ${reasonPhrase(status)}\r\n` +
    `Server: ${SERVER_HEADER}\r\n` +
    extra +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Content-Type: text/html; charset=utf-8\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A header as one string (node:http joins repeated ones with ", ", which no range or date parses). */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * node:http refuses bytes over 0x7f in the request line, which is what a telnet user typing "/café.html" sends:
 * they become %-escapes, which the path decoding reads as the UTF-8 they are.
 */
function escapeRequestLine(data: Buffer): Buffer {
  const end = data.indexOf(0x0a);
  const line = data.subarray(0, end < 0 ? data.length : end);
  if (!line.some((byte) => byte > 0x7f)) return data;
  const escaped = line
    .toString('latin1')
    .replace(/[\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Buffer.concat([Buffer.from(escaped, 'latin1'), data.subarray(line.length)]);
}

/** Ends our side, drops whatever the client still sends for a moment (so no RST cuts the answer), then closes. */
function finishAndClose(socket: Socket): void {
  socket.end();
  socket.removeAllListeners('data');
  socket.on('data', () => {});
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
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

  const sockets = new Set<Socket>();
  const slots = new ConnectionSlots<Socket>(limits.maxConnections);
  /** Per connection still sending its first request head: stops its deadline once the head is in. */
  const headDeadlines = new WeakMap<Socket, () => void>();
  const fileCache = new SmallFileCache<SmallFile>(limits.fileCacheBytes);

  function logRequest(
    fields: { method: string; path: string; version: string; remote?: string },
    plan: Pick<ResponsePlan, 'status' | 'note'>,
    bytes: number,
    startedAt: number,
    aborted = false,
  ): void {
    const path = sanitizeLine(fields.path).slice(0, 300);
    const ms = Math.round((performance.now() - startedAt) * 10) / 10;
    const note = plan.note ?? (aborted ? 'aborted' : undefined);
    const message = `${fields.method} ${path} ${plan.status} ${bytes} B ${ms} ms${note ? ` (${note})` : ''}`;
    if (options.logFields === false) logger.info(message);
    else logger.info({ ...fields, path, status: plan.status, bytes, ms, ...(note ? { note } : {}) }, message);
  }

  /** The whole decision for one request; a found file comes back open, in `file`. */
  async function decide(method: string, target: string, conditions: RequestConditions) {
    const first = planTarget(method, target);
    if (first.kind === 'respond') return { plan: first.plan, file: undefined };
    const found = await lookup(root, first.segments, first.trailingSlash, {
      maxListingEntries: limits.maxListingEntries,
      cache: fileCache,
    });
    const plan = planFound(first, found, conditions);
    let file: { handle: FileHandle; start: number; end: number } | undefined;
    if (found.kind === 'file' && found.source.kind === 'handle') {
      if (plan.body.kind === 'file') file = { handle: found.source.handle, ...plan.body };
      else await found.source.handle.close();
    }
    return { plan, file };
  }

  async function decideSafely(method: string, target: string, conditions: RequestConditions) {
    try {
      return await decide(method, target, conditions);
    } catch (err) {
      logger.error({ err }, 'cannot answer a request');
      return { plan: errorResponse(500, 'The server could not read this file.'), file: undefined };
    }
  }

  async function answerHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    // node:http would refuse this with a bare 400 and an empty body; a person typing HTTP/1.1 by hand deserves
    // to learn why.
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      const plan = errorResponse(
        400,
        'HTTP/1.1 requests need a Host header: add a line such as "Host: 127.0.0.1", or ask with HTTP/1.0.',
      );
      res.writeHead(plan.status, { Server: SERVER_HEADER, ...plan.headers, Connection: 'close' });
      res.end(plan.body.kind === 'bytes' ? plan.body.bytes : undefined);
      logRequest(
        { method, path: target, version: req.httpVersion, remote: req.socket.remoteAddress },
        plan,
        0,
        startedAt,
      );
      return;
    }
    const { plan, file } = await decideSafely(method, target, {
      ifModifiedSince: req.headers['if-modified-since'],
      // A range is for a plain GET; on HEAD too (RFC 9110 allows either) it shows what GET would send.
      range: req.headers.range,
      ifRange: header(req, 'if-range'),
    });
    const fields = { method, path: target, version: req.httpVersion, remote: req.socket.remoteAddress };
    // An error answer may leave a request body unread; closing is simpler and safer than draining it.
    const headers: Record<string, string> = { Server: SERVER_HEADER, ...plan.headers };
    if (plan.status === 405 || plan.status === 400) headers.Connection = 'close';
    if (plan.status < 300) headers['X-Content-Type-Options'] = 'nosniff';
    if (res.destroyed) {
      await file?.handle.close();
      return;
    }
    res.writeHead(plan.status, headers);
    if (method === 'HEAD' || plan.body.kind === 'none') {
      await file?.handle.close();
      res.end();
      logRequest(fields, plan, 0, startedAt);
      return;
    }
    if (plan.body.kind === 'bytes') {
      res.end(plan.body.bytes);
      logRequest(fields, plan, plan.body.bytes.length, startedAt);
      return;
    }
    if (!file) throw new Error('a file body was planned without an open file');
    const stream = file.handle.createReadStream({ start: file.start, end: file.end });
    try {
      await pipeline(stream, res);
      logRequest(fields, plan, file.end - file.start + 1, startedAt);
    } catch {
      logRequest(fields, plan, res.socket?.bytesWritten ?? 0, startedAt, true);
    }
  }

  async function answerHttp09(socket: Socket, target: string): Promise<void> {
    const startedAt = performance.now();
    const { plan, file } = await decideSafely('GET', target, {});
    const fields = { method: 'GET', path: target, version: '0.9', remote: socket.remoteAddress };
    if (socket.destroyed) {
      await file?.handle.close();
      return;
    }
    // HTTP/0.9 has no status line and no headers: the answer is the document alone (or the error page).
    if (plan.body.kind === 'bytes') {
      socket.write(plan.body.bytes);
      logRequest(fields, plan, plan.body.bytes.length, startedAt);
    } else if (plan.body.kind === 'file' && file) {
      const stream = file.handle.createReadStream({ start: file.start, end: file.end });
      try {
        await pipeline(stream, socket, { end: false });
        logRequest(fields, plan, file.end - file.start + 1, startedAt);
      } catch {
        logRequest(fields, plan, 0, startedAt, true);
      }
    } else {
      logRequest(fields, plan, 0, startedAt);
    }
    if (!socket.destroyed) finishAndClose(socket);
  }

  function answerRaw(socket: Socket, status: number, detail: string, line: string): void {
    headDeadlines.get(socket)?.();
    const bytes = rawResponse(status, detail);
    socket.write(bytes);
    finishAndClose(socket);
    const path = line.slice(0, 200);
    const fields = { method: '-', path, version: '-', remote: socket.remoteAddress };
    logRequest(fields, { status }, bytes.length, performance.now());
  }

  const httpServer = createHttpServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      // node:http refuses a request timeout shorter than the headers timeout.
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      // Checked in answerHttp instead, to answer with a page that says what is missing.
      requireHostHeader: false,
    },
    (req, res) => {
      const socket = req.socket;
      headDeadlines.get(socket)?.();
      slots.requestStarted(socket);
      res.once('close', () => slots.requestEnded(socket));
      answerHttp(req, res).catch((err: unknown) => {
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
    answerRaw(socket, status, detail, `(${err.code ?? 'client error'})`);
  });
  // node:http starts its header/request timeout checks when it starts listening; it never listens here (the
  // net.Server below does, and hands it connections), so tell it to start them.
  httpServer.emit('listening');

  function handToHttp(socket: Socket, data: Buffer): void {
    socket.setTimeout(0);
    socket.unshift(escapeRequestLine(data));
    httpServer.emit('connection', socket);
    socket.resume();
  }

  /**
   * `nc` (without -C) ends lines with a bare LF, which node:http refuses. A request line ending that way is
   * followed by headers ending that way too: read them up to the empty line, give them CRLFs and hand the
   * request on. Later requests on the connection must use CRLF (HTTP/1.0, as typed, has none).
   */
  function readBareLfHead(socket: Socket, first: Buffer): void {
    const limit = limits.maxRequestLineBytes + limits.maxHeaderBytes;
    let data = first;
    const finish = (): boolean => {
      const lfLf = data.indexOf('\n\n');
      const lfCrLf = data.indexOf('\n\r\n');
      const ends = [lfLf < 0 ? -1 : lfLf + 2, lfCrLf < 0 ? -1 : lfCrLf + 3].filter((i) => i >= 0);
      if (ends.length === 0) {
        if (data.length > limit) {
          stop();
          answerRaw(socket, 431, 'The request headers are too large.', '(headers too large)');
          return true;
        }
        return false;
      }
      const headEnd = Math.min(...ends);
      stop();
      const head = data.subarray(0, headEnd).toString('latin1').replace(/\r?\n/g, '\r\n');
      handToHttp(socket, Buffer.concat([Buffer.from(head, 'latin1'), data.subarray(headEnd)]));
      return true;
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      finish();
    };
    const onEnd = () => {
      stop();
      answerRaw(
        socket,
        400,
        'The request ended before the empty line that ends its headers.',
        '(no empty line)',
      );
    };
    const stop = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.pause();
    };
    if (finish()) return;
    if (socket.readableEnded) {
      onEnd();
      return;
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.resume();
  }

  /** Acts on a connection's first line; `data` starts with the line and holds all bytes read so far. */
  function dispatchFirstLine(socket: Socket, data: Buffer, lineEnd: number): void {
    if (lineEnd > limits.maxRequestLineBytes) {
      answerRaw(socket, 414, 'The request line is too long.', '(request line too long)');
      return;
    }
    const line = data.subarray(0, lineEnd).toString('latin1').replace(/\r$/, '');
    const kind = classifyFirstLine(line);
    switch (kind.kind) {
      case 'http1':
        if (data[lineEnd - 1] === 0x0d) handToHttp(socket, data);
        else readBareLfHead(socket, data);
        return;
      case 'http09':
        headDeadlines.get(socket)?.();
        slots.requestStarted(socket);
        socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
        answerHttp09(socket, kind.target)
          .catch(() => socket.destroy())
          .finally(() => slots.requestEnded(socket));
        return;
      case 'version-not-supported':
        answerRaw(socket, 505, `${kind.version} is not supported; use HTTP/1.0 or HTTP/1.1.`, line);
        return;
      case 'not-implemented':
        answerRaw(socket, 501, `This server does not know the method ${kind.method}; use GET or HEAD.`, line);
        return;
      case 'bad':
        answerRaw(socket, 400, `Bad request: ${kind.detail}.`, line);
        return;
    }
  }

  let lastBusyLog = Number.NEGATIVE_INFINITY;
  let lastShedLog = Number.NEGATIVE_INFINITY;
  /** Past the connection limit: one short answer saying so (a bare reset looks like a crash), then close. */
  function refuseBusy(socket: Socket): void {
    const detail = `The server has ${limits.maxConnections} connections open, its limit; try again in a moment.`;
    socket.end(rawResponse(503, detail, 'Retry-After: 1\r\n'));
    // Read and drop what the client sends, so closing with unread bytes does not reset the answer away.
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), 1_000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    if (performance.now() - lastBusyLog > 10_000) {
      lastBusyLog = performance.now();
      logger.warn(
        { limit: limits.maxConnections },
        `${limits.maxConnections} connections open: refusing more with 503`,
      );
    }
  }

  /** Closes the connection that waited longest without asking anything, to make room for a newcomer. */
  function shed(socket: Socket): void {
    socket.destroy();
    if (performance.now() - lastShedLog > 10_000) {
      lastShedLog = performance.now();
      logger.warn(
        { limit: limits.maxConnections },
        `${limits.maxConnections} connections open: closing the ones idle longest to serve new ones`,
      );
    }
  }

  /**
   * The first request head must be in by the deadline however it trickles in; past it the client gets a 408
   * page, whichever stage (first line, bare-LF headers, node:http's parser) holds the connection. Later heads
   * on a kept-alive connection are node:http's (its headersTimeout).
   */
  function startHeadDeadline(socket: Socket): void {
    const timer = setTimeout(() => {
      headDeadlines.delete(socket);
      // Nothing sent at all (an unused preconnection, a telnet left open): a page would go unread.
      if (socket.bytesRead === 0) {
        socket.destroy();
        return;
      }
      socket.removeAllListeners('end');
      const seconds = limits.headersTimeoutMs / 1000;
      answerRaw(
        socket,
        408,
        `The request (its line and headers) did not arrive within ${seconds} s of connecting.`,
        '(request head timeout)',
      );
    }, limits.headersTimeoutMs);
    const stop = () => {
      clearTimeout(timer);
      headDeadlines.delete(socket);
    };
    headDeadlines.set(socket, stop);
    socket.once('close', stop);
  }

  function acceptConnection(socket: Socket): void {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const admission = slots.admit(socket);
    if (!admission.admitted) {
      refuseBusy(socket);
      return;
    }
    if (admission.shed) shed(admission.shed);
    socket.once('close', () => slots.release(socket));
    startHeadDeadline(socket);

    const chunks: Buffer[] = [];
    /** Bytes read so far, without the empty lines a request line may follow (RFC 9112 section 2.2). */
    const pending = (): Buffer => {
      const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let start = 0;
      while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
      return data.subarray(start);
    };
    const stopReadingFirstLine = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.pause();
    };
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const data = pending();
      const newline = data.indexOf(0x0a);
      if (newline < 0) {
        // Leading empty lines count too, or endless CRLFs would be buffered for ever.
        if (received > limits.maxRequestLineBytes) {
          stopReadingFirstLine();
          answerRaw(socket, 414, 'The request line is too long.', '(request line too long)');
        }
        return;
      }
      stopReadingFirstLine();
      dispatchFirstLine(socket, data, newline);
    };
    // `printf 'GET /page1.html' | nc` sends a last line without a newline, then its end: answer that line, as
    // SimpleHTTPServer does.
    const onEnd = () => {
      stopReadingFirstLine();
      const data = chunks.length > 0 ? pending() : Buffer.alloc(0);
      if (data.length === 0) socket.destroy();
      else dispatchFirstLine(socket, data, data.length);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
  }

  // Half-open, as node:http itself runs its sockets: a client that ends its side may still read the answer.
  const netServer: NetServer = createNetServer({ allowHalfOpen: true }, acceptConnection);
  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen(options.port ?? 8000, host, () => {
      netServer.off('error', reject);
      resolve();
    });
  });
  netServer.on('error', (err) => logger.error({ err }, 'server error'));
  const address = netServer.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8000);
  const url = formatUrl(host, port);

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
