// The connection of `plainwire connect`: sends lines as telnet does (each ended by "\r\n", or "\n" when asked)
// and hands over every line the server sends, empty ones included. LineClient is the client of the line
// protocols (no "\r" inside its lines, empty lines skipped); this one carries any text protocol typed by hand.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { dialLine } from '../line/dial.js';
import { reasonFromSocketError } from '../line/errors.js';
import { TextLineSplitter } from './lines.js';

export type LineEnd = '\r\n' | '\n';

export interface ConnectClientOptions {
  /** What ends each line sent: "\r\n" as telnet and the internet's text protocols (HTTP, SMTP), or "\n". */
  lineEnd: LineEnd;
  /** Longest line accepted from the server; a longer one ends the connection ('line-too-long'). */
  maxLineBytes: number;
  /** After end() or close(), how long to wait for the server to close before cutting. */
  lingerMs: number;
}

/**
 * Events: 'drain' (the socket took what was buffered). onClose reasons: 'client-closed' (close() was called),
 * 'server-closed', 'reset', 'timeout', 'line-too-long', 'error'.
 */
export class ConnectClient extends EventEmitter {
  onLine?: (line: string) => void;
  /** After each piece the server sends: the text of the line it left open ("login: "), or ''. */
  onPartial?: (text: string) => void;
  onClose?: (reason: string) => void;

  private socket: Socket | undefined;
  private readonly splitter: TextLineSplitter;
  private reason: string | undefined;
  /** close() was called: incoming lines are no longer delivered. */
  private closing = false;
  /** end() was called: nothing more is sent, but the server's lines still come. */
  private ended = false;
  private corked = false;

  constructor(private readonly options: ConnectClientOptions) {
    super();
    this.splitter = new TextLineSplitter(options.maxLineBytes);
  }

  /** Rejects with a LineConnectError whose message says what to do ("connection refused (is the server running?)"). */
  async connect(host: string, port: number, timeoutMs: number): Promise<void> {
    const socket = await dialLine(host, port, timeoutMs);
    this.socket = socket;
    this.attach(socket);
  }

  /** Sends one line (it must not hold a line break) with the chosen line end; an empty line is a line too. */
  send(line: string): void {
    const socket = this.socket;
    if (!socket || this.ended || this.closing || socket.destroyed) return;
    // Lines sent in one go (piped input) leave in one write, not one packet each.
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(line + this.options.lineEnd);
  }

  /** The open line the server left (see onPartial) was answered: the next line starts afresh. */
  dropPartial(): void {
    this.splitter.dropPartial();
  }

  /** Bytes handed to the socket but not yet accepted by the kernel. */
  get bufferedBytes(): number {
    return this.socket?.writableLength ?? 0;
  }

  /** Half-closes: no more lines from us, but the server's lines keep coming until it closes (or lingerMs). */
  end(): void {
    if (!this.socket || this.ended || this.closing) return;
    this.ended = true;
    this.socket.end();
    this.linger();
  }

  /** Closes; no more lines are delivered; onClose gets 'client-closed'. */
  close(): void {
    if (!this.socket || this.closing) return;
    this.closing = true;
    this.reason ??= 'client-closed';
    if (!this.ended) this.socket.end();
    this.linger();
  }

  private linger(): void {
    const socket = this.socket!;
    const timer = setTimeout(() => socket.destroy(), this.options.lingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (this.closing) return;
      for (const line of this.splitter.push(chunk)) {
        if (this.closing) return;
        this.onLine?.(line);
      }
      if (this.splitter.tooLong) {
        this.reason ??= 'line-too-long';
        socket.destroy();
        return;
      }
      this.onPartial?.(this.splitter.partial);
    });
    socket.on('end', () => {
      const last = this.splitter.end();
      if (last !== undefined && !this.closing) {
        // The open line is a line now, and no longer the prompt.
        this.onPartial?.('');
        this.onLine?.(last);
      }
      this.reason ??= 'server-closed';
      // The server is done; finish our side too.
      if (!this.ended) socket.end();
    });
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (err) => {
      this.reason ??= reasonFromSocketError(err);
    });
    socket.once('close', () => this.onClose?.(this.reason ?? 'server-closed'));
  }
}
