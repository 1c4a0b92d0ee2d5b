// ChatClient: the chat protocol for programs. Each command returns a promise of its one reply (replies come in
// command order, so a FIFO pairs them); events arrive through onEvent; the server's idle PING is answered.
import { LineClient } from '../line/index.js';
import { type ChatEvent, parseServerLine, quoteInput, type Reply } from './protocol.js';

export interface ChatClientOptions {
  /** Longest line accepted from the server; USERS with many users is long (default 1 MiB). */
  maxLineBytes?: number;
  /** How long a command waits for its reply (default 30 000 ms; flood control may delay replies). */
  replyTimeoutMs?: number;
  /** Answer the server's idle PING automatically (default true). */
  answerPings?: boolean;
}

/** A USERS or GROUPS reply: `USERS <total> <entry>... [+<more>]` (the `+<more>` when a page was cut short). */
export interface Listing {
  total: number;
  entries: string[];
  /** How many come after this page (0 on the last one). */
  more: number;
}

/** Reads the text of `OK USERS ...` or `OK GROUPS ...`; a name never starts with "+", so "+150" is the count. */
export function parseListing(text: string): Listing {
  const words = text.split(' ').filter((w) => w !== '');
  const entries = words.slice(2);
  const last = entries.at(-1);
  const more = last !== undefined && /^\+\d+$/.test(last) ? Number(entries.pop()!.slice(1)) : 0;
  const total = Number(words[1]);
  return { total: Number.isFinite(total) ? total : entries.length, entries, more };
}

export class ChatClientError extends Error {
  constructor(
    readonly code: 'CLOSED' | 'REPLY_TIMEOUT' | 'NO_GREETING' | 'NOT_CONNECTED',
    message: string,
  ) {
    super(message);
    this.name = 'ChatClientError';
  }
}

/** An ERROR reply, thrown by the helpers that expect OK (register, ...). */
export class ChatReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`${reply.code}: ${reply.text}`);
    this.name = 'ChatReplyError';
  }
  get code(): string {
    return this.reply.code ?? '';
  }
}

interface Pending {
  resolve(reply: Reply): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** Timed out or internal: its reply is consumed but nobody waits for it. */
  abandoned: boolean;
}

export class ChatClient {
  /** Every event (MESSAGE, PRIVATE, GROUP, JOINED, LEFT, RENAMED, PING, BYE...) as it arrives. */
  onEvent?: (event: ChatEvent) => void;
  /** Lines that are neither replies nor known events (a newer server); ignored by default. */
  onUnknownLine?: (line: string) => void;
  onClose?: (reason: string) => void;

  /** The server's HELLO line, once connected. */
  greeting = '';
  /** The name this client registered (after register() succeeds). */
  name: string | undefined;

  private readonly line: LineClient;
  private readonly replyTimeoutMs: number;
  private readonly answerPings: boolean;
  private readonly pending: Pending[] = [];
  private closeReason: string | undefined;
  private greeted: ((line: string) => void) | undefined;
  private notGreeted: ((reason: string) => void) | undefined;

  constructor(options: ChatClientOptions = {}) {
    this.line = new LineClient({ maxLineBytes: options.maxLineBytes ?? 1024 * 1024 });
    this.replyTimeoutMs = options.replyTimeoutMs ?? 30_000;
    this.answerPings = options.answerPings ?? true;
    this.line.onMessage = (line) => this.receive(line);
    this.line.onClose = (reason) => this.closed(reason);
  }

  get connected(): boolean {
    return this.line.connected;
  }

  /** Commands sent whose replies have not arrived yet. */
  get outstanding(): number {
    return this.pending.length;
  }

  /** Connects and waits for the server's HELLO; rejects with LineConnectError if the server is unreachable. */
  async connect(host: string, port: number, opts: { timeoutMs?: number } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const hello = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.greeted = undefined;
        reject(
          new ChatClientError(
            'NO_GREETING',
            `no HELLO from ${host}:${port} within ${timeoutMs} ms (is it a chat server?)`,
          ),
        );
      }, timeoutMs);
      this.greeted = (line) => {
        clearTimeout(timer);
        const word = line.split(' ', 1)[0];
        if (word === 'HELLO') {
          resolve(line);
          return;
        }
        // Something else listens there (a mail or web server...): say so now, not after a reply timeout.
        this.line.close();
        const said = quoteInput(line, 80);
        reject(
          new ChatClientError(
            'NO_GREETING',
            word === 'ERROR' || word === 'BYE'
              ? `${host}:${port} refused the connection: it said ${said}`
              : `${host}:${port} is not a chat server: it said ${said} where a chat server says HELLO`,
          ),
        );
      };
      this.notGreeted = (reason) => {
        clearTimeout(timer);
        reject(
          new ChatClientError(
            'NO_GREETING',
            `${host}:${port} closed the connection (${reason}) before its HELLO`,
          ),
        );
      };
    });
    try {
      await this.line.connect(host, port, { timeoutMs });
    } catch (err) {
      this.greeted = undefined;
      hello.catch(() => {});
      throw err;
    }
    this.greeting = await hello;
    return this.greeting;
  }

  /** Sends one raw command line and resolves with its reply (OK or ERROR: an ERROR resolves too). */
  command(line: string): Promise<Reply> {
    if (this.closeReason !== undefined || !this.line.send(line)) {
      return Promise.reject(new ChatClientError('NOT_CONNECTED', 'not connected to a chat server'));
    }
    return new Promise<Reply>((resolve, reject) => {
      const entry: Pending = { resolve, reject, timer: undefined, abandoned: false };
      entry.timer = setTimeout(() => {
        entry.abandoned = true;
        reject(
          new ChatClientError(
            'REPLY_TIMEOUT',
            `no reply to "${line.slice(0, 40)}" within ${this.replyTimeoutMs} ms`,
          ),
        );
      }, this.replyTimeoutMs);
      entry.timer.unref();
      this.pending.push(entry);
    });
  }

  /** Registers (or renames); rejects with ChatReplyError NAME_TAKEN / BAD_NAME. */
  async register(name: string): Promise<Reply> {
    const reply = await this.expectOk(`REGISTER ${name}`);
    this.name = reply.text.split(' ').pop();
    return reply;
  }

  message(text: string): Promise<Reply> {
    return this.expectOk(`MESSAGE ${text}`);
  }

  sendPrivate(names: readonly string[], text: string): Promise<Reply> {
    return this.expectOk(`PRIVATE ${names.join(',')} ${text}`);
  }

  join(group: string): Promise<Reply> {
    return this.expectOk(`JOIN ${group}`);
  }

  leave(group: string): Promise<Reply> {
    return this.expectOk(`LEAVE ${group}`);
  }

  sendToGroup(group: string, text: string): Promise<Reply> {
    return this.expectOk(`GROUP ${group} ${text}`);
  }

  /** The registered names (the first page of them, from a server that pages long listings). */
  async users(): Promise<string[]> {
    return (await this.listUsers()).entries;
  }

  /** One page of USERS: how many are registered in all, the names after `after`, and how many follow. */
  async listUsers(after?: string): Promise<Listing> {
    return parseListing((await this.expectOk(after ? `USERS ${after}` : 'USERS')).text);
  }

  async groups(): Promise<Array<{ group: string; members: number }>> {
    return (await this.expectOk('GROUPS')).text
      .split(' ')
      .slice(2)
      .filter((w) => w.includes(':'))
      .map((w) => {
        const colon = w.lastIndexOf(':');
        return { group: w.slice(0, colon), members: Number(w.slice(colon + 1)) };
      });
  }

  ping(token?: string): Promise<Reply> {
    return this.expectOk(token ? `PING ${token}` : 'PING');
  }

  /** Says QUIT, waits for OK BYE and the server's close. */
  async quit(reason?: string): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.closeReason !== undefined) resolve();
      else this.line.once('close', () => resolve());
    });
    await this.command(reason ? `QUIT ${reason}` : 'QUIT');
    await closed;
  }

  /** Closes at once; outstanding commands are rejected. */
  close(): void {
    this.line.close();
  }

  private async expectOk(line: string): Promise<Reply> {
    const reply = await this.command(line);
    if (!reply.ok) throw new ChatReplyError(reply);
    return reply;
  }

  private receive(line: string): void {
    if (this.greeted) {
      const greeted = this.greeted;
      this.greeted = undefined;
      greeted(line);
      return;
    }
    const parsed = parseServerLine(line);
    if (parsed.kind === 'reply') {
      const entry = this.pending.shift();
      if (!entry) return;
      clearTimeout(entry.timer);
      if (!entry.abandoned) entry.resolve(parsed.reply);
      return;
    }
    if (parsed.kind === 'unknown') {
      this.onUnknownLine?.(line);
      return;
    }
    if (parsed.event.type === 'PING' && this.answerPings && this.closeReason === undefined) {
      // Any line answers an idle PING; PING itself costs nothing and its reply is swallowed here.
      if (this.line.send(parsed.event.token ? `PING ${parsed.event.token}` : 'PING')) {
        this.pending.push({ resolve: () => {}, reject: () => {}, timer: undefined, abandoned: true });
      }
    }
    this.onEvent?.(parsed.event);
  }

  private closed(reason: string): void {
    this.closeReason = reason;
    if (this.greeted) {
      this.greeted = undefined;
      this.notGreeted?.(reason);
    }
    const pending = this.pending.splice(0);
    for (const entry of pending) {
      clearTimeout(entry.timer);
      if (!entry.abandoned)
        entry.reject(new ChatClientError('CLOSED', `connection closed (${reason}) before the reply`));
    }
    this.onClose?.(reason);
  }
}
