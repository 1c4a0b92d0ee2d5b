// The chat server: the Room carried out over the line framework, plus what needs a clock: flood control
// (delaying commands beyond the bucket, cutting off clients far beyond it) and idle PINGs.
import { formatHostPort } from '../text/host-port.js';
import { type Connection, type DisconnectReason, LineServer, type LineServerOptions } from '../line/index.js';
import type { ClusterHandlers, ClusterLink } from './cluster/link.js';
import { ClusterRoom } from './cluster/room.js';
import { DEFAULT_FLOOD_LIMITS, FloodGate, type FloodLimits } from './flood.js';
import { formatError, formatEvent, formatGreeting } from './protocol.js';
import { type Delivery, type Outcome, Room, type RoomLimits } from './room.js';

export interface ChatServerOptions extends LineServerOptions, Partial<RoomLimits> {
  /** Silence after which the server sends PING <token> (default 120 000 ms). */
  idleMs?: number;
  /** How long a PINGed client has to send any line before it is dropped (default 30 000 ms). */
  pingTimeoutMs?: number;
  /** Flood control (defaults: burst 10, 5 commands/s, disconnect beyond 100 waiting commands). */
  flood?: Partial<FloodLimits>;
  /** How long JOINED/LEFT news may wait to be sent together (default 20 ms; see queuePresence). */
  presenceBatchMs?: number;
  /** Join other nodes into one chat through this link (chat-server --redis); without it the chat is alone. */
  cluster?: ClusterLink;
}

export const DEFAULT_IDLE_MS = 120_000;
/** Presence lines (one per recipient) that may wait for a batch before it is sent regardless of the window. */
const MAX_PRESENCE_SENDS = 1_000_000;
export const DEFAULT_PING_TIMEOUT_MS = 30_000;

interface ChatState {
  gate: FloodGate;
  /** Commands held back by flood control, in arrival order, each with the time it may run. */
  waiting: Array<{ line: string; due: number }>;
  timer: NodeJS.Timeout | undefined;
  lastHeard: number;
  pingSentAt: number | undefined;
  /** The name it had when it left the room (for the disconnect log line, which may come later). */
  leftAs: string | undefined;
  /** A REGISTER waits for the cluster's answer: later commands wait behind it, so replies keep their order. */
  claiming: boolean;
}

const BLANK = /^[ \t]*$/;

export class ChatServer extends LineServer<ChatState> {
  readonly room: Room;
  readonly cluster: ClusterLink | undefined;
  readonly flood: Readonly<FloodLimits>;
  readonly idleMs: number;
  readonly pingTimeoutMs: number;
  private readonly byId = new Map<number, Connection<ChatState>>();
  private sweeper: NodeJS.Timeout | undefined;
  private pingCounter = 0;
  private presence: Delivery[] = [];
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly presenceBatchMs: number;
  private presenceWindowMs: number;
  private presenceSends = 0;
  private stopLogged = false;
  private shuttingDown = false;

  constructor(options: ChatServerOptions = {}) {
    // The protocol is meant to be typed into telnet: its commands (Ctrl-C's IAC IP IAC DO TM) are handled.
    super({ telnet: true, ...options });
    this.cluster = options.cluster;
    this.room = options.cluster ? new ClusterRoom(options) : new Room(options);
    this.flood = { ...DEFAULT_FLOOD_LIMITS, ...options.flood };
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    this.presenceBatchMs = options.presenceBatchMs ?? 20;
    this.presenceWindowMs = this.presenceBatchMs;
    for (const [key, value] of Object.entries(this.flood)) {
      if (!(value > 0)) throw new RangeError(`flood.${key} must be a positive number, not ${value}`);
    }
  }

  override async start(opts: { host?: string; port?: number } = {}): Promise<{ host: string; port: number }> {
    // The others' users are known before the first client arrives (or the node starts alone, and says so).
    if (this.cluster) await this.startCluster(this.cluster, this.room as ClusterRoom);
    const address = await super.start(opts);
    this.logger.info(
      { idleMs: this.idleMs, pingTimeoutMs: this.pingTimeoutMs, flood: this.flood, limits: this.room.limits },
      `listening on ${formatHostPort(address.host, address.port)}`,
    );
    return address;
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.cluster?.stop();
    if (!this.stopLogged) {
      this.stopLogged = true;
      this.logger.info('stopped');
    }
  }

  /** Connected clients (registered or not). */
  get clientCount(): number {
    return this.byId.size;
  }

  protected override createState(): ChatState {
    return {
      gate: new FloodGate(this.flood),
      waiting: [],
      timer: undefined,
      lastHeard: Date.now(),
      pingSentAt: undefined,
      leftAs: undefined,
      claiming: false,
    };
  }

  protected override onStart(): void {
    // A sweep over all connections rather than a timer each: 10,000 idle clients cost one interval.
    const period = Math.max(5, Math.min(1000, Math.min(this.idleMs, this.pingTimeoutMs) / 4));
    this.sweeper = setInterval(() => this.sweepIdle(), period);
    this.sweeper.unref();
  }

  protected override onStop(): void {
    this.shuttingDown = true;
    clearInterval(this.sweeper);
    this.flushPresence();
    this.logger.info({ clients: this.byId.size, users: this.room.userCount }, 'stopping');
  }

  protected override onConnect(conn: Connection<ChatState>): void {
    this.byId.set(conn.id, conn);
    this.room.connect(conn.id);
    this.logger.info(
      { conn: conn.id, remote: formatHostPort(conn.remoteAddress, conn.remotePort), clients: this.byId.size },
      'connect',
    );
    conn.send(formatGreeting('plainwire'));
  }

  protected override onMessage(conn: Connection<ChatState>, line: string): void {
    const state = conn.state;
    const now = Date.now();
    state.lastHeard = now;
    state.pingSentAt = undefined;
    // A line of only spaces or tabs is as empty as an empty line (a stray Enter in telnet): no command, no reply.
    if (BLANK.test(line)) return;
    const decision = state.gate.admit(now);
    if (decision.action === 'disconnect') {
      this.logger.warn(
        { conn: conn.id, user: this.room.nameOf(conn.id), waiting: state.waiting.length },
        'flooding; disconnecting',
      );
      conn.send(
        formatError(
          'FLOOD',
          `more than ${this.flood.maxQueued} commands waiting (the limit is ${this.flood.ratePerSecond}/s after a burst of ${this.flood.burst}); disconnecting`,
        ),
      );
      this.closeClient(conn, 'flood');
      return;
    }
    const due = decision.action === 'run' ? now : now + decision.ms;
    if (state.waiting.length === 0 && due <= now && !state.claiming) {
      this.execute(conn, line);
      return;
    }
    state.waiting.push({ line, due });
    this.runDue(conn);
  }

  protected override onDisconnect(conn: Connection<ChatState>, reason: DisconnectReason): void {
    const user = this.room.nameOf(conn.id) ?? conn.state.leftAs;
    this.leaveRoom(conn);
    this.byId.delete(conn.id);
    this.logger.info({ conn: conn.id, user, reason, clients: this.byId.size }, 'disconnect');
  }

  /**
   * Takes the client out of the room and tells the others now. A closed socket can linger for seconds (a peer
   * that does not close its side, e.g. `nc` after QUIT), and its name must not stay taken meanwhile.
   */
  private leaveRoom(conn: Connection<ChatState>): void {
    this.dropWaiting(conn.state);
    conn.state.leftAs ??= this.room.nameOf(conn.id);
    const { deliveries, publish } = this.room.depart(conn.id);
    // While stopping, everyone is leaving: nobody is left to tell (the link tells the other nodes at once).
    if (!this.shuttingDown) {
      this.queuePresence(deliveries);
      if (publish) this.cluster?.publish(publish);
    }
  }

  /** Ends a connection on the server's initiative (QUIT, flood, idle): it leaves the room at once. */
  private closeClient(conn: Connection<ChatState>, reason: string): void {
    this.leaveRoom(conn);
    conn.close(reason);
  }

  /** Runs the held-back commands whose time has come, and arms a timer for the next one. */
  private runDue(conn: Connection<ChatState>): void {
    const state = conn.state;
    state.timer = undefined;
    const now = Date.now();
    while (state.waiting.length > 0 && state.waiting[0]!.due <= now && !conn.closed && !state.claiming) {
      this.execute(conn, state.waiting.shift()!.line);
    }
    if (conn.closed) {
      this.dropWaiting(state);
      return;
    }
    if (state.waiting.length > 0 && state.timer === undefined && !state.claiming) {
      state.timer = setTimeout(() => this.runDue(conn), state.waiting[0]!.due - now);
    }
  }

  private dropWaiting(state: ChatState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    state.waiting = [];
  }

  private execute(conn: Connection<ChatState>, line: string): void {
    // A client's first REGISTER only adds presence news; anything else must come after the news already
    // queued, so every recipient sees events in the order they happened.
    const newcomer = this.room.nameOf(conn.id) === undefined;
    if (!newcomer) this.flushPresence();
    const outcome = this.room.handleLine(conn.id, line);
    if (outcome.claim !== undefined) {
      this.claimThenFinish(conn, outcome.claim, outcome.verb, newcomer);
      return;
    }
    if (outcome.claimGroup !== undefined) {
      this.claimGroupThenFinish(conn, outcome.claimGroup, outcome.verb);
      return;
    }
    this.finish(conn, outcome, newcomer);
  }

  /** A REGISTER in a cluster: the name is claimed across the cluster first; the client's later commands wait. */
  private claimThenFinish(
    conn: Connection<ChatState>,
    name: string,
    verb: string | undefined,
    newcomer: boolean,
  ): void {
    conn.state.claiming = true;
    void this.cluster!.claim(name).then((result) => {
      conn.state.claiming = false;
      // Offline: nobody could say no. The name is this node's until the link is back and claims it again.
      const outcome = this.room.completeRegister(conn.id, name, result !== 'taken');
      if (outcome.release !== undefined) {
        this.cluster!.release(outcome.release);
        return;
      }
      if (conn.closed) return;
      if (!newcomer) this.flushPresence();
      this.finish(conn, { ...outcome, verb }, newcomer);
      this.runDue(conn);
    });
  }

  /** A JOIN creating a group, in a cluster: its spelling is claimed first; the client's later commands wait. */
  private claimGroupThenFinish(conn: Connection<ChatState>, typed: string, verb: string | undefined): void {
    conn.state.claiming = true;
    void this.cluster!.claimGroup(typed).then((spelling) => {
      conn.state.claiming = false;
      const outcome = this.room.completeJoin(conn.id, typed, spelling);
      if (conn.closed) return;
      this.flushPresence();
      this.finish(conn, { ...outcome, verb }, false);
      this.runDue(conn);
    });
  }

  private finish(conn: Connection<ChatState>, outcome: Outcome, newcomer: boolean): void {
    this.logger.info(
      {
        conn: conn.id,
        user: this.room.nameOf(conn.id),
        verb: outcome.verb ?? '?',
        ok: outcome.reply.startsWith('OK'),
      },
      'command',
    );
    conn.send(outcome.reply);
    if (newcomer) this.queuePresence(outcome.deliveries);
    else this.deliver(outcome.deliveries);
    if (outcome.publish) this.cluster?.publish(outcome.publish);
    if (outcome.close) this.closeClient(conn, 'quit');
  }

  /** Connects the link, and turns what it says into deliveries here. */
  private async startCluster(link: ClusterLink, room: ClusterRoom): Promise<void> {
    const handlers: ClusterHandlers = {
      event: (node, event) => {
        const deliveries = room.applyRemote(node, event);
        if (event.t === 'message' || event.t === 'private' || event.t === 'group') {
          // Presence news queued so far happened first.
          this.flushPresence();
          this.deliver(deliveries);
        } else {
          this.queuePresence(deliveries);
        }
      },
      snapshot: (node, records) => this.queuePresence(room.syncNode(node, records)),
      nodeGone: (node) => this.queuePresence(room.dropNode(node)),
      status: (up) => {
        room.setLinkUp(up);
        this.flushPresence();
        this.noticeAll(
          up
            ? 'cluster link up: users on every node can be reached again'
            : 'cluster link down: until it is back you reach only the users on this node',
        );
      },
      lost: (names) => {
        for (const name of names) {
          const conn = this.byId.get(room.clientByName(name) ?? -1);
          if (!conn) continue;
          conn.send(
            formatEvent({
              type: 'BYE',
              text: `name taken: ${name} was registered on another node while the cluster link was down; connect again with another name`,
            }),
          );
          this.closeClient(conn, 'name lost');
        }
      },
      knownNodes: () => room.knownNodes(),
    };
    const up = await link.start(handlers);
    if (!up) {
      this.logger.warn(
        { node: link.nodeId },
        'cannot reach Redis: running alone (local users only) and retrying; the node joins the cluster when it answers',
      );
    }
  }

  private noticeAll(text: string): void {
    const line = formatEvent({ type: 'NOTICE', text });
    for (const conn of this.byId.values()) if (!conn.closed) conn.send(line);
  }

  /**
   * JOINED and LEFT for everyone are batched for up to presenceBatchMs: when thousands of clients arrive at
   * once, each of them would otherwise cost one write to every registered client (n^2 writes); batched, each
   * client gets one write per batch. Recipients are fixed when the event happens, only the sending waits.
   */
  private queuePresence(deliveries: readonly Delivery[]): void {
    if (deliveries.length === 0) return;
    this.presence.push(...deliveries);
    for (const d of deliveries) this.presenceSends += d.to.length;
    this.presenceTimer ??= setTimeout(() => this.flushPresence(), this.presenceWindowMs);
    // A bound on what waits: about 15 MB of lines at most, however many arrive within the window.
    if (this.presenceSends >= MAX_PRESENCE_SENDS) this.flushPresence();
  }

  private flushPresence(): void {
    if (this.presenceTimer === undefined) return;
    clearTimeout(this.presenceTimer);
    this.presenceTimer = undefined;
    const batch = this.presence;
    this.presence = [];
    this.presenceSends = 0;
    const started = performance.now();
    this.deliver(batch);
    // A fan-out to thousands of clients is expensive: wait longer before the next one (up to 250 ms), so that a
    // storm of arrivals spends at most about a fifth of the time writing presence news.
    const spent = performance.now() - started;
    this.presenceWindowMs = Math.min(250, Math.max(this.presenceBatchMs, spent * 4));
  }

  private deliver(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) {
      const { line, to } = delivery;
      for (let i = 0; i < to.length; i++) this.byId.get(to[i]!)?.send(line);
    }
  }

  private sweepIdle(): void {
    const now = Date.now();
    for (const conn of this.byId.values()) {
      if (conn.closed) continue;
      const state = conn.state;
      if (state.pingSentAt !== undefined) {
        if (now - state.pingSentAt >= this.pingTimeoutMs) {
          this.logger.info({ conn: conn.id, user: this.room.nameOf(conn.id) }, 'no answer to PING; dropping');
          conn.send(
            formatEvent({
              type: 'BYE',
              text: `idle: no answer to PING within ${Math.round(this.pingTimeoutMs / 1000)} s`,
            }),
          );
          this.closeClient(conn, 'timeout');
        }
      } else if (now - state.lastHeard >= this.idleMs) {
        state.pingSentAt = now;
        conn.send(formatEvent({ type: 'PING', token: String(++this.pingCounter) }));
      }
    }
  }
}
