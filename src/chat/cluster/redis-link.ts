// The cluster link over Redis: one pub/sub channel carries every node's events (one copy per node, each node
// fans out to its own sockets); names are claimed with an atomic script against a per-node lease; each node's
// users and memberships live in a hash of its own, so a dead node's entries can be found and removed.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { isValidName, nameKey } from '../../text/names.js';
import {
  type BusMessage,
  type ClusterEvent,
  decodeBusMessage,
  encodeBusMessage,
  encodeUserRecord,
  isStateEvent,
  type UserRecord,
} from './events.js';
import { type ClaimResult, type ClusterHandlers, type ClusterLink, DEFAULT_LEASE_MS } from './link.js';
import { CHANGE, CLAIM, CLAIM_GROUP, parseUsersHash, RELEASE, SEQ_FIELD } from './redis-scripts.js';

export interface RedisLinkOptions {
  /** redis://HOST:PORT (any URL ioredis takes: user, password, database number). */
  url: string;
  /** Default: host name, pid and random bytes. */
  nodeId?: string;
  /**
   * How long a node's lease lives without a heartbeat (default 5000 ms; heartbeats every third of it). A dead
   * node's names are free once it runs out, and the others drop its users within a heartbeat after that.
   */
  leaseMs?: number;
  /** Prefix of every key and of the channel (default "plainwire:chat:"): several chats may share one Redis. */
  prefix?: string;
  /** How long start() waits for Redis before the node runs alone (default 3000 ms). */
  startTimeoutMs?: number;
  logger?: Logger;
}

export class RedisLink implements ClusterLink {
  readonly nodeId: string;
  private readonly leaseMs: number;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly startTimeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private handlers: ClusterHandlers | undefined;
  /** This node's users as the cluster should know them (rewritten whole after an outage). */
  private readonly records = new Map<string, UserRecord>();
  private seq = 0;
  /** The last state change applied from each other node. */
  private readonly lastSeq = new Map<string, number>();
  /** Nodes being re-read: their bus messages wait here, in order, until the snapshot is in. */
  private readonly held = new Map<string, BusMessage[]>();
  /** While a full resync runs, every bus message waits here. */
  private heldAll: BusMessage[] | undefined;
  private isUp = false;
  private resyncing = false;
  private resyncAgain = false;
  private upSince = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;
  private downReported = false;
  private changedWhileDown = false;

  constructor(options: RedisLinkOptions) {
    this.nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.prefix = options.prefix ?? 'plainwire:chat:';
    this.channel = `${this.prefix}bus`;
    this.startTimeoutMs = options.startTimeoutMs ?? 3000;
    this.logger = options.logger;
    const common = {
      lazyConnect: true,
      // Down means down: a command fails at once rather than waiting in a queue for a Redis that may be gone.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      // A Redis that stops answering without closing (a partition) must count as gone, not hang the node's
      // commands: the heartbeat fails and the connections are reopened.
      commandTimeout: Math.max(1000, Math.floor((options.leaseMs ?? DEFAULT_LEASE_MS) / 2)),
      // Bounded backoff with jitter, for ever: a node outlives any Redis outage.
      retryStrategy: (times: number) =>
        Math.min(2000, 50 * 2 ** Math.min(times, 6)) * (0.5 + Math.random() / 2),
    };
    this.cmd = new Redis(options.url, common);
    this.cmd.defineCommand('pwClaim', { numberOfKeys: 1, lua: CLAIM });
    this.cmd.defineCommand('pwRelease', { numberOfKeys: 1, lua: RELEASE });
    this.cmd.defineCommand('pwClaimGroup', { numberOfKeys: 1, lua: CLAIM_GROUP });
    this.cmd.defineCommand('pwChange', { numberOfKeys: 1, lua: CHANGE });
    this.sub = new Redis(options.url, { ...common, autoResubscribe: true });
    for (const conn of [this.cmd, this.sub]) {
      conn.on('error', (err: Error) => this.connectionError(err));
      conn.on('close', () => this.linkDown('connection to Redis lost'));
      conn.on('ready', () => this.tryResync());
    }
    this.sub.on('message', (_channel: string, text: string) => this.receive(text));
  }

  get up(): boolean {
    return this.isUp;
  }

  async start(handlers: ClusterHandlers): Promise<boolean> {
    this.handlers = handlers;
    const upOrTimeout = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.startTimeoutMs);
      this.onFirstUp = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    this.cmd.connect().catch(() => {});
    this.sub.connect().catch(() => {});
    const up = await upOrTimeout;
    if (!up) this.linkDown('Redis does not answer');
    return up;
  }

  private onFirstUp: (() => void) | undefined;

  async claim(name: string): Promise<ClaimResult> {
    if (!this.isUp) return 'offline';
    try {
      const got = await this.cmd.pwClaim(this.key('name', nameKey(name)), this.nodeId, this.key('node', ''));
      return got === 1 ? 'granted' : 'taken';
    } catch {
      return 'offline';
    }
  }

  async claimGroup(name: string): Promise<string | undefined> {
    if (!this.isUp) return undefined;
    try {
      const got = await this.cmd.pwClaimGroup(this.key('group', nameKey(name)), name, String(this.leaseMs));
      return isValidName(got) ? got : undefined;
    } catch {
      return undefined;
    }
  }

  release(name: string): void {
    if (!this.isUp) return;
    this.cmd.pwRelease(this.key('name', nameKey(name)), this.nodeId).catch(() => {});
  }

  publish(events: readonly ClusterEvent[]): void {
    for (const event of events) {
      if (isStateEvent(event)) this.publishState(event);
      else if (this.isUp)
        this.cmd.publish(this.channel, encodeBusMessage({ node: this.nodeId, event })).catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    if (this.isUp) {
      // Leave at once rather than when the lease runs out: the others re-read an empty hash and say LEFT.
      const tx = this.cmd.multi();
      for (const key of this.records.keys()) tx.pwRelease(this.key('name', key), this.nodeId);
      tx.del(this.key('users', this.nodeId), this.key('node', this.nodeId));
      tx.srem(this.key('nodes'), this.nodeId);
      tx.publish(
        this.channel,
        encodeBusMessage({ node: this.nodeId, seq: ++this.seq, event: { t: 'sync' } }),
      );
      await tx.exec().catch(() => {});
    }
    this.isUp = false;
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private key(kind: 'name' | 'node' | 'users' | 'nodes' | 'group', id?: string): string {
    return id === undefined ? `${this.prefix}${kind}` : `${this.prefix}${kind}:${id}`;
  }

  /** Applies one of our state changes to the records and, while up, to Redis with its event, in one MULTI. */
  private publishState(event: ClusterEvent): void {
    const users = this.key('users', this.nodeId);
    const writes: Array<[string, string | undefined]> = [];
    const released: string[] = [];
    switch (event.t) {
      case 'joined': {
        const key = nameKey(event.name);
        this.records.set(key, { name: event.name, groups: [] });
        writes.push([key, encodeUserRecord(this.records.get(key)!)]);
        break;
      }
      case 'renamed': {
        const from = nameKey(event.from);
        const to = nameKey(event.to);
        const record = { name: event.to, groups: this.records.get(from)?.groups ?? [] };
        this.records.delete(from);
        this.records.set(to, record);
        if (from !== to) {
          writes.push([from, undefined]);
          released.push(from);
        }
        writes.push([to, encodeUserRecord(record)]);
        break;
      }
      case 'left': {
        const key = nameKey(event.name);
        this.records.delete(key);
        writes.push([key, undefined]);
        released.push(key);
        break;
      }
      case 'join':
      case 'leave': {
        const key = nameKey(event.name);
        const record = this.records.get(key);
        if (!record) return;
        const group = nameKey(event.group);
        record.groups = record.groups.filter((g) => nameKey(g) !== group);
        if (event.t === 'join') record.groups.push(event.group);
        writes.push([key, encodeUserRecord(record)]);
        break;
      }
      default:
        return;
    }
    if (!this.isUp) {
      // Kept for the resync; one that is already running may have read the records before this change.
      this.changedWhileDown = true;
      return;
    }
    const seq = ++this.seq;
    const message = encodeBusMessage({ node: this.nodeId, seq, event });
    const args = [
      String(seq),
      this.channel,
      message,
      this.key('name', ''),
      this.nodeId,
      String(writes.length),
    ];
    for (const [field, value] of writes) args.push(field, value ?? '');
    args.push(...released);
    this.cmd.pwChange(users, ...args).catch(() => {});
  }

  private receive(text: string): void {
    const message = decodeBusMessage(text);
    if (!message || message.node === this.nodeId) return;
    if (this.heldAll) {
      this.heldAll.push(message);
      return;
    }
    this.apply(message);
  }

  private apply(message: BusMessage): void {
    const { node, seq, event } = message;
    const held = this.held.get(node);
    if (held) {
      held.push(message);
      return;
    }
    if (seq !== undefined) {
      const last = this.lastSeq.get(node);
      if (last !== undefined && seq <= last) return;
      // A node we never heard, a gap (pub/sub dropped something), or a node that rewrote its state: re-read it.
      if (last === undefined || seq > last + 1 || event.t === 'sync') {
        void this.rereadNode(node, [message]);
        return;
      }
      this.lastSeq.set(node, seq);
    }
    this.handlers?.event(node, event);
  }

  /** Reads a node's users from Redis, then replays what arrived from it meanwhile. */
  private async rereadNode(node: string, pending: BusMessage[]): Promise<void> {
    const held = [...pending];
    this.held.set(node, held);
    // What was published before the read was sent is in the snapshot, even when the hash is gone (a node that
    // stopped): counting it keeps a `sync` from asking for the same read again and again.
    let floor = 0;
    for (const message of pending) floor = Math.max(floor, message.seq ?? 0);
    let snapshot: { seq: number; records: Map<string, UserRecord> } | undefined;
    try {
      snapshot = await this.readNode(node);
    } catch {
      // The link is going down; the resync that follows re-reads everyone.
      if (this.held.get(node) === held) this.held.delete(node);
      return;
    }
    // Buried meanwhile (its lease ran out), or a resync started over: this read is stale.
    if (this.held.get(node) !== held) return;
    this.held.delete(node);
    floor = Math.max(floor, snapshot.seq);
    this.lastSeq.set(node, floor);
    this.handlers?.snapshot(node, snapshot.records);
    for (const message of held) {
      if (message.seq !== undefined && message.seq <= floor) continue;
      this.apply(message);
    }
  }

  private async readNode(node: string): Promise<{ seq: number; records: Map<string, UserRecord> }> {
    const hash = await this.cmd.hgetall(this.key('users', node));
    return parseUsersHash(hash);
  }

  private linkDown(detail: string): void {
    if (this.stopped) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const wasUp = this.isUp;
    this.isUp = false;
    if (wasUp || !this.downReported) {
      this.downReported = true;
      this.logger?.warn({ node: this.nodeId }, `cluster link down: ${detail}`);
      this.handlers?.status(false, detail);
    }
  }

  private tryResync(): void {
    if (this.stopped || this.cmd.status !== 'ready' || this.sub.status !== 'ready') return;
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = true;
    this.resync()
      .catch((err: Error) => {
        // Usually the connection dropped half way ('ready' will come again); otherwise try again shortly.
        this.logger?.warn({ err: err.message }, 'cluster resync failed; trying again');
        setTimeout(() => this.tryResync(), 1000).unref();
      })
      .finally(() => {
        this.resyncing = false;
        if (this.resyncAgain) {
          this.resyncAgain = false;
          this.tryResync();
        }
      });
  }

  /**
   * After (re)connecting: renew the lease, claim our names again (a name another node took meanwhile is lost
   * here), rewrite our users whole, announce it, and read every other node's users.
   */
  private async resync(): Promise<void> {
    this.heldAll = [];
    // Re-reads still running belong to the connection that was lost: this resync reads everyone anew.
    this.held.clear();
    this.changedWhileDown = false;
    try {
      await this.sub.subscribe(this.channel);
      await this.cmd
        .multi()
        .set(this.key('node', this.nodeId), '1', 'PX', this.leaseMs)
        .sadd(this.key('nodes'), this.nodeId)
        .exec();
      const claimed = new Set<string>();
      const lost: string[] = [];
      // Names registered meanwhile join the records while we claim: claim until none is left unclaimed.
      for (;;) {
        const todo = [...this.records.keys()].filter((key) => !claimed.has(key));
        if (todo.length === 0) break;
        const pipe = this.cmd.pipeline();
        for (const key of todo) pipe.pwClaim(this.key('name', key), this.nodeId, this.key('node', ''));
        const results = (await pipe.exec()) ?? [];
        todo.forEach((key, i) => {
          claimed.add(key);
          const [err, got] = results[i] ?? [null, 0];
          if (err) throw err;
          if (got !== 1) {
            lost.push(this.records.get(key)?.name ?? key);
            this.records.delete(key);
          }
        });
      }
      if (lost.length > 0) {
        this.logger?.warn({ names: lost.length }, 'names taken by other nodes while the link was down');
        this.handlers?.lost(lost);
      }
      const users = this.key('users', this.nodeId);
      const tx = this.cmd.multi().del(users);
      const fields: string[] = [SEQ_FIELD, String(++this.seq)];
      for (const [key, record] of this.records) fields.push(key, encodeUserRecord(record));
      tx.hset(users, ...fields);
      tx.publish(this.channel, encodeBusMessage({ node: this.nodeId, seq: this.seq, event: { t: 'sync' } }));
      await tx.exec();

      const nodes = (await this.cmd.smembers(this.key('nodes'))).filter((n) => n !== this.nodeId);
      const pipe = this.cmd.pipeline();
      for (const node of nodes) pipe.exists(this.key('node', node)).hgetall(this.key('users', node));
      const results = (await pipe.exec()) ?? [];
      const wasUp = this.isUp;
      this.isUp = true;
      this.downReported = false;
      this.lastError = '';
      this.upSince = Date.now();
      if (!wasUp) {
        this.logger?.info({ node: this.nodeId, nodes: nodes.length + 1 }, 'cluster link up');
        this.handlers?.status(true, `${nodes.length + 1} nodes`);
      }
      nodes.forEach((node, i) => {
        const alive = results[2 * i]?.[1] === 1;
        const hash = results[2 * i + 1]?.[1] as Record<string, string> | undefined;
        if (!alive || !hash) return;
        const snapshot = parseUsersHash(hash);
        this.lastSeq.set(node, snapshot.seq);
        this.handlers?.snapshot(node, snapshot.records);
      });
      const waiting = this.heldAll;
      this.heldAll = undefined;
      for (const message of waiting) this.apply(message);
      this.startHeartbeat();
      this.onFirstUp?.();
      this.onFirstUp = undefined;
      // A registration (or any change) during the resync may have missed both the claims and the rewrite.
      if (this.changedWhileDown) this.resyncAgain = true;
    } finally {
      if (this.heldAll) {
        // Failed half way: what waited is dropped; the next resync re-reads everything anyway.
        this.heldAll = undefined;
      }
    }
  }

  private startHeartbeat(): void {
    // Made here rather than inside resync(): a closure made there shares resync's scope, and the interval would
    // keep its last reads (every other node's users hash) alive for as long as the node runs.
    this.heartbeat ??= setInterval(() => void this.beat(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
  }

  /** Renews our lease and looks for dead nodes: their users leave, their names and entries are removed. */
  private async beat(): Promise<void> {
    if (!this.isUp) return;
    let renewal: unknown;
    try {
      [renewal] = await Promise.all([
        this.cmd
          .multi()
          .set(this.key('node', this.nodeId), '1', 'PX', this.leaseMs, 'GET')
          .smembers(this.key('nodes'))
          .exec(),
        // The subscriber never sends otherwise: its PING shows it is still there.
        this.sub.ping(),
      ]);
    } catch (err) {
      if (!this.isUp || this.stopped) return;
      // No answer in time: reopen both; the resync after 'ready' brings everything back.
      this.linkDown(`Redis does not answer (${(err as Error).message})`);
      this.cmd.disconnect(true);
      this.sub.disconnect(true);
      return;
    }
    try {
      const [renewed, members] = renewal as [[Error | null, string | null], [Error | null, string[]]];
      if (renewed[1] === null) {
        // Our lease had run out (Redis restarted, or this process stalled): the others may have dropped us.
        this.tryResyncNow();
        return;
      }
      // Right after a resync, other nodes may still be rewriting their state: give them one lease.
      if (Date.now() - this.upSince < this.leaseMs) return;
      const candidates = new Set([...(members[1] ?? []), ...(this.handlers?.knownNodes() ?? [])]);
      candidates.delete(this.nodeId);
      const list = [...candidates];
      if (list.length === 0) return;
      const pipe = this.cmd.pipeline();
      for (const node of list) pipe.exists(this.key('node', node));
      const alive = (await pipe.exec()) ?? [];
      for (let i = 0; i < list.length; i++) {
        if (alive[i]?.[1] === 1) continue;
        await this.bury(list[i]!);
      }
    } catch {
      // A failing connection reports itself through 'close'.
    }
  }

  private lastError = '';

  /** Logs a connection error once, not at every reconnection attempt (AUTH failures, refused connections). */
  private connectionError(err: Error): void {
    if (err.message === this.lastError) return;
    this.lastError = err.message;
    this.logger?.warn({ err: err.message }, 'Redis connection error');
  }

  private tryResyncNow(): void {
    this.isUp = false;
    this.handlers?.status(false, 'lease lost');
    this.tryResync();
  }

  private async bury(node: string): Promise<void> {
    this.lastSeq.delete(node);
    this.held.delete(node);
    this.handlers?.nodeGone(node);
    // Any node may clean up; doing it twice is harmless.
    const users = this.key('users', node);
    const hash = await this.cmd.hgetall(users);
    const tx = this.cmd.multi();
    for (const field of Object.keys(hash)) {
      if (field !== SEQ_FIELD) tx.pwRelease(this.key('name', field), node);
    }
    tx.del(users).srem(this.key('nodes'), node);
    await tx.exec();
    this.logger?.info({ node }, 'node gone: its lease ran out');
  }
}
