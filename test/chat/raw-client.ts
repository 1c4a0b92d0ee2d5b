// A bare TCP client for chat tests: sends raw bytes, reads lines in order, sees exactly what telnet would.
import { connect, type Socket } from 'node:net';

export class RawClient {
  readonly lines: string[] = [];
  private cursor = 0;
  private buffer = '';
  private waiter: (() => void) | undefined;
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl = this.buffer.indexOf('\n');
      while (nl >= 0) {
        this.lines.push(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
        nl = this.buffer.indexOf('\n');
      }
      this.waiter?.();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.waiter?.();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
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

  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? `${data}\r\n` : data);
  }

  /** The next unread line. */
  async next(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.lines.length) {
      if (this.isClosed) throw new Error(`connection closed; lines were:\n${this.lines.join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a line; lines were:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.lines[this.cursor++]!;
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

  /** Events that reply() stepped over. */
  readonly skipped: string[] = [];

  /** Unread lines so far. */
  unread(): string[] {
    return this.lines.slice(this.cursor);
  }

  close(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
