// One client connection of a LineServer: its typed state, and its output side (coalesced, bounded writes).
// Reading and the hooks live in server.ts; this file owns what goes out and how the socket ends.
import type { Socket } from 'node:net';
import { LineError } from './errors.js';
import { type FlushScheduler, hasLineBreak, joinLines } from './output.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** How long a closing connection may take to deliver its last lines before it is cut. */
export const DEFAULT_LINGER_MS = 2000;

export interface ConnectionOptions {
  maxOutputBytes: number;
  scheduler: FlushScheduler;
  lingerMs?: number;
  /** Told when the socket stops taking output (true) and takes it again (false): the server reads less meanwhile. */
  onOutputBlocked?: (blocked: boolean) => void;
}

// A broadcast sends one string to many connections: measure it once, not once per recipient.
let lastMeasured = '';
let lastMeasuredBytes = 0;
function byteLengthOf(line: string): number {
  if (line !== lastMeasured) {
    lastMeasured = line;
    lastMeasuredBytes = Buffer.byteLength(line);
  }
  return lastMeasuredBytes;
}

export class Connection<S = Record<string, unknown>> {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The subclass's own per-connection fields (screen name, groups...), made by LineServer.createState. */
  state: S;

  private readonly socket: Socket;
  private readonly maxOutputBytes: number;
  private readonly scheduler: FlushScheduler;
  private readonly lingerMs: number;
  private readonly onOutputBlocked: ((blocked: boolean) => void) | undefined;
  private queue: string[] = [];
  private queuedBytes = 0;
  private waitingForDrain = false;
  /** Output beyond which the server stops reading this client (it is not keeping up with its replies). */
  private readonly outputHighWater: number;
  private outputBlocked = false;
  private isClosed = false;
  private reason: string | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(id: number, socket: Socket, options: ConnectionOptions) {
    this.id = id;
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.maxOutputBytes = options.maxOutputBytes;
    this.scheduler = options.scheduler;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.onOutputBlocked = options.onOutputBlocked;
    this.outputHighWater = Math.min(64 * 1024, Math.floor(this.maxOutputBytes / 4));
    this.state = {} as S;
    socket.on('drain', () => {
      this.waitingForDrain = false;
      this.flush();
    });
    socket.once('close', () => {
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      this.isClosed = true;
      this.queue = [];
      this.queuedBytes = 0;
    });
  }

  /** True once close() was called or the socket went away; send() then returns false. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Output queued here or in the socket, not yet accepted by the kernel. */
  get bufferedBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /** Bytes read from the client so far (what TCP backpressure keeps small while the server is behind). */
  get bytesRead(): number {
    return this.socket.bytesRead;
  }

  /** Why the connection ended (or is ending), once it is. */
  get closeReason(): string | undefined {
    return this.reason;
  }

  /**
   * Queues one line (a "\n" is appended). Throws LineError LINE_HAS_NEWLINE if the line contains "\n" or "\r":
   * a line is never silently split. Returns false if the connection is closed, or if this line pushed the
   * output over maxOutputBytes (the connection is then dropped as a slow consumer).
   */
  send(line: string): boolean {
    if (hasLineBreak(line)) {
      throw new LineError('LINE_HAS_NEWLINE', 'a line sent with send() must not contain "\\n" or "\\r"');
    }
    if (this.isClosed) return false;
    this.queue.push(line);
    this.queuedBytes += byteLengthOf(line) + 1;
    if (this.queuedBytes + this.socket.writableLength > this.maxOutputBytes) {
      this.abort('slow-consumer');
      return false;
    }
    if (this.queue.length === 1 && !this.waitingForDrain) this.scheduler.schedule(this);
    // One turn can read megabytes from a pipelining client; stop reading before its replies pile up.
    if (!this.outputBlocked && this.queuedBytes + this.socket.writableLength > this.outputHighWater) {
      this.updateOutputBlocked();
    }
    return true;
  }

  /**
   * Sends bytes that are not a line (telnet's answers to option requests) at once. They count against
   * maxOutputBytes like lines, so a peer that keeps asking and never reads is dropped as a slow consumer
   * instead of growing the server's memory. Returns false if the connection is (now) closed.
   */
  sendBytes(bytes: Uint8Array): boolean {
    if (this.isClosed) return false;
    if (this.queuedBytes + this.socket.writableLength + bytes.length > this.maxOutputBytes) {
      this.abort('slow-consumer');
      return false;
    }
    this.socket.write(bytes);
    return true;
  }

  /** Sends what is queued, then ends the socket. Lines already queued are delivered; later sends return false. */
  close(reason = 'server-closed'): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.reason ??= reason;
    this.writeQueued();
    this.socket.end();
    // Keep reading (and discarding) so the peer's FIN is seen even if its input was paused for backpressure.
    this.socket.resume();
    // A peer that neither reads nor closes must not keep the socket (and a stop()) waiting for ever.
    this.lingerTimer = setTimeout(() => this.socket.destroy(), this.lingerMs);
    this.lingerTimer.unref();
  }

  /** Drops the connection at once, discarding queued output. */
  abort(reason: string): void {
    this.reason ??= reason;
    this.isClosed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.socket.destroy();
  }

  /** @internal Called by the FlushScheduler once per turn, and on 'drain'. */
  flush(): void {
    if (this.waitingForDrain || this.socket.destroyed) return;
    if (this.queue.length > 0 && !this.writeQueued()) this.waitingForDrain = true;
    this.updateOutputBlocked();
  }

  private updateOutputBlocked(): void {
    const blocked =
      this.waitingForDrain || this.queuedBytes + this.socket.writableLength > this.outputHighWater;
    if (blocked === this.outputBlocked) return;
    this.outputBlocked = blocked;
    this.onOutputBlocked?.(blocked);
  }

  /** @internal The server records why the socket ended before the connection knew. */
  noteReason(reason: string): void {
    this.reason ??= reason;
    this.isClosed = true;
  }

  private writeQueued(): boolean {
    if (this.queue.length === 0 || this.socket.destroyed) return true;
    const chunk = joinLines(this.queue);
    this.queue = [];
    this.queuedBytes = 0;
    return this.socket.write(chunk);
  }
}
