// The interface between a chat node and the bus that joins it to the others. The server calls it; an
// implementation (RedisLink) owns the connections. The room never sees it.
import type { ClusterEvent, UserRecord } from './events.js';

export type ClaimResult = 'granted' | 'taken' | 'offline';

/** How long a node's names outlive its last heartbeat by default: within the 10 s the cluster promises. */
export const DEFAULT_LEASE_MS = 5000;

/** What the link tells its node. Each handler is called in the order things happened on the bus. */
export interface ClusterHandlers {
  /** Another node's event. */
  event(node: string, event: ClusterEvent): void;
  /** What a node's users are now, read from the shared state (after a resync, a gap, or its `sync`). */
  snapshot(node: string, records: ReadonlyMap<string, UserRecord>): void;
  /** A node's lease ran out: it is dead, its users are gone. */
  nodeGone(node: string): void;
  /** The link came back (before the snapshots that bring the news) or went down. */
  status(up: boolean, detail: string): void;
  /** Our names another node took while we were cut off: their holders here must lose them. */
  lost(names: readonly string[]): void;
  /** The nodes this node knows users of (the link checks their leases). */
  knownNodes(): readonly string[];
}

export interface ClusterLink {
  readonly nodeId: string;
  /** True while events flow both ways. */
  readonly up: boolean;
  /**
   * Connects and resynchronises. Resolves true once the link is up, or false when the store cannot be
   * reached within the start timeout: the node then runs alone and the link keeps trying.
   */
  start(handlers: ClusterHandlers): Promise<boolean>;
  /** Claims a name for this node across the cluster ('offline' when the link is down: nobody could say no). */
  claim(name: string): Promise<ClaimResult>;
  /**
   * Claims the spelling of a group new to the chat: the first claim wins, and every later one (from any node,
   * until the claim lapses after a lease) gets the winner's spelling. Undefined when the link is down.
   */
  claimGroup(name: string): Promise<string | undefined>;
  /** Gives back a claimed name nobody here holds (its client left before the claim came back). */
  release(name: string): void;
  /** This node's events, in order; state changes (joined .. leave) also update the shared state. */
  publish(events: readonly ClusterEvent[]): void;
  stop(): Promise<void>;
}
