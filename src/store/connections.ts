// The store's sockets before HTTP sees them and after it is done with them: a cap on open connections (answered
// with a 503 a client can read), request bodies read with a size bound and an idle timeout, and a refused body
// drained rather than cut off, so a client still sending it reads the answer instead of "broken pipe".
import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

/** Open connections at most (watches included); more get 503. */
export const DEFAULT_MAX_CONNECTIONS = 1000;
/** A request body must keep arriving: no byte for this long and the request is answered 408. */
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 5000;
/** A refused body is read and thrown away up to this much before the connection closes. */
export const MIN_DISCARD_BYTES = 8 * 1024 * 1024;

const TEXT = 'text/plain; charset=utf-8';

/** A whole HTTP/1.1 response as text, for sockets that no ServerResponse owns. */
export function rawResponse(status: number, text: string, headers: Record<string, string> = {}): string {
  const body = `${text}\n`;
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${TEXT}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`;
}

/**
 * Reads and discards what the client still sends, up to `maxBytes` or `ms`, then closes: closing at once would
 * make the kernel reset the connection under a client that is still sending, before it reads our answer.
 */
export function lingerThenClose(socket: Socket, maxBytes = MIN_DISCARD_BYTES, ms = 2000): void {
  let seen = 0;
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) socket.destroy();
  });
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
  socket.on('error', () => {});
  socket.resume();
}

/**
 * Accepts connections for `http` on a plain net server, at most `max` at a time. At the cap, idle keep-alive
 * connections are closed first (they cost a slot and do nothing), and the newcomer gets a 503 with Retry-After.
 */
export function cappedListener(http: HttpServer, max: number, onRefused: () => void): NetServer {
  let open = 0;
  return createNetServer((socket) => {
    if (open >= max) {
      http.closeIdleConnections();
      onRefused();
      socket.end(
        rawResponse(503, `the store has too many connections open (${max}): retry in a moment`, {
          'Retry-After': '1',
        }),
      );
      lingerThenClose(socket, 64 * 1024, 1000);
      return;
    }
    open++;
    socket.once('close', () => open--);
    http.emit('connection', socket);
  });
}

export type BodyRead = Buffer | 'too-large' | 'stalled' | 'aborted';

export interface BodyLimits {
  /** Bodies over this are refused. */
  maxBytes: number;
  /** ... but read (and thrown away) up to this, so the client gets to read the refusal. */
  discardBytes: number;
  idleTimeoutMs: number;
}

/** Reads a request body within the limits: the bytes, or why not. */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<BodyRead> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.discardBytes) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = declared > limits.maxBytes;
    let timer = setTimeout(() => finish('stalled'), limits.idleTimeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) refused = true;
      if (size > limits.discardBytes) return finish('too-large');
      if (!refused) chunks.push(chunk);
      timer.refresh();
    };
    const onEnd = () => finish(refused ? 'too-large' : Buffer.concat(chunks, size));
    const onAbort = () => finish('aborted');
    const finish = (result: BodyRead) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
      resolve(result);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
    timer = timer.unref();
  });
}
