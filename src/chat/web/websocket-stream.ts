// A `ws` WebSocket seen as the byte stream of "\n"-ended lines a LineServer reads and writes, so a web user is a
// connection of the same server as a TCP user: one text message in is one line, one line out is one message.
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { PeerStream } from '../../line/server.js';

/** Close codes of RFC 6455 this adapter sends or reads. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  abnormal: 1006,
  policy: 1008,
  tooBig: 1009,
} as const;

export interface WebSocketStreamOptions {
  remoteAddress: string | undefined;
  remotePort?: number | undefined;
  /**
   * Bytes ws may hold unsent before a write waits for them to leave (default 64 KiB). Output beyond it stays
   * in this stream, where the LineServer counts it against its slow-consumer bound.
   */
  highWaterBytes?: number;
}

/** Why a message was refused: the protocol's error line, then the close code. */
interface Refusal {
  line: string;
  code: number;
  reason: string;
}

const LF = 0x0a;
const CR = 0x0d;

export class WebSocketStream extends Duplex implements PeerStream {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  bytesRead = 0;
  private readonly ws: WebSocket;
  private readonly highWaterBytes: number;
  private refusal: Refusal | undefined;
  /** Completes the write waiting for ws's buffer to empty. */
  private waiting: (() => void) | undefined;

  constructor(ws: WebSocket, options: WebSocketStreamOptions) {
    // Strings stay strings on the way out (no Buffer round trip); the framework writes whole lines.
    super({ decodeStrings: false, allowHalfOpen: true });
    this.ws = ws;
    this.remoteAddress = options.remoteAddress;
    this.remotePort = options.remotePort;
    this.highWaterBytes = options.highWaterBytes ?? 64 * 1024;
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', (code) => this.onClose(code));
    // ws closes the socket after a protocol error (a payload over maxPayload, bad UTF-8) and 'close' follows.
    ws.on('error', (err) => this.emit('refused', err.message));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.refusal || this.readableEnded || this.writableEnded) return;
    if (isBinary) {
      this.refuse({
        line: 'ERROR BAD_MESSAGE binary messages are not lines: send each line as one text message',
        code: CLOSE.unsupportedData,
        reason: 'text messages only',
      });
      return;
    }
    if (data.includes(LF) || data.includes(CR)) {
      this.refuse({
        line: 'ERROR BAD_MESSAGE a message is one line: it must not contain a line break',
        code: CLOSE.policy,
        reason: 'one line per message',
      });
      return;
    }
    this.bytesRead += data.length + 1;
    // An empty message is an empty line, which the protocol ignores; the decoder skips it too.
    if (!this.push(Buffer.concat([data, NEWLINE]))) this.ws.pause();
  }

  /**
   * Ends the input (and emits 'refused' with the reason); the server then sends what it has queued and ends the
   * output, which sends the refusal and the close code.
   */
  private refuse(refusal: Refusal): void {
    this.refusal = refusal;
    this.emit('refused', refusal.reason);
    this.ws.pause();
    this.push(null);
  }

  private onClose(code: number): void {
    this.ws.removeAllListeners('message');
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
    if (code === CLOSE.abnormal) {
      // No closing handshake: the peer vanished, as a reset TCP connection does.
      this.destroy(
        Object.assign(new Error('WebSocket closed without a close frame'), { code: 'ECONNRESET' }),
      );
      return;
    }
    // As a TCP peer's FIN: the server reads what came before, then ends its side, and the stream closes.
    if (!this.readableEnded) this.push(null);
  }

  override _read(): void {
    if (!this.refusal) this.ws.resume();
  }

  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (err?: Error | null) => void,
  ): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.ws.readyState !== this.ws.OPEN) {
      callback();
      return;
    }
    let start = 0;
    let nl = text.indexOf('\n');
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (this.waiting === finish) this.waiting = undefined;
      callback();
    };
    while (nl !== -1) {
      const next = text.indexOf('\n', nl + 1);
      // ws calls back once the socket took the frame: the last line of the chunk tells when all of it left.
      if (next === -1) this.ws.send(text.slice(start, nl), finish);
      else this.ws.send(text.slice(start, nl));
      start = nl + 1;
      nl = next;
    }
    // Below the high-water mark the next chunk may come at once; above it this stream holds further output.
    if (this.ws.bufferedAmount <= this.highWaterBytes) finish();
    else this.waiting = finish;
  }

  override _final(callback: (err?: Error | null) => void): void {
    // The closing handshake needs the peer's close frame read; later messages are dropped in onMessage.
    this.ws.resume();
    if (this.ws.readyState === this.ws.OPEN) {
      if (this.refusal) {
        this.ws.send(this.refusal.line);
        this.ws.close(this.refusal.code, this.refusal.reason);
      } else this.ws.close(CLOSE.normal);
    }
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // A closing handshake under way is left to finish (ws bounds it), so the peer learns the close code.
    if (err || this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.terminate();
    }
    callback(err);
  }
}

const NEWLINE = Buffer.from([LF]);
