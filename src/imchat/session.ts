// One imchat client's I/O loop on StoreClient: claims the name, shows the room, appends lines to its own log
// idempotently, and in turn mode executes what TurnMachine decides. Signs what it says with the user's key
// (identity.ts). The parts with one job each live beside it: the lifecycle (phase.ts), the room feed and its
// verification hand-off (feed.ts, keyring.ts), the outage correction (held-leaves.ts), presence and the
// name's key (presence.ts), our own log (own-log.ts), the cursor (cursor.ts), turn mode's driver
// (turn-driver.ts), waiting out the store (retry.ts); the pure logic in keys.ts, live.ts, turn.ts, signature.ts.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NotAStoreError, StoreClient, StoreError, StoreUnavailableError } from '../store/client.js';
import { sleep } from '../store/retry.js';
import { CursorWriter } from './cursor.js';
import { ImchatError } from './errors.js';
import { RoomFeed } from './feed.js';
import { HeldLeaves } from './held-leaves.js';
import { defaultConfigDir, type Identity, IdentityError, loadIdentity } from './identity.js';
import { Keyring } from './keyring.js';
import {
  cursorKey,
  MAX_TEXT_CHARS,
  nameProblem,
  parseCursorValue,
  presenceKey,
  publicKeyKey,
  roomPrefix,
  sameName,
} from './keys.js';
import { type EntryCheck, logSenders, type RoomChange, type RoomEvent, RoomView } from './live.js';
import { OwnLog } from './own-log.js';
import { Lifecycle } from './phase.js';
import { Presence, publishKey } from './presence.js';
import { retry } from './retry.js';
import { checkLog } from './signature.js';
import { TurnDriver, type TurnEvent } from './turn-driver.js';

export { ImchatError, type ImchatErrorCode } from './errors.js';

export const DEFAULT_ROOM = 'lobby';
export const DEFAULT_HISTORY = 100;
/** A vanished client's presence expires after this; alive clients refresh it every third of it. */
export const DEFAULT_PRESENCE_TTL_SECONDS = 6;

export type SessionEvent =
  | RoomEvent
  | { kind: 'welcome'; room: string; name: string; present: string[]; turns: boolean }
  | TurnEvent;

export interface ImchatSessionOptions {
  /** The store's URL, or the URLs of the nodes of one clustered store (StoreClient fails over between them). */
  url: string | readonly string[];
  name: string;
  room?: string;
  turns?: boolean;
  token?: string;
  /** Messages a newcomer sees, and how many each writer keeps in its log. */
  history?: number;
  presenceTtlSeconds?: number;
  /** Where the signing key and the pinned keys of others live (default: defaultConfigDir(), identity.ts). */
  configDir?: string;
  /**
   * Poll the room with a listing every this many ms instead of watching it: the lab's busy poll, kept only so
   * that bench/imchat.ts can compare the two with the same client.
   */
  pollIntervalMs?: number;
  /** Called synchronously: when it returns, the event counts as shown (the cursor may move past it). */
  onEvent: (event: SessionEvent) => void;
  /** Diagnostics for stderr: store unreachable, reconnected, a message refused. */
  onStatus?: (message: string) => void;
  /** The lines not yet acknowledged by the store changed (a full-screen client shows them as held). */
  onQueue?: (queued: readonly string[]) => void;
}

/** How long leaving may take when the store is down: the presence TTL cleans up after us anyway. */
const LEAVE_TIMEOUT_MS = 3000;
/** At the end of piped input, how long to wait for our own last messages to come back through the watch. */
const ECHO_WAIT_MS = 2000;

export class ImchatSession {
  readonly room: string;
  readonly name: string;
  readonly turns: boolean;
  readonly history: number;
  /** Resolves when the session has left the room (or was abandoned). */
  readonly done: Promise<void>;
  private readonly options: ImchatSessionOptions;
  private readonly client: StoreClient;
  private readonly lifecycle = new Lifecycle();
  private readonly abort = new AbortController();
  private resolveDone!: () => void;
  private readonly configDir: string;
  private identity: Identity | undefined;
  private readonly keyring: Keyring;
  private readonly checkEntry: EntryCheck;
  private view: RoomView;
  private readonly feed: RoomFeed;
  private readonly notices: HeldLeaves;
  private readonly presence: Presence;
  private readonly cursor: CursorWriter;
  private readonly ttlSeconds: number;
  private readonly heartbeatMs: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private storeDown = false;
  /** Lines to send (live) or to speak on our turns (turn mode), oldest first. */
  private queue: string[] = [];
  private readonly log: OwnLog;
  private pumping: Promise<void> | undefined;
  private leavingPromise: Promise<void> | undefined;
  private readonly turn: TurnDriver | undefined;

  private constructor(options: ImchatSessionOptions) {
    this.options = options;
    this.room = options.room ?? DEFAULT_ROOM;
    this.name = options.name;
    this.turns = options.turns ?? false;
    this.history = Math.max(1, options.history ?? DEFAULT_HISTORY);
    this.ttlSeconds = Math.max(1, Math.round(options.presenceTtlSeconds ?? DEFAULT_PRESENCE_TTL_SECONDS));
    this.heartbeatMs = Math.floor((this.ttlSeconds * 1000) / 3);
    const clientOptions: { token?: string; timeoutMs: number } = { timeoutMs: 5000 };
    if (options.token !== undefined) clientOptions.token = options.token;
    this.client = new StoreClient(options.url, clientOptions);
    this.configDir = options.configDir ?? defaultConfigDir();
    this.keyring = new Keyring(
      (name) => this.fetchPublicKey(name),
      // Pins belong to the store, whichever of its nodes answers: several URLs are one store, named by all of them.
      typeof options.url === 'string' ? options.url : this.client.urls.join(','),
      join(this.configDir, 'imchat', 'known-keys.json'),
    );
    this.checkEntry = (keyName, seq, record) =>
      checkLog(this.room, keyName, seq, record, this.keyring.get(keyName));
    this.view = new RoomView(this.room, this.name, this.checkEntry);
    const signal = this.abort.signal;
    this.feed = new RoomFeed(this.client, {
      room: this.room,
      keyring: this.keyring,
      signal,
      pollIntervalMs: options.pollIntervalMs,
      revision: () => this.view.revision,
      present: () => this.view.present,
      apply: (change) => this.onChange(change),
      relist: () => this.relist(),
      onUnavailable: (err) => this.markDown(err),
      onStatus: (message) => this.status(message),
    });
    this.notices = new HeldLeaves({
      ttlSeconds: this.ttlSeconds,
      heartbeatMs: this.heartbeatMs,
      show: (event) => options.onEvent(event),
    });
    this.presence = new Presence(this.client, {
      room: this.room,
      name: this.name,
      session: randomBytes(6).toString('hex'),
      ttlSeconds: this.ttlSeconds,
      heartbeatMs: this.heartbeatMs,
    });
    this.log = new OwnLog(this.client, {
      room: this.room,
      name: this.name,
      history: this.history,
      signal,
      onAppended: () => {
        this.markUp();
        this.cursor.schedule();
      },
      onUnavailable: (err) => this.markDown(err),
      onStatus: (message) => this.status(message),
    });
    this.cursor = new CursorWriter(this.client, {
      room: this.room,
      name: this.name,
      nextSeq: () => this.log.nextSeq,
      signal,
      onRetry: (err) => {
        if (err instanceof StoreUnavailableError) this.markDown(err);
      },
    });
    if (this.turns) {
      this.turn = new TurnDriver({
        client: this.client,
        room: this.room,
        name: this.name,
        heartbeatMs: this.heartbeatMs,
        signal,
        lifecycle: this.lifecycle,
        presence: this.presence,
        // The queue is replaced when the session closes: read it at each call.
        nextLine: () => this.queue[0],
        dropLine: () => {
          this.queue.shift();
          this.queueChanged();
        },
        append: (text, turn) => this.append(text, turn),
        leave: () => void this.leave(),
        markUp: () => this.markUp(),
        markDown: (err) => this.markDown(err),
        status: (message) => this.status(message),
        show: (event) => options.onEvent(event),
      });
    }
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Joins the room; rejects with an ImchatError when that is impossible (store unreachable, name in use...). */
  static async start(options: ImchatSessionOptions): Promise<ImchatSession> {
    for (const [kind, value] of [
      ['name', options.name],
      ['room', options.room ?? DEFAULT_ROOM],
    ] as const) {
      const problem = nameProblem(kind, value);
      if (problem) throw new ImchatError('BAD_NAME', problem);
    }
    const session = new ImchatSession(options);
    try {
      await session.open();
    } catch (err) {
      session.abandon();
      throw session.startError(err);
    }
    return session;
  }

  /** Who is present (in turn mode: of the two seats' holders). */
  get present(): string[] {
    const machine = this.turn?.machine;
    if (!machine) return this.view.present;
    return this.view.present.filter((name) => sameName(name, this.name) || machine.isSeated(name));
  }

  /** Queues one line to send (live) or to speak on our turn (turn mode). */
  send(text: string): void {
    if (this.lifecycle.leaving) return;
    if (text.length > MAX_TEXT_CHARS) {
      this.status(`message not sent: longer than ${MAX_TEXT_CHARS} characters`);
      return;
    }
    this.queue.push(text);
    this.queueChanged();
    if (this.turn) void this.turn.drive();
    else void this.pump();
  }

  /** Turn mode: the turn key names our seat (as far as we have seen). */
  get myTurn(): boolean {
    return this.turn?.myTurn ?? false;
  }

  /** Lines queued and not yet acknowledged by the store. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * The input ended: send (live) or speak (turn mode) every queued line, then leave. Resolves once left. In turn
   * mode that waits for our turns; while the store is down it waits for the store.
   */
  async end(): Promise<void> {
    if (this.lifecycle.stopped) return this.done;
    this.lifecycle.leave();
    if (this.turn) {
      void this.turn.drive();
    } else {
      while (this.pumping) await this.pumping;
      // Our own messages are shown when the watch brings them back; give it a moment so piped output is whole.
      const sent = this.log.newest;
      const deadline = performance.now() + ECHO_WAIT_MS;
      while (this.view.seenSeq(this.name) < sent && performance.now() < deadline && !this.lifecycle.stopped)
        await sleep(10, this.abort.signal);
      await this.leave();
    }
    return this.done;
  }

  /** Leave now (Ctrl-C): queued lines are dropped, a turn we hold is handed on, the seat freed. */
  async close(): Promise<void> {
    if (this.lifecycle.stopped) return this.done;
    this.queue = [];
    this.queueChanged();
    this.lifecycle.leave();
    if (this.turn) {
      void this.turn.drive();
      await Promise.race([this.done, sleep(LEAVE_TIMEOUT_MS)]);
    }
    await this.leave();
    return this.done;
  }

  /** Stops at once without telling the store anything, as a crash would (tests use it as an in-process SIGKILL). */
  abandon(): void {
    if (!this.lifecycle.stop()) return;
    clearInterval(this.heartbeat);
    this.notices.close();
    this.abort.abort();
    this.client.close();
    this.resolveDone();
  }

  private async open(): Promise<void> {
    try {
      this.identity = loadIdentity(this.configDir, this.name);
    } catch (err) {
      if (err instanceof IdentityError) throw new ImchatError('KEY_FILE', err.message);
      throw err;
    }
    await publishKey(this.client, this.name, this.identity);
    await this.presence.claim((change) => this.turn?.machine.applyWrite(change));
    const [listing, cursorEntry] = await Promise.all([
      this.client.listAll(roomPrefix(this.room)),
      this.client.getEntry(cursorKey(this.room, this.name)),
    ]);
    await this.keyring.ensure(logSenders(this.room, listing.items));
    const cursor = cursorEntry ? parseCursorValue(cursorEntry.value) : undefined;
    const newestTurn = this.log.load(listing.items, this.checkEntry, cursor?.next);
    const loadOptions: { history: number; shownUpTo?: number } = { history: this.history };
    if (cursor) loadOptions.shownUpTo = cursor.revision;
    const loaded = this.view.load(listing.items, listing.revision, loadOptions);
    this.heartbeat = setInterval(() => void this.refreshPresence(), this.heartbeatMs);
    const turn = this.turn;
    if (turn) {
      turn.lastSpokenTurn = newestTurn;
      turn.machine.load(listing.items, listing.revision);
      await turn.drive();
      if (turn.full) {
        await this.leave();
        throw new ImchatError(
          'ROOM_FULL',
          `room "${this.room}" is full: ${turn.full.join(' and ')} are taking turns (turn mode seats two); pick another --room`,
        );
      }
      turn.seated.start(this.present);
    }
    this.options.onEvent({
      kind: 'welcome',
      room: this.room,
      name: this.name,
      present: this.present,
      turns: this.turns,
    });
    for (const event of loaded.events) this.options.onEvent(event);
    this.lifecycle.open();
    // Only now: a change must not be shown before the welcome and the history it follows.
    void this.feed.run(listing.revision);
    this.cursor.moveTo(this.view.revision);
    this.log.prune();
    void this.turn?.drive();
  }

  /** The public key published for a name; waits out a store outage (the feed waits on it meanwhile). */
  private fetchPublicKey(name: string): Promise<string | undefined> {
    return retry(() => this.client.get(publicKeyKey(name)), {
      signal: this.abort.signal,
      retryable: (err) => err instanceof StoreUnavailableError,
      onRetry: (err) => this.markDown(err as StoreUnavailableError),
    });
  }

  private startError(err: unknown): ImchatError {
    if (err instanceof ImchatError) return err;
    if (err instanceof StoreUnavailableError)
      return new ImchatError(
        'UNREACHABLE',
        // The store client's message already names the store ("cannot reach URL: connection refused").
        `${err.message} (is \`plainwire store\` running there?)`,
      );
    if (err instanceof StoreError && err.code === 'UNAUTHORIZED')
      return new ImchatError('UNAUTHORIZED', `the store refused us (401): pass its token with --token`);
    // The client's own check, the one `plainwire kv` reports too: it names the URL and says what to check.
    if (err instanceof NotAStoreError) return new ImchatError('STORE', err.message);
    if (err instanceof StoreError && err.code === 'BAD_RESPONSE')
      return new ImchatError(
        'STORE',
        `${this.client.url} does not answer like a plainwire store (${err.message}); check the URL and port`,
      );
    return new ImchatError('STORE', `the store answered with an error: ${(err as Error).message}`);
  }

  private queueChanged(): void {
    this.options.onQueue?.([...this.queue]);
  }

  private status(message: string): void {
    this.options.onStatus?.(message);
  }

  private markDown(err: StoreUnavailableError): void {
    if (this.storeDown) return;
    this.storeDown = true;
    this.status(`store unreachable (${err.message}); waiting for it and retrying`);
  }

  private markUp(): void {
    if (!this.storeDown) return;
    this.storeDown = false;
    this.notices.storeBack();
    this.status('store reachable again; carrying on');
  }

  private async refreshPresence(): Promise<void> {
    if (this.lifecycle.leaving) return;
    try {
      await this.presence.write();
      this.markUp();
    } catch (err) {
      if (err instanceof StoreUnavailableError) this.markDown(err);
      else if (!this.lifecycle.stopped) this.status(`could not refresh presence: ${(err as Error).message}`);
    }
  }

  /** The store no longer has the changes we missed: list the room again and go on from there. */
  private async relist(): Promise<number> {
    const revision = await retry(
      async () => {
        const listing = await this.client.listAll(roomPrefix(this.room));
        await this.keyring.ensure(logSenders(this.room, listing.items));
        this.markUp();
        if (listing.revision < this.view.revision) {
          // Revisions went back: the store restarted without its data (--memory). Everything in it is new.
          this.status('the store restarted without its data; carrying on in the empty room');
          if (this.identity)
            await publishKey(this.client, this.name, this.identity).catch((err: Error) =>
              this.status(err.message),
            );
          this.view = new RoomView(this.room, this.name, this.checkEntry);
          this.log.forget();
          void this.refreshPresence();
        }
        const loaded = this.view.load(listing.items, listing.revision, { history: this.history });
        this.turn?.machine.load(listing.items, listing.revision);
        this.showRoomEvents(loaded.events);
        this.cursor.moveTo(this.view.revision);
        void this.turn?.drive();
        return listing.revision;
      },
      {
        signal: this.abort.signal,
        onRetry: (err) => {
          if (err instanceof StoreUnavailableError) this.markDown(err);
        },
      },
    );
    return revision ?? this.view.revision;
  }

  /** Turn mode shows the joins and leaves of the seated two only; then the outage correction (held-leaves.ts). */
  private showRoomEvents(events: readonly RoomEvent[]): void {
    this.notices.show(this.turn ? this.turn.seated.filter(events) : events);
  }

  private onChange(change: RoomChange): void {
    this.markUp();
    const events = this.view.apply(change);
    this.turn?.machine.apply(change);
    this.showRoomEvents(events);
    if (change.key === presenceKey(this.room, this.name) && change.type !== 'set' && !this.lifecycle.leaving)
      void this.refreshPresence(); // expired while the store was away: come back at once
    // Only a shown message moves the cursor: presence heartbeats would otherwise cost every reader a durable
    // write every few seconds, and a restart only looks at log entries above the cursor anyway.
    if (events.some((e) => e.kind === 'message') && this.view.revision > this.cursor.revision)
      this.cursor.moveTo(this.view.revision);
    void this.turn?.drive();
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    this.pumping = (async () => {
      while (this.queue.length > 0 && !this.lifecycle.stopped) {
        await this.append(this.queue[0]!);
        this.queue.shift();
        this.queueChanged();
      }
    })().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  /** Appends one line to our own log (own-log.ts), signed with our key. */
  private append(text: string, turn?: number): Promise<boolean> {
    return this.log.append(this.identity!.privateKey, text, turn);
  }

  /** Says goodbye (presence removed, cursor saved) within a bounded time, then stops. */
  private leave(): Promise<void> {
    this.leavingPromise ??= (async () => {
      this.lifecycle.leave();
      clearInterval(this.heartbeat);
      const goodbye = (async () => {
        await this.cursor.flush();
        await this.presence.remove();
      })();
      await Promise.race([goodbye, sleep(LEAVE_TIMEOUT_MS)]);
      this.abandon();
    })();
    return this.leavingPromise;
  }
}
