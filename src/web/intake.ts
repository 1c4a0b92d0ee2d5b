// A new connection's first moments: read its first line, then hand real HTTP/1.x to node:http, answer HTTP/0.9
// through the responder, and refuse what is not HTTP with a page that says why. The whole first request head must
// arrive within a deadline, however slowly it trickles in.
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { ServeLimits } from './limits.js';
import { finishAndClose, rawResponse } from './raw-answer.js';
import { classifyFirstLine } from './request-line.js';
import type { LogRequest } from './request-log.js';
import type { Responder } from './responder.js';
import type { ConnectionSlots } from './slots.js';

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

export class Intake {
  /** Per connection still sending its first request head: stops its deadline once the head is in. */
  private readonly headDeadlines = new WeakMap<Socket, () => void>();

  constructor(
    private readonly limits: ServeLimits,
    private readonly httpServer: HttpServer,
    private readonly responder: Responder,
    private readonly slots: ConnectionSlots<Socket>,
    private readonly logRequest: LogRequest,
  ) {}

  /** Starts reading an admitted connection's first line. */
  accept(socket: Socket): void {
    this.startHeadDeadline(socket);
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
        if (received > this.limits.maxRequestLineBytes) {
          stopReadingFirstLine();
          this.answerRaw(socket, 414, 'The request line is too long.', '(request line too long)');
        }
        return;
      }
      stopReadingFirstLine();
      this.dispatchFirstLine(socket, data, newline);
    };
    // `printf 'GET /page1.html' | nc` sends a last line without a newline, then its end: answer that line, as
    // SimpleHTTPServer does.
    const onEnd = () => {
      stopReadingFirstLine();
      const data = chunks.length > 0 ? pending() : Buffer.alloc(0);
      if (data.length === 0) socket.destroy();
      else this.dispatchFirstLine(socket, data, data.length);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
  }

  /** The first request head is in (node:http has parsed it): its deadline no longer applies. */
  headArrived(socket: Socket): void {
    this.headDeadlines.get(socket)?.();
  }

  /** Answers with an error page written straight to the socket, then closes it. */
  answerRaw(socket: Socket, status: number, detail: string, line: string): void {
    this.headArrived(socket);
    const bytes = rawResponse(status, detail);
    socket.write(bytes);
    finishAndClose(socket);
    const fields = { method: '-', path: line.slice(0, 200), version: '-', remote: socket.remoteAddress };
    this.logRequest(fields, { status }, bytes.length, performance.now());
  }

  /**
   * The first request head must be in by the deadline however it trickles in; past it the client gets a 408
   * page, whichever stage (first line, bare-LF headers, node:http's parser) holds the connection. Later heads
   * on a kept-alive connection are node:http's (its headersTimeout).
   */
  private startHeadDeadline(socket: Socket): void {
    const timeoutMs = this.limits.headersTimeoutMs;
    const timer = setTimeout(() => {
      this.headDeadlines.delete(socket);
      // Nothing sent at all (an unused preconnection, a telnet left open): a page would go unread.
      if (socket.bytesRead === 0) {
        socket.destroy();
        return;
      }
      socket.removeAllListeners('end');
      this.answerRaw(
        socket,
        408,
        `The request (its line and headers) did not arrive within ${timeoutMs / 1000} s of connecting.`,
        '(request head timeout)',
      );
    }, timeoutMs);
    const stop = () => {
      clearTimeout(timer);
      this.headDeadlines.delete(socket);
    };
    this.headDeadlines.set(socket, stop);
    socket.once('close', stop);
  }

  /** Acts on a connection's first line; `data` starts with the line and holds all bytes read so far. */
  private dispatchFirstLine(socket: Socket, data: Buffer, lineEnd: number): void {
    if (lineEnd > this.limits.maxRequestLineBytes) {
      this.answerRaw(socket, 414, 'The request line is too long.', '(request line too long)');
      return;
    }
    const line = data.subarray(0, lineEnd).toString('latin1').replace(/\r$/, '');
    const kind = classifyFirstLine(line);
    switch (kind.kind) {
      case 'http1':
        if (data[lineEnd - 1] === 0x0d) this.handToHttp(socket, data);
        else this.readBareLfHead(socket, data);
        return;
      case 'http09':
        this.headArrived(socket);
        this.slots.requestStarted(socket);
        socket.setTimeout(this.limits.idleTimeoutMs, () => socket.destroy());
        this.responder
          .answerHttp09(socket, kind.target)
          .catch(() => socket.destroy())
          .finally(() => this.slots.requestEnded(socket));
        return;
      case 'version-not-supported':
        this.answerRaw(socket, 505, `${kind.version} is not supported; use HTTP/1.0 or HTTP/1.1.`, line);
        return;
      case 'not-implemented':
        this.answerRaw(
          socket,
          501,
          `This server does not know the method ${kind.method}; use GET or HEAD.`,
          line,
        );
        return;
      case 'bad':
        this.answerRaw(socket, 400, `Bad request: ${kind.detail}.`, line);
        return;
    }
  }

  private handToHttp(socket: Socket, data: Buffer): void {
    socket.setTimeout(0);
    socket.unshift(escapeRequestLine(data));
    this.httpServer.emit('connection', socket);
    socket.resume();
  }

  /**
   * `nc` (without -C) ends lines with a bare LF, which node:http refuses. A request line ending that way is
   * followed by headers ending that way too: read them up to the empty line, give them CRLFs and hand the
   * request on. Later requests on the connection must use CRLF (HTTP/1.0, as typed, has none).
   */
  private readBareLfHead(socket: Socket, first: Buffer): void {
    const limit = this.limits.maxRequestLineBytes + this.limits.maxHeaderBytes;
    let data = first;
    const finish = (): boolean => {
      const lfLf = data.indexOf('\n\n');
      const lfCrLf = data.indexOf('\n\r\n');
      const ends = [lfLf < 0 ? -1 : lfLf + 2, lfCrLf < 0 ? -1 : lfCrLf + 3].filter((i) => i >= 0);
      if (ends.length === 0) {
        if (data.length > limit) {
          stop();
          this.answerRaw(socket, 431, 'The request headers are too large.', '(headers too large)');
          return true;
        }
        return false;
      }
      const headEnd = Math.min(...ends);
      stop();
      const head = data.subarray(0, headEnd).toString('latin1').replace(/\r?\n/g, '\r\n');
      this.handToHttp(socket, Buffer.concat([Buffer.from(head, 'latin1'), data.subarray(headEnd)]));
      return true;
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      finish();
    };
    const onEnd = () => {
      stop();
      this.answerRaw(
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
}
