// One imchat client's I/O loop on StoreClient: claims the name (presence with a TTL heartbeat), shows the room
// (listing, then watch), appends lines to its own log idempotently, keeps its cursor, and in turn mode executes
// what TurnMachine decides. Signs what it says with the user's key (identity.ts) and checks what others say
// (keyring.ts). Retries while the store is down; the pure parts live in keys.ts, live.ts, turn.ts, signature.ts.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RETRY_FIRST_MS, RETRY_MAX_MS, sleep } from '../store/retry.js';
import {
  CompactedError,
  NotAStoreError,
  StoreClient,
  StoreError,
  StoreUnavailableError,
  VersionConflictError,
} from '../store/client.js';
import { defaultConfigDir, type Identity, IdentityError, loadIdentity } from './identity.js';
import { Keyring } from './keyring.js';
import {
  cursorKey,
  formatCursorValue,
  formatLogValue,
  formatPresenceValue,
  formatTurnValue,
  type LogRecord,
  logKey,
  MAX_TEXT_CHARS,
  nameProblem,
  parseCursorValue,
  parseLogValue,
  parsePresenceValue,
  parseRoomKey,
  presenceKey,
  publicKeyKey,
  roomPrefix,
  sameName,
  seatKey,
  turnKey,
} from './keys.js';
import {
  type EntryCheck,
  logSenders,
  type RoomChange,
  type RoomEvent,
  RoomView,
  seqsToPrune,
} from './live.js';
import { checkLog, signLog } from './signature.js';
import { type TurnAction, TurnMachine } from './turn.js';
import { SeatedNotices } from './turn-notices.js';

export const DEFAULT_ROOM = 'lobby';
export const DEFAULT_HISTORY = 100;
/** A vanished client's presence expires after this; alive clients refresh it every third of it. */
export const DEFAULT_PRESENCE_TTL_SECONDS = 6;

export type SessionEvent =
  | RoomEvent
  | { kind: 'welcome'; room: string; name: string; present: string[]; turns: boolean }
  | { kind: 'turn'; state: 'mine' | 'partner' | 'other'; other?: string; turn: number };

export interface ImchatSessionOptions {
  url: string;
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
}

export type ImchatErrorCode =
  | 'UNREACHABLE'
  | 'NAME_IN_USE'
  | 'ROOM_FULL'
  | 'UNAUTHORIZED'
  | 'BAD_NAME'
  | 'NAME_TAKEN'
  | 'KEY_FILE'
  | 'STORE';

/** An expected failure to start, with a message a person can act on. */
export class ImchatError extends Error {
  constructor(
    readonly code: ImchatErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImchatError';
  }
}

/** Beyond one heartbeat: how long a "timed out" seen just after a store outage waits for its owner to return. */
// Two seconds: the owner's write after an outage is one durable commit, which a busy machine can slow down.
const OUTAGE_GRACE_MS = 2000;
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
  private readonly client: StoreClient;
  private view: RoomView;
  private readonly machine: TurnMachine | undefined;
  /** Turn mode: joins and leaves are shown for the seated two only. */
  private readonly notices: SeatedNotices | undefined;
  private readonly configDir: string;
  private identity: Identity | undefined;
  private readonly keyring: Keyring;
  private readonly checkEntry: EntryCheck;
  private readonly session = randomBytes(6).toString('hex');
  private readonly ttlSeconds: number;
  private readonly heartbeatMs: number;
  private readonly abort = new AbortController();
  private readonly options: ImchatSessionOptions;
  private resolveDone!: () => void;
  private queue: string[] = [];
  private nextSeq = 1;
  private ownSeqs: number[] = [];
  private lastSpokenTurn: number | undefined;
  private leaving = false;
  private stopped = false;
  private opened = false;
  private storeDown = false;
  /** When the store last came back after being unreachable (0: it never was). */
  private storeBackAt = 0;
  /** "timed out" notices held back after an outage, by name (see showRoomEvents). */
  private readonly heldLeaves = new Map<string, NodeJS.Timeout>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** When our presence was last written successfully (performance.now()). */
  private presenceAt = Number.NEGATIVE_INFINITY;
  private cursorRevision = 0;
  private cursorDirty = false;
  private cursorWriting: Promise<void> | undefined;
  private pumping: Promise<void> | undefined;
  private driving = false;
  private driveAgain = false;
  private lastWait = '';
  private full: string[] | undefined;
  private leavingPromise: Promise<void> | undefined;

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
      options.url,
      join(this.configDir, 'imchat', 'known-keys.json'),
    );
    this.checkEntry = (keyName, seq, record) =>
      checkLog(this.room, keyName, seq, record, this.keyring.get(keyName));
    this.view = new RoomView(this.room, this.name, this.checkEntry);
    this.machine = this.turns ? new TurnMachine(this.room, this.name) : undefined;
    const machine = this.machine;
    this.notices = machine ? new SeatedNotices((name) => machine.isSeated(name)) : undefined;
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
    const machine = this.machine;
    if (!machine) return this.view.present;
    return this.view.present.filter((name) => sameName(name, this.name) || machine.isSeated(name));
  }

  /** Queues one line to send (live) or to speak on our turn (turn mode). */
  send(text: string): void {
    if (this.leaving || this.stopped) return;
    if (text.length > MAX_TEXT_CHARS) {
      this.status(`message not sent: longer than ${MAX_TEXT_CHARS} characters`);
      return;
    }
    this.queue.push(text);
    if (this.machine) void this.drive();
    else void this.pump();
  }

  /** Turn mode: the turn key names our seat (as far as we have seen). */
  get myTurn(): boolean {
    const seat = this.machine?.mySeat;
    return seat !== undefined && this.machine?.turn?.seat === seat;
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
    if (this.stopped) return this.done;
    this.leaving = true;
    if (this.machine) {
      void this.drive();
    } else {
      while (this.pumping) await this.pumping;
      // Our own messages are shown when the watch brings them back; give it a moment so piped output is whole.
      const sent = this.ownSeqs[this.ownSeqs.length - 1] ?? 0;
      const deadline = performance.now() + ECHO_WAIT_MS;
      while (this.view.seenSeq(this.name) < sent && performance.now() < deadline && !this.stopped)
        await sleep(10, this.abort.signal);
      await this.leave();
    }
    return this.done;
  }

  /** Leave now (Ctrl-C): queued lines are dropped, a turn we hold is handed on, the seat freed. */
  async close(): Promise<void> {
    if (this.stopped) return this.done;
    this.queue = [];
    this.leaving = true;
    if (this.machine) {
      void this.drive();
      await Promise.race([this.done, sleep(LEAVE_TIMEOUT_MS)]);
    }
    await this.leave();
    return this.done;
  }

  /** Stops at once without telling the store anything, as a crash would (tests use it as an in-process SIGKILL). */
  abandon(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const timer of this.heldLeaves.values()) clearTimeout(timer);
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
    await this.publishKey(this.identity);
    await this.claimName();
    const [listing, cursorEntry] = await Promise.all([
      this.client.listAll(roomPrefix(this.room)),
      this.client.getEntry(cursorKey(this.room, this.name)),
    ]);
    await this.keyring.ensure(logSenders(this.room, listing.items));
    const cursor = cursorEntry ? parseCursorValue(cursorEntry.value) : undefined;
    let maxSeq = 0;
    let newestTurn: number | undefined;
    for (const item of listing.items) {
      const key = parseRoomKey(this.room, item.key);
      if (key?.kind !== 'log' || !sameName(key.name, this.name)) continue;
      // Only entries we signed are ours: a forger's entry in our log must not move our numbering or our turn.
      const record = parseLogValue(item.value);
      if (!record || this.checkEntry(key.name, key.seq, record) !== undefined) continue;
      this.ownSeqs.push(key.seq);
      if (key.seq > maxSeq) {
        maxSeq = key.seq;
        newestTurn = record.turn;
      }
    }
    this.ownSeqs.sort((a, b) => a - b);
    this.nextSeq = Math.max(cursor?.next ?? 1, maxSeq + 1);
    this.lastSpokenTurn = newestTurn;
    const loadOptions: { history: number; shownUpTo?: number } = { history: this.history };
    if (cursor) loadOptions.shownUpTo = cursor.revision;
    const loaded = this.view.load(listing.items, listing.revision, loadOptions);
    this.heartbeat = setInterval(() => void this.refreshPresence(), this.heartbeatMs);
    if (this.machine) {
      this.machine.load(listing.items, listing.revision);
      await this.drive();
      if (this.full) {
        await this.leave();
        throw new ImchatError(
          'ROOM_FULL',
          `room "${this.room}" is full: ${this.full.join(' and ')} are taking turns (turn mode seats two); pick another --room`,
        );
      }
    }
    this.notices?.start(this.present);
    this.options.onEvent({
      kind: 'welcome',
      room: this.room,
      name: this.name,
      present: this.present,
      turns: this.turns,
    });
    for (const event of loaded.events) this.options.onEvent(event);
    this.opened = true;
    // Only now: a change must not be shown before the welcome and the history it follows.
    void this.watchLoop(listing.revision);
    this.cursorRevision = this.view.revision;
    this.scheduleCursor();
    this.pruneOwnLog();
    if (this.machine) void this.drive();
  }

  /**
   * Publishes our public key under the name, create-only: the first key published for a name is the name's
   * (trust on first use). Another key there means someone else has the name on this store.
   */
  private async publishKey(identity: Identity): Promise<void> {
    const key = publicKeyKey(this.name);
    try {
      await this.client.set(key, identity.publicKey, { ifVersion: 0 });
      return;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
    }
    const published = await this.client.get(key);
    if (published === identity.publicKey) return;
    if (published === undefined) return this.publishKey(identity); // removed meanwhile: publish it again
    throw new ImchatError(
      'NAME_TAKEN',
      `the name "${this.name}" belongs to someone else on this store: ${key} holds another key than yours ` +
        `(${identity.file}); pick another --name, or use the key file of the first run that used this name`,
    );
  }

  /** The public key published for a name; waits out a store outage (the watch waits on it meanwhile). */
  private async fetchPublicKey(name: string): Promise<string | undefined> {
    for (let delay = RETRY_FIRST_MS; !this.stopped; delay = Math.min(RETRY_MAX_MS, delay * 2)) {
      try {
        return await this.client.get(publicKeyKey(name));
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        this.markDown(err);
        await sleep(delay, this.abort.signal);
      }
    }
    return undefined;
  }

  /**
   * Writes our presence. If another run holds the name, a live one refreshes it within a heartbeat: then the
   * name is in use; if nothing happens for longer than that, the holder has crashed and we take over.
   */
  private async claimName(): Promise<void> {
    const key = presenceKey(this.room, this.name);
    const value = formatPresenceValue({ session: this.session, since: Date.now(), name: this.name });
    for (let attempt = 0; attempt < 10; attempt++) {
      const entry = await this.client.getEntry(key);
      let ifVersion = 0;
      if (entry) {
        const waitSeconds = Math.max(1, Math.ceil(this.heartbeatMs / 1000 + 0.5));
        const answer = await this.client.watchOnce({
          key,
          after: entry.version,
          timeoutSeconds: waitSeconds,
        });
        const refreshed = answer.changes.some(
          (c) => c.type === 'set' && parsePresenceValue(c.value ?? '')?.session !== this.session,
        );
        if (refreshed)
          throw new ImchatError(
            'NAME_IN_USE',
            `the name "${this.name}" is in use in room "${this.room}" by another running client; pick another --name`,
          );
        if (answer.changes.length > 0) continue; // it left or expired meanwhile: look again
        ifVersion = entry.version;
      }
      try {
        const started = performance.now();
        const result = await this.client.set(key, value, { ifVersion, ttl: this.ttlSeconds });
        this.presenceAt = started;
        this.machine?.applyWrite({
          type: 'set',
          key,
          value,
          version: result.version,
          revision: result.version,
        });
        return;
      } catch (err) {
        if (!(err instanceof VersionConflictError)) throw err;
      }
    }
    throw new ImchatError('NAME_IN_USE', `could not claim the name "${this.name}": it keeps changing hands`);
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
        `${this.options.url} does not answer like a plainwire store (${err.message}); check the URL and port`,
      );
    return new ImchatError('STORE', `the store answered with an error: ${(err as Error).message}`);
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
    this.storeBackAt = Date.now();
    this.status('store reachable again; carrying on');
  }

  private async refreshPresence(): Promise<void> {
    if (this.stopped || this.leaving) return;
    try {
      await this.writePresence();
      this.markUp();
    } catch (err) {
      if (err instanceof StoreUnavailableError) this.markDown(err);
      else if (!this.stopped) this.status(`could not refresh presence: ${(err as Error).message}`);
    }
  }

  private async watchLoop(after: number): Promise<void> {
    if (this.options.pollIntervalMs !== undefined) return this.pollLoop(this.options.pollIntervalMs);
    let from = after;
    while (!this.stopped) {
      try {
        const changes = this.client.watch({
          prefix: roomPrefix(this.room),
          after: from,
          signal: this.abort.signal,
          onRetry: (err) => this.markDown(err),
        });
        for await (const change of changes) await this.onChange(change);
        return;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof CompactedError) {
          from = await this.relist();
          continue;
        }
        this.status(`watch failed: ${(err as Error).message}; retrying`);
        await sleep(1000, this.abort.signal);
        from = this.view.revision;
      }
    }
  }

  /** The busy-poll baseline: list the room every interval and feed what is new as if it had been watched. */
  private async pollLoop(intervalMs: number): Promise<void> {
    const prefix = roomPrefix(this.room);
    while (!this.stopped) {
      await sleep(intervalMs, this.abort.signal);
      if (this.stopped) return;
      try {
        const listing = await this.client.listAll(prefix);
        const seen = this.view.revision;
        const fresh = listing.items
          .filter((item) => item.version > seen)
          .sort((a, b) => a.version - b.version);
        for (const item of fresh) await this.onChange({ type: 'set', ...item, revision: item.version });
        const listed = new Set(listing.items.map((item) => item.key));
        for (const name of this.view.present) {
          const key = presenceKey(this.room, name);
          if (!listed.has(key) && listing.revision > this.view.revision)
            await this.onChange({ type: 'expire', key, version: 0, revision: listing.revision });
        }
      } catch (err) {
        if (err instanceof StoreUnavailableError) this.markDown(err);
      }
    }
  }

  /** The store no longer has the changes we missed: list the room again and go on from there. */
  private async relist(): Promise<number> {
    for (let delay = RETRY_FIRST_MS; !this.stopped; delay = Math.min(RETRY_MAX_MS, delay * 2)) {
      try {
        const listing = await this.client.listAll(roomPrefix(this.room));
        await this.keyring.ensure(logSenders(this.room, listing.items));
        this.markUp();
        if (listing.revision < this.view.revision) {
          // Revisions went back: the store restarted without its data (--memory). Everything in it is new.
          this.status('the store restarted without its data; carrying on in the empty room');
          if (this.identity)
            await this.publishKey(this.identity).catch((err: Error) => this.status(err.message));
          this.view = new RoomView(this.room, this.name, this.checkEntry);
          this.ownSeqs = [];
          void this.refreshPresence();
        }
        const loaded = this.view.load(listing.items, listing.revision, { history: this.history });
        this.machine?.load(listing.items, listing.revision);
        this.showRoomEvents(this.notices ? this.notices.filter(loaded.events) : loaded.events);
        this.cursorRevision = this.view.revision;
        this.scheduleCursor();
        if (this.machine) void this.drive();
        return listing.revision;
      } catch (err) {
        if (err instanceof StoreUnavailableError) this.markDown(err);
        await sleep(delay, this.abort.signal);
      }
    }
    return this.view.revision;
  }

  /**
   * Passes room events on, except right after a store outage: a store down longer than the presence TTL
   * expires everyone's presence when it comes back, though the clients are alive and write it again within a
   * heartbeat. So a "timed out" then waits that long, and is dropped (with the "joined" that follows) if its
   * owner is back by then.
   */
  private showRoomEvents(events: readonly RoomEvent[]): void {
    const ttlMs = this.ttlSeconds * 1000;
    for (const event of events) {
      // The watch reconnects on its own backoff, up to RETRY_MAX_MS after our writes found the store back, and
      // only then delivers the expiries: the window covers that wait as well as the TTL.
      if (event.kind === 'leave' && event.timedOut && Date.now() - this.storeBackAt < ttlMs + RETRY_MAX_MS) {
        clearTimeout(this.heldLeaves.get(event.name));
        const timer = setTimeout(() => {
          this.heldLeaves.delete(event.name);
          if (!this.stopped) this.options.onEvent(event);
        }, this.heartbeatMs + OUTAGE_GRACE_MS);
        this.heldLeaves.set(event.name, timer);
        continue;
      }
      const held = event.kind === 'join' ? this.heldLeaves.get(event.name) : undefined;
      if (held !== undefined) {
        clearTimeout(held);
        this.heldLeaves.delete(event.name);
        continue;
      }
      this.options.onEvent(event);
    }
  }

  private async onChange(change: RoomChange): Promise<void> {
    const key = parseRoomKey(this.room, change.key);
    // A new sender's key is looked up before their first entry is shown; the watch waits meanwhile, keeping order.
    if (key?.kind === 'log' && change.type === 'set' && this.keyring.needs(key.name))
      await this.keyring.ensure([key.name]);
    if (this.stopped) return;
    this.markUp();
    const events = this.view.apply(change);
    this.machine?.apply(change);
    this.showRoomEvents(this.notices ? this.notices.filter(events) : events);
    if (
      change.key === presenceKey(this.room, this.name) &&
      change.type !== 'set' &&
      !this.leaving &&
      !this.stopped
    )
      void this.refreshPresence(); // expired while the store was away: come back at once
    // Only a shown message moves the cursor: presence heartbeats would otherwise cost every reader a durable
    // write every few seconds, and a restart only looks at log entries above the cursor anyway.
    if (events.some((e) => e.kind === 'message') && this.view.revision > this.cursorRevision) {
      this.cursorRevision = this.view.revision;
      this.scheduleCursor();
    }
    if (this.machine) void this.drive();
  }

  /** One cursor write in flight at most; later moves coalesce into the next write. */
  private scheduleCursor(): void {
    this.cursorDirty = true;
    if (this.cursorWriting || this.stopped) return;
    this.cursorWriting = (async () => {
      let delay = RETRY_FIRST_MS;
      while (this.cursorDirty && !this.stopped) {
        this.cursorDirty = false;
        const value = formatCursorValue({ next: this.nextSeq, revision: this.cursorRevision });
        try {
          await this.client.set(cursorKey(this.room, this.name), value);
          delay = RETRY_FIRST_MS;
        } catch (err) {
          if (this.stopped) break;
          this.cursorDirty = true;
          if (err instanceof StoreUnavailableError) this.markDown(err);
          await sleep(delay, this.abort.signal);
          delay = Math.min(RETRY_MAX_MS, delay * 2);
        }
      }
    })().finally(() => (this.cursorWriting = undefined));
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    this.pumping = (async () => {
      while (this.queue.length > 0 && !this.stopped) {
        await this.append(this.queue[0]!);
        this.queue.shift();
      }
    })().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  /**
   * Appends one message to our own log. ifVersion=0 makes a retry after a lost answer harmless: if the key is
   * already there with our value, our earlier attempt landed; with another value, another run of our name took
   * that number, and we move on to the next one. Resolves false if the store refused the message itself.
   */
  private async append(text: string, turn?: number): Promise<boolean> {
    const record: LogRecord = { at: Date.now(), name: this.name, text };
    if (turn !== undefined) record.turn = turn;
    let delay = RETRY_FIRST_MS;
    while (!this.stopped) {
      const seq = this.nextSeq;
      const key = logKey(this.room, this.name, seq);
      // The signature covers the sequence number, so it is made for each number tried (Ed25519 is deterministic:
      // a retry of the same number writes the same value).
      const value = formatLogValue(signLog(this.identity!.privateKey, this.room, seq, record));
      try {
        try {
          await this.client.set(key, value, { ifVersion: 0 });
        } catch (err) {
          if (!(err instanceof VersionConflictError)) throw err;
          const entry = await this.client.getEntry(key);
          if (entry?.value !== value) {
            this.nextSeq = Math.max(this.nextSeq, seq + 1);
            continue;
          }
        }
        this.markUp();
        this.nextSeq = Math.max(this.nextSeq, seq + 1);
        this.ownSeqs.push(seq);
        this.pruneOwnLog();
        this.scheduleCursor();
        return true;
      } catch (err) {
        if (err instanceof StoreUnavailableError) {
          this.markDown(err);
          await sleep(delay, this.abort.signal);
          delay = Math.min(RETRY_MAX_MS, delay * 2);
          continue;
        }
        if (this.stopped) return false;
        this.status(`message not sent: ${(err as Error).message}`);
        return false;
      }
    }
    return false;
  }

  /** Old messages of our own log go: the writer prunes, so no two clients delete the same key. */
  private pruneOwnLog(): void {
    const newest = this.ownSeqs[this.ownSeqs.length - 1] ?? 0;
    const old = seqsToPrune(this.ownSeqs, newest, this.history);
    if (old.length === 0) return;
    this.ownSeqs = this.ownSeqs.filter((seq) => seq > newest - this.history);
    void (async () => {
      for (const seq of old) {
        if (this.stopped) return;
        await this.client.unset(logKey(this.room, this.name, seq)).catch(() => {});
      }
    })();
  }

  /** Runs TurnMachine's decisions until one is a wait; a call while running makes it look again. */
  private async drive(): Promise<void> {
    if (!this.machine) return;
    if (this.driving) {
      this.driveAgain = true;
      return;
    }
    this.driving = true;
    try {
      let conflicts = 0;
      for (;;) {
        this.driveAgain = false;
        if (this.stopped) return;
        const action = this.machine.decide({
          hasLine: this.queue.length > 0,
          leaving: this.leaving,
          lastSpokenTurn: this.lastSpokenTurn,
        });
        const outcome = await this.execute(this.machine, action);
        if (outcome === 'conflict') {
          conflicts++;
          if (conflicts > 3) await sleep(Math.min(500, 20 * conflicts), this.abort.signal);
        } else if (outcome === 'progress') conflicts = 0;
        if (outcome === 'idle' && !this.driveAgain) return;
      }
    } finally {
      this.driving = false;
    }
  }

  private async execute(machine: TurnMachine, action: TurnAction): Promise<'progress' | 'conflict' | 'idle'> {
    let key: string | undefined;
    try {
      switch (action.kind) {
        case 'claim-seat': {
          key = seatKey(this.room, action.seat);
          const r = await this.client.set(key, this.name, { ifVersion: action.ifVersion });
          machine.applyWrite({ type: 'set', key, value: this.name, version: r.version, revision: r.version });
          machine.seated(action.seat);
          break;
        }
        case 'confirm-turn':
          // Fresh presence first (unless just written): whoever sees our confirmation has then seen us present,
          // with most of the TTL still to run.
          if (performance.now() - this.presenceAt > this.heartbeatMs / 2) await this.writePresence();
          key = turnKey(this.room);
          await this.writeTurn(machine, key, formatTurnValue(action.turn), action.ifVersion);
          break;
        case 'set-turn':
          key = turnKey(this.room);
          await this.writeTurn(machine, key, formatTurnValue(action.turn), action.ifVersion);
          break;
        case 'release-seat': {
          key = seatKey(this.room, action.seat);
          const r = await this.client.unset(key, { ifVersion: action.ifVersion });
          machine.applyWrite({ type: 'unset', key, version: 0, revision: r.revision });
          break;
        }
        case 'speak': {
          const text = this.queue[0];
          if (text !== undefined && (await this.append(text, action.turn))) this.lastSpokenTurn = action.turn;
          this.queue.shift();
          break;
        }
        case 'room-full':
          this.full = action.holders;
          return 'idle';
        case 'wait':
          this.showWait(action);
          return 'idle';
        case 'done':
          void this.leave();
          return 'idle';
      }
      this.markUp();
      return 'progress';
    } catch (err) {
      if (this.stopped) return 'idle';
      if (err instanceof VersionConflictError && key !== undefined) {
        // Someone changed the key since we last saw it: read it now rather than wait for the watch.
        const entry = await this.client.getEntry(key).catch(() => undefined);
        machine.refresh(key, entry);
        return 'conflict';
      }
      if (err instanceof StoreUnavailableError) {
        this.markDown(err);
        await sleep(500, this.abort.signal);
        return 'conflict';
      }
      this.status(`turn step failed: ${(err as Error).message}`);
      await sleep(1000, this.abort.signal);
      return 'conflict';
    }
  }

  private async writeTurn(
    machine: TurnMachine,
    key: string,
    value: string,
    ifVersion: number,
  ): Promise<void> {
    const r = await this.client.set(key, value, { ifVersion });
    machine.applyWrite({ type: 'set', key, value, version: r.version, revision: r.version });
  }

  private async writePresence(): Promise<void> {
    const value = formatPresenceValue({ session: this.session, since: Date.now(), name: this.name });
    const started = performance.now();
    await this.client.set(presenceKey(this.room, this.name), value, { ttl: this.ttlSeconds });
    this.presenceAt = started;
  }

  private showWait(action: Extract<TurnAction, { kind: 'wait' }>): void {
    if (!this.opened) return;
    const key = `${action.reason} ${action.other ?? ''} ${action.turn ?? ''}`;
    if (key === this.lastWait) return;
    this.lastWait = key;
    const state = action.reason === 'line' ? 'mine' : action.reason;
    const event: SessionEvent = { kind: 'turn', state, turn: action.turn ?? 0 };
    if (action.other !== undefined) event.other = action.other;
    this.options.onEvent(event);
  }

  /** Says goodbye (presence removed, cursor saved) within a bounded time, then stops. */
  private leave(): Promise<void> {
    this.leavingPromise ??= (async () => {
      this.leaving = true;
      clearInterval(this.heartbeat);
      const goodbye = (async () => {
        if (this.cursorWriting) await this.cursorWriting;
        await this.client
          .set(
            cursorKey(this.room, this.name),
            formatCursorValue({ next: this.nextSeq, revision: this.cursorRevision }),
          )
          .catch(() => {});
        await this.client.unset(presenceKey(this.room, this.name)).catch(() => {});
      })();
      await Promise.race([goodbye, sleep(LEAVE_TIMEOUT_MS)]);
      this.abandon();
    })();
    return this.leavingPromise;
  }
}
