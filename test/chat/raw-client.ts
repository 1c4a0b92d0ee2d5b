// The chat protocol over the line framework's raw test client (test/line/raw-client.ts): reads lines in order
// with a cursor and pairs commands with their replies, seeing exactly what telnet would.
import { RawClient as LineRawClient } from '../line/raw-client.js';

export class RawClient {
  private cursor = 0;
  /** Resolves when the connection has ended (either side). */
  readonly closed: Promise<void>;
  /** Events that reply() stepped over. */
  readonly skipped: string[] = [];

  private constructor(private readonly raw: LineRawClient) {
    this.closed = new Promise((resolve) => {
      if (raw.closed) resolve();
      else raw.socket.once('close', () => resolve());
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const raw = new LineRawClient(port, host);
    await raw.connected();
    return new RawClient(raw);
  }

  /** Connects and reads the HELLO greeting; with a name, registers too. */
  static async join(port: number, name?: string): Promise<RawClient> {
    const c = await RawClient.connect(port);
    const hello = await c.next();
    if (!hello.startsWith('HELLO ')) throw new Error(`expected HELLO, got ${hello}`);
    if (name) {
      const reply = await c.reply(`REGISTER ${name}`);
      if (reply !== `OK REGISTERED ${name}`) throw new Error(`cannot register ${name}: ${reply}`);
    }
    return c;
  }

  get lines(): readonly string[] {
    return this.raw.lines;
  }

  get socket(): LineRawClient['socket'] {
    return this.raw.socket;
  }

  get isClosed(): boolean {
    return this.raw.closed;
  }

  /** A string is sent as one line ending in "\r\n", as telnet sends it; a Buffer as it is. */
  send(data: string | Buffer): void {
    this.raw.write(typeof data === 'string' ? `${data}\r\n` : data);
  }

  /** The next unread line; fails at once if the connection ends without one. */
  async next(timeoutMs = 30_000): Promise<string> {
    const want = this.cursor + 1;
    const arrived = this.raw.waitForLines(want, timeoutMs);
    const ended = this.closed.then(() => {
      if (this.raw.lines.length < want)
        throw new Error(`connection closed; lines were:\n${this.raw.lines.join('\n')}`);
      return arrived;
    });
    try {
      await Promise.race([arrived, ended]);
    } finally {
      arrived.catch(() => {});
      ended.catch(() => {});
    }
    return this.raw.lines[this.cursor++]!;
  }

  /** Reads lines until one matches (equal to a string, or a pattern's match) and returns it; those before are dropped. */
  async until(match: RegExp | string): Promise<string> {
    for (;;) {
      const line = await this.next();
      if (typeof match === 'string' ? line === match : match.test(line)) return line;
    }
  }

  /** Sends a command and returns the next line (the reply, when no event is expected in between). */
  async ask(line: string): Promise<string> {
    this.send(line);
    return this.next();
  }

  /** Sends a command and returns its reply, skipping (and keeping aside) the events before it. */
  async reply(line: string): Promise<string> {
    this.send(line);
    for (;;) {
      const next = await this.next();
      if (next.startsWith('OK') || next.startsWith('ERROR')) return next;
      this.skipped.push(next);
    }
  }

  /** Unread lines so far. */
  unread(): string[] {
    return this.raw.lines.slice(this.cursor);
  }

  close(): void {
    this.raw.end();
  }

  destroy(): void {
    this.raw.socket.destroy();
  }
}
