// A WebSocket chat client for tests, with the `ws` library: one line per text message, read in order with a
// cursor, commands paired with their replies, and the close code kept.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

/**
 * Builds the page from the current source into a directory of this test file's own (test files run in
 * parallel, and dist/web is npm run build's), and returns it for ChatWebServer's assetsDir.
 */
export function buildWebClient(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plainwire-web-'));
  execFileSync(process.execPath, ['scripts/build-web.mjs', dir], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, PLAINWIRE_QUIET_BUILD: '1' },
  });
  return dir;
}

export class WsLines {
  readonly lines: string[] = [];
  private cursor = 0;
  private wake: (() => void) | undefined;
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      this.lines.push(isBinary ? `<binary ${String(data)}>` : String(data));
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code) => {
        this.closeCode = code;
        this.wake?.();
        resolve(code);
      });
    });
    ws.on('error', () => {});
  }

  /** Opens ws://host:port/ws (Origin: the server's own page unless given) and reads HELLO; registers a name. */
  static async open(port: number, options: { origin?: string | null; name?: string } = {}): Promise<WsLines> {
    const origin = options.origin === undefined ? `http://127.0.0.1:${port}` : options.origin;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, origin === null ? {} : { origin });
    // Listening before 'open': the greeting may come in the same packet as the handshake's answer.
    const client = new WsLines(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const hello = await client.next();
    if (!hello.startsWith('HELLO ')) throw new Error(`expected HELLO, got ${hello}`);
    if (options.name) {
      const reply = await client.reply(`REGISTER ${options.name}`);
      if (reply !== `OK REGISTERED ${options.name}`) throw new Error(`cannot register: ${reply}`);
    }
    return client;
  }

  send(line: string | Buffer): void {
    this.ws.send(line);
  }

  /** The next unread message; fails if the socket closes without one. */
  async next(timeoutMs = 5000): Promise<string> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.wake?.();
    }, timeoutMs);
    try {
      while (this.cursor >= this.lines.length) {
        if (this.closeCode !== undefined) {
          throw new Error(`closed (${this.closeCode}); lines were:\n${this.lines.join('\n')}`);
        }
        if (timedOut)
          throw new Error(`no line within ${timeoutMs} ms; lines were:\n${this.lines.join('\n')}`);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
      return this.lines[this.cursor++]!;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a command and returns its reply, stepping over events. */
  async reply(line: string): Promise<string> {
    this.send(line);
    for (;;) {
      const next = await this.next();
      if (next.startsWith('OK') || next.startsWith('ERROR')) return next;
    }
  }

  /** Reads until a line equal to `line` (or matching it) arrives. */
  async waitFor(line: string | RegExp): Promise<string> {
    for (;;) {
      const next = await this.next();
      if (typeof line === 'string' ? next === line : line.test(next)) return next;
    }
  }

  close(): void {
    this.ws.close();
  }
}
