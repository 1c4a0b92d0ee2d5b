// LineServer: a TCP server of newline-terminated text lines with a small lifecycle of overridable hooks. It
// owns sockets, framing, per-connection hook ordering, inbound and outbound bounds, and a clean stop.
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type Logger, silentLogger } from '../log.js';
import { listen } from '../net/listen.js';
import { Connection, DEFAULT_LINGER_MS, DEFAULT_MAX_OUTPUT_BYTES } from './connection.js';
import { DEFAULT_MAX_LINE_BYTES, LineDecoder } from './decoder.js';
import { TelnetFilter } from './telnet.js';
import { reasonFromSocketError } from './errors.js';
import { FlushScheduler } from './output.js';

export interface LineServerOptions {
  /** Longest accepted line in bytes (default 4096), enforced while reading. */
  maxLineBytes?: number;
  /** Output a connection may have queued (default 1 MiB); beyond it the client is dropped as a slow consumer. */
  maxOutputBytes?: number;
  /** Where the framework logs hook failures and connection errors (default: silent). */
  logger?: Logger;
  /** Unprocessed lines per connection before its socket is paused (default 256). */
  maxPendingLines?: number;
  /** How long a closing connection may take to deliver its last lines (default 2000 ms). */
  lingerMs?: number;
  /** How long stop() waits for hooks and sockets before it cuts what is left (default 5000 ms). */
  stopTimeoutMs?: number;
  /**
   * Take telnet commands (IAC 0xFF sequences) out of the input and refuse telnet options, so telnet users can
   * press Ctrl-C safely (default false; servers meant for telnet turn it on).
   */
  telnet?: boolean;
}

/** A connection that is not a TCP socket (a WebSocket adapted to "\n"-ended lines): a Duplex plus its peer. */
export type PeerStream = Duplex & {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly bytesRead: number;
};

export type DisconnectReason =
  | 'client-closed'
  | 'server-closed'
  | 'reset'
  | 'line-too-long'
  | 'slow-consumer'
  | 'timeout'
  | 'server-stopping'
  | 'error'
  | (string & {});

/** The work queued for one connection; hooks run one item at a time, in this order. */
type InboxItem = string | { kind: 'too-long' } | { kind: 'end' } | { kind: 'disconnect' };

const TOO_LONG: InboxItem = { kind: 'too-long' };
const END: InboxItem = { kind: 'end' };
const DISCONNECT: InboxItem = { kind: 'disconnect' };

interface Session<S> {
  conn: Connection<S>;
  socket: Socket;
  decoder: LineDecoder;
  telnet: TelnetFilter | null;
  inbox: InboxItem[];
  head: number;
  /** A hook is running (or its promise pending): later items wait. */
  busy: boolean;
  /** More than maxPendingLines wait for the hooks. */
  inboxFull: boolean;
  /** The socket is not taking our output: a client that does not read its replies should not send more. */
  outputBlocked: boolean;
  paused: boolean;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export class LineServer<S extends object = Record<string, unknown>> {
  protected readonly logger: Logger;
  protected readonly maxLineBytes: number;
  protected readonly maxOutputBytes: number;
  private readonly maxPendingLines: number;
  private readonly lingerMs: number;
  private readonly telnet: boolean;
  private readonly stopTimeoutMs: number;
  private readonly scheduler = new FlushScheduler();
  private readonly live = new Set<Connection<S>>();
  private readonly sessions = new Set<Session<S>>();
  private server: Server | undefined;
  private listening: { host: string; port: number } | undefined;
  private nextId = 1;
  private stopping: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(options: LineServerOptions = {}) {
    this.logger = options.logger ?? silentLogger();
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.maxPendingLines = options.maxPendingLines ?? 256;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.telnet = options.telnet ?? false;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5000;
    // Fail at construction, not at the first connection.
    new LineDecoder({ maxLineBytes: this.maxLineBytes });
  }

  /** Runs onStart, then listens; resolves with the bound address (port 0 picks a free port). */
  async start(opts: { host?: string; port?: number } = {}): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('LineServer already started');
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 0;
    await this.onStart();
    // allowHalfOpen: a client that sends its last lines and then shuts down its side still gets the replies.
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    const address = await listen(server, { port, host }, (err) =>
      this.logger.error({ err }, 'listener error'),
    ).catch((err: unknown) => {
      this.server = undefined;
      throw err;
    });
    this.listening = { host: address.address, port: address.port };
    return { ...this.listening };
  }

  get address(): { host: string; port: number } {
    if (!this.listening) throw new Error('LineServer is not listening (call start() first)');
    return { ...this.listening };
  }

  /** Connections whose onDisconnect has not finished yet. */
  get connections(): ReadonlySet<Connection<S>> {
    return this.live;
  }

  /**
   * Calls onStop, sends goodbyeLine() to each client, flushes and closes every connection, and closes the
   * listener. Resolves when every onDisconnect has run (or stopTimeoutMs passed). Calling it again returns the
   * same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  /**
   * Serves a stream exactly as an accepted socket: same hooks, framing, limits, backpressure and stop(). The
   * stream must emit 'close' once it is over, as a socket does.
   */
  acceptStream(stream: PeerStream): void {
    this.accept(stream as Socket);
  }

  // ----- hooks: override these -----

  /** Makes the typed per-connection state, before onConnect. */
  protected createState(_conn: Connection<S>): S {
    return {} as S;
  }

  protected onStart(): void | Promise<void> {}

  protected onConnect(_conn: Connection<S>): void | Promise<void> {}

  protected onMessage(_conn: Connection<S>, _line: string): void | Promise<void> {}

  protected onDisconnect(_conn: Connection<S>, _reason: DisconnectReason): void | Promise<void> {}

  protected onStop(): void | Promise<void> {}

  /** Sent to every client by stop(); undefined sends nothing. */
  protected goodbyeLine(): string | undefined {
    return 'BYE server stopping';
  }

  /** Sent to a client whose line made a hook throw. */
  protected hookErrorLine(err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    return `ERROR INTERNAL ${message}`.replace(/[\r\n]+/g, ' ');
  }

  /** Sent before closing a connection whose line exceeded the limit. */
  protected lineTooLongLine(limit: number): string {
    return `ERROR LINE_TOO_LONG lines are limited to ${limit} bytes`;
  }

  // ----- machinery -----

  private accept(socket: Socket): void {
    let session: Session<S> | undefined;
    // Attached first: a reset can arrive before (or instead of) the first hook, and must never crash us.
    socket.on('error', (err) => this.onSocketError(session, err));
    if (this.stopping || socket.destroyed || socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    socket.setKeepAlive?.(true, 60_000);
    const conn = new Connection<S>(this.nextId++, socket, {
      maxOutputBytes: this.maxOutputBytes,
      scheduler: this.scheduler,
      lingerMs: this.lingerMs,
      onOutputBlocked: (blocked) => {
        if (!session) return;
        session.outputBlocked = blocked;
        this.updateFlow(session);
      },
    });
    try {
      conn.state = this.createState(conn);
    } catch (err) {
      this.logger.error({ err, conn: conn.id }, 'createState threw; dropping the connection');
      conn.abort('error');
      return;
    }
    const current: Session<S> = {
      conn,
      socket,
      decoder: new LineDecoder({ maxLineBytes: this.maxLineBytes }),
      telnet: this.telnet ? new TelnetFilter() : null,
      inbox: [],
      head: 0,
      busy: false,
      inboxFull: false,
      outputBlocked: false,
      paused: false,
    };
    session = current;
    this.live.add(conn);
    this.sessions.add(current);
    socket.on('data', (chunk: Buffer) => this.onData(current, chunk));
    socket.on('end', () => {
      // A peer may end without a final "\n"; its last words still count.
      const last = current.decoder.end();
      if (last !== undefined && !conn.closed) current.inbox.push(last);
      this.enqueue(current, END);
    });
    socket.once('close', () => {
      conn.noteReason('client-closed');
      this.enqueue(current, DISCONNECT);
    });
    this.runHook(current, 'onConnect', () => this.onConnect(conn));
  }

  private onSocketError(session: Session<S> | undefined, err: Error): void {
    const reason = reasonFromSocketError(err);
    if (!session) return;
    if (reason === 'error') this.logger.warn({ err, conn: session.conn.id }, 'connection error');
    else
      this.logger.debug(
        { conn: session.conn.id, code: (err as NodeJS.ErrnoException).code },
        'connection lost',
      );
    session.conn.noteReason(reason);
  }

  private onData(session: Session<S>, chunk: Buffer): void {
    // After close() (or an overlong line) the peer's further bytes have nobody to answer them; they are read
    // and dropped so the socket drains.
    if (session.conn.closed || session.decoder.error !== null) return;
    let data = chunk;
    if (session.telnet !== null) {
      const filtered = session.telnet.push(chunk);
      data = filtered.data;
      // Refusals answer the client's telnet, not a line, so they skip the line queue; they still count against
      // the output bound (a peer that sends DO forever and never reads is a slow consumer like any other).
      if (filtered.reply !== null && !session.conn.sendBytes(filtered.reply)) return;
    }
    const lines = session.decoder.push(data);
    for (let i = 0; i < lines.length; i++) session.inbox.push(lines[i]!);
    if (session.decoder.error !== null) session.inbox.push(TOO_LONG);
    if (!session.inboxFull && session.inbox.length - session.head > this.maxPendingLines) {
      session.inboxFull = true;
      this.updateFlow(session);
    }
    this.pump(session);
  }

  private enqueue(session: Session<S>, item: InboxItem): void {
    session.inbox.push(item);
    this.pump(session);
  }

  /** Runs queued items one at a time; a hook returning a promise holds back the rest of this connection. */
  private pump(session: Session<S>): void {
    if (session.busy) return;
    // busy also while synchronous hooks run, so nothing they trigger can start a second loop for this connection.
    session.busy = true;
    const { conn } = session;
    while (session.head < session.inbox.length) {
      const item = session.inbox[session.head]!;
      session.inbox[session.head] = '';
      session.head++;
      let pending: unknown;
      if (typeof item === 'string') {
        if (conn.closed) continue;
        pending = this.callHook(session, 'onMessage', () => this.onMessage(conn, item));
      } else if (item === TOO_LONG) {
        if (conn.closed) continue;
        this.logger.info({ conn: conn.id, limit: this.maxLineBytes }, 'line too long; closing');
        this.sendSafely(conn, this.lineTooLongLine(this.maxLineBytes));
        conn.close('line-too-long');
      } else if (item === END) {
        conn.close('client-closed');
      } else {
        const reason = conn.closeReason ?? 'client-closed';
        if (reason === 'slow-consumer') {
          this.logger.warn({ conn: conn.id, limit: this.maxOutputBytes }, 'client does not read; dropped');
        } else this.logger.debug({ conn: conn.id, reason }, 'disconnected');
        pending = this.callHook(session, 'onDisconnect', () => this.onDisconnect(conn, reason));
        if (pending === undefined) this.forget(session);
        else (pending as Promise<unknown>).then(() => this.forget(session));
        return;
      }
      if (pending !== undefined) {
        (pending as Promise<unknown>).then(() => {
          session.busy = false;
          this.pump(session);
        });
        return;
      }
    }
    session.busy = false;
    session.inbox.length = 0;
    session.head = 0;
    if (session.inboxFull) {
      session.inboxFull = false;
      this.updateFlow(session);
    }
  }

  /** TCP backpressure: stop reading a connection while its hooks or its output are behind, resume after. */
  private updateFlow(session: Session<S>): void {
    const pause = (session.inboxFull || session.outputBlocked) && !session.conn.closed;
    if (pause === session.paused || session.socket.destroyed) return;
    session.paused = pause;
    if (pause) session.socket.pause();
    else session.socket.resume();
  }

  /** Runs a hook outside the pump (onConnect at accept time). */
  private runHook(session: Session<S>, name: string, hook: () => unknown): void {
    const pending = this.callHook(session, name, hook);
    if (pending !== undefined) {
      session.busy = true;
      (pending as Promise<unknown>).then(() => {
        session.busy = false;
        this.pump(session);
      });
    }
  }

  /** Calls a hook; returns a promise (that never rejects) only if the hook is asynchronous. */
  private callHook(session: Session<S>, name: string, hook: () => unknown): Promise<void> | undefined {
    let result: unknown;
    try {
      result = hook();
    } catch (err) {
      this.hookFailed(session, name, err);
      return undefined;
    }
    if (!isPromiseLike(result)) return undefined;
    return Promise.resolve(result).then(
      () => undefined,
      (err: unknown) => this.hookFailed(session, name, err),
    );
  }

  private hookFailed(session: Session<S>, name: string, err: unknown): void {
    this.logger.error({ err, conn: session.conn.id, hook: name }, `${name} threw`);
    if (name === 'onDisconnect' || session.conn.closed) return;
    let line: string;
    try {
      line = this.hookErrorLine(err);
    } catch {
      line = 'ERROR INTERNAL';
    }
    this.sendSafely(session.conn, line);
  }

  private sendSafely(conn: Connection<S>, line: string): void {
    try {
      conn.send(line.replace(/[\r\n]+/g, ' '));
    } catch (err) {
      this.logger.error({ err, conn: conn.id }, 'could not send a framework line');
    }
  }

  private forget(session: Session<S>): void {
    this.sessions.delete(session);
    this.live.delete(session.conn);
    if (this.live.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private async stopNow(): Promise<void> {
    const server = this.server;
    const listenerClosed = new Promise<void>((resolve) => {
      if (!server) resolve();
      else server.close(() => resolve());
    });
    try {
      await this.onStop();
    } catch (err) {
      this.logger.error({ err }, 'onStop threw');
    }
    const goodbye = this.goodbyeLine();
    for (const conn of this.live) {
      if (conn.closed) continue;
      if (goodbye !== undefined) this.sendSafely(conn, goodbye);
      conn.close('server-stopping');
    }
    let timer: NodeJS.Timeout | undefined;
    const idle =
      this.live.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const timedOut = await Promise.race([
      idle.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.logger.warn({ left: this.live.size }, 'stop timed out waiting for connections; cutting them');
      for (const session of this.sessions) session.socket.destroy();
    }
    await listenerClosed;
  }
}
