// LineClient: the client side of a line protocol. Lines arrive through onMessage (or the 'line' event) at any
// time; send() writes at once, with the lines of one synchronous burst sharing a single write.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { DEFAULT_MAX_LINE_BYTES, LineDecoder } from './decoder.js';
import { dialLine } from './dial.js';
import { LineError, reasonFromSocketError } from './errors.js';
import { hasLineBreak, joinLines } from './output.js';

export interface LineClientOptions {
  /** Longest line accepted from the server in bytes (default 4096); a longer one ends the connection. */
  maxLineBytes?: number;
  /** After close() or end(), how long to wait for the server to close before cutting (default 2000 ms). */
  lingerMs?: number;
}

/**
 * Events: 'line' (line: string), 'close' (reason: string), 'drain' (the socket took what was buffered). Close reasons: 'client-closed' (close() was called),
 * 'server-closed' (the server ended the connection), 'reset', 'timeout', 'line-too-long', 'error'.
 */
export class LineClient extends EventEmitter {
  onMessage?: (line: string) => void;
  onClose?: (reason: string) => void;

  private readonly maxLineBytes: number;
  private readonly lingerMs: number;
  private socket: Socket | undefined;
  private decoder: LineDecoder;
  private queue: string[] = [];
  private flushQueued = false;
  private isConnected = false;
  private connecting = false;
  /** close() was called: incoming lines are no longer delivered. */
  private closing = false;
  /** end() was called: we send nothing more but still listen. */
  private ended = false;
  private reason: string | undefined;

  constructor(options: LineClientOptions = {}) {
    super();
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.lingerMs = options.lingerMs ?? 2000;
    this.decoder = new LineDecoder({ maxLineBytes: this.maxLineBytes });
  }

  /** True between a successful connect() and the end of the connection (or close()). */
  get connected(): boolean {
    return this.isConnected && !this.closing;
  }

  /**
   * Connects; rejects with a LineConnectError (code CONNECT_FAILED or CONNECT_TIMEOUT) whose message says what
   * to do, e.g. "cannot connect to 127.0.0.1:9: connection refused (is the server running?)".
   */
  async connect(host: string, port: number, opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.socket || this.connecting)
      throw new LineError('ALREADY_CONNECTED', 'this LineClient already connected');
    this.connecting = true;
    try {
      const socket = await dialLine(host, port, opts.timeoutMs ?? 10_000);
      this.socket = socket;
      this.isConnected = true;
      this.attach(socket);
    } finally {
      // A failed attempt leaves the client as new: connect() may be tried again.
      this.connecting = false;
    }
  }

  /**
   * Sends one line ("\n" appended). Throws LineError LINE_HAS_NEWLINE if it contains "\n" or "\r". Returns false
   * if not connected (or after close()/end()).
   */
  send(line: string): boolean {
    if (hasLineBreak(line)) {
      throw new LineError('LINE_HAS_NEWLINE', 'a line sent with send() must not contain "\\n" or "\\r"');
    }
    if (!this.isConnected || this.closing || this.ended || !this.socket || this.socket.destroyed)
      return false;
    this.queue.push(line);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // A microtask, not a timer: no delay a person could notice, yet a loop of sends becomes one write.
      queueMicrotask(() => this.flush());
    }
    return true;
  }

  /** Bytes handed to the socket but not yet accepted by the kernel. */
  get bufferedBytes(): number {
    return this.socket?.writableLength ?? 0;
  }

  /**
   * Half-closes: sends what is queued and says "no more lines", but keeps delivering the server's lines until
   * the server closes (or lingerMs passes). How scripted sessions wait for their last replies.
   */
  end(): void {
    if (!this.socket || this.ended || this.closing) return;
    this.ended = true;
    this.flush();
    this.socket.end();
    this.startLinger();
  }

  /** Sends what is queued and closes; no more lines are delivered; onClose gets 'client-closed'. */
  close(): void {
    if (!this.socket || this.closing) return;
    this.closing = true;
    this.reason ??= 'client-closed';
    if (!this.ended) {
      this.flush();
      this.socket.end();
    }
    this.startLinger();
  }

  private startLinger(): void {
    const socket = this.socket!;
    const timer = setTimeout(() => socket.destroy(), this.lingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.queue.length === 0 || !this.socket || this.socket.destroyed) return;
    const chunk = joinLines(this.queue);
    this.queue = [];
    this.socket.write(chunk);
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (this.closing) return;
      const lines = this.decoder.push(chunk);
      for (const line of lines) {
        if (this.closing) return;
        this.deliver(line);
      }
      if (this.decoder.error !== null) {
        this.reason ??= 'line-too-long';
        socket.destroy();
      }
    });
    socket.on('end', () => {
      const last = this.decoder.end();
      if (last !== undefined && !this.closing) this.deliver(last);
      this.reason ??= 'server-closed';
      // The server is done; finish our side too (after anything still queued).
      if (!this.ended) {
        this.flush();
        socket.end();
      }
    });
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (err) => {
      this.reason ??= reasonFromSocketError(err);
    });
    socket.once('close', () => {
      this.isConnected = false;
      const reason = this.reason ?? 'server-closed';
      this.onClose?.(reason);
      this.emit('close', reason);
    });
  }

  private deliver(line: string): void {
    this.onMessage?.(line);
    this.emit('line', line);
  }
}
