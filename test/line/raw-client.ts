// A bare TCP client for framework tests: sends raw bytes, collects the lines it receives, counts 'data' events,
// and waits (with timeouts) for lines or for the end of the connection.
import { connect, type Socket } from 'node:net';

export class RawClient {
  readonly lines: string[] = [];
  dataEvents = 0;
  closed = false;
  readonly socket: Socket;
  private buffer = '';
  private readonly ready: Promise<void>;
  private readonly ended: Promise<void>;
  private wakers: Array<() => void> = [];

  constructor(port: number, host = '127.0.0.1', options: { readable?: boolean } = {}) {
    this.socket = connect({ port, host });
    this.socket.setEncoding('utf8');
    this.socket.on('error', () => {});
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.ended = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
    if (options.readable === false) this.socket.pause();
    else this.startReading();
  }

  /** Starts (or, for a client made with readable: false, begins late) collecting lines. */
  startReading(): void {
    this.socket.on('data', (chunk: string) => {
      this.dataEvents++;
      this.buffer += chunk;
      const parts = this.buffer.split('\n');
      this.buffer = parts.pop()!;
      for (const part of parts) this.lines.push(part);
      this.wake();
    });
    this.socket.resume();
  }

  connected(): Promise<void> {
    return this.ready;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until at least n lines have arrived; returns the first n. */
  async waitForLines(n: number, timeoutMs = 30_000): Promise<string[]> {
    await this.until(() => this.lines.length >= n, `${n} lines`, timeoutMs);
    return this.lines.slice(0, n);
  }

  async waitForLine(match: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const test = (l: string) => (typeof match === 'string' ? l === match : match.test(l));
    await this.until(() => this.lines.some(test), `a line matching ${String(match)}`, timeoutMs);
    return this.lines.find(test)!;
  }

  async waitForClose(timeoutMs = 30_000): Promise<void> {
    await this.until(() => this.closed, 'the connection to close', timeoutMs);
    await this.ended;
  }

  private async until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; lines so far: ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  end(): void {
    this.socket.end();
  }

  /** Closes with a TCP RST, as a crashed or killed client would. */
  reset(): void {
    this.socket.resetAndDestroy();
  }
}

/** Polls a condition (for server-side state with no event to wait on), failing after timeoutMs. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
