// The room feed: brings the room's changes in store order (a watch, or the busy-poll baseline), lists the room
// again when the store no longer has the changes missed, and holds back a new sender's first entry until their
// public key is known, so that every entry can be verified when it is shown and none overtakes another.
import { CompactedError, type StoreClient, StoreUnavailableError } from '../store/client.js';
import { sleep } from '../store/retry.js';
import type { Keyring } from './keyring.js';
import { parseRoomKey, presenceKey, roomPrefix } from './keys.js';
import type { RoomChange } from './live.js';

export interface RoomFeedOptions {
  room: string;
  keyring: Keyring;
  /** Aborting it ends the feed (the session stopped). */
  signal: AbortSignal;
  /** List the room every this many ms instead of watching it (bench/imchat.ts's baseline). */
  pollIntervalMs?: number | undefined;
  /** The newest revision applied so far. */
  revision: () => number;
  /** Who the room shows as present (the poll turns a missing presence key into an expiry). */
  present: () => readonly string[];
  /** One change, in order, its sender's key known: show it. */
  apply: (change: RoomChange) => void;
  /** Lists the room again and shows what is new; resolves the revision to go on from. */
  relist: () => Promise<number>;
  /** The store is unreachable (the watch retries on its own). */
  onUnavailable: (err: StoreUnavailableError) => void;
  onStatus: (message: string) => void;
}

export class RoomFeed {
  constructor(
    private readonly client: StoreClient,
    private readonly options: RoomFeedOptions,
  ) {}

  /** Feeds every change after `after` until the signal aborts. */
  run(after: number): Promise<void> {
    const { pollIntervalMs } = this.options;
    return pollIntervalMs === undefined ? this.#watch(after) : this.#poll(pollIntervalMs);
  }

  async #watch(after: number): Promise<void> {
    const { room, signal } = this.options;
    let from = after;
    while (!signal.aborted) {
      try {
        const changes = this.client.watch({
          prefix: roomPrefix(room),
          after: from,
          signal,
          onRetry: (err) => this.options.onUnavailable(err),
        });
        for await (const change of changes) await this.#deliver(change);
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof CompactedError) {
          from = await this.options.relist();
          continue;
        }
        this.options.onStatus(`watch failed: ${(err as Error).message}; retrying`);
        await sleep(1000, signal);
        from = this.options.revision();
      }
    }
  }

  /** The busy-poll baseline: list the room every interval and feed what is new as if it had been watched. */
  async #poll(intervalMs: number): Promise<void> {
    const { room, signal } = this.options;
    const prefix = roomPrefix(room);
    while (!signal.aborted) {
      await sleep(intervalMs, signal);
      if (signal.aborted) return;
      try {
        const listing = await this.client.listAll(prefix);
        const seen = this.options.revision();
        const fresh = listing.items
          .filter((item) => item.version > seen)
          .sort((a, b) => a.version - b.version);
        for (const item of fresh) await this.#deliver({ type: 'set', ...item, revision: item.version });
        const listed = new Set(listing.items.map((item) => item.key));
        for (const name of this.options.present()) {
          const key = presenceKey(room, name);
          if (!listed.has(key) && listing.revision > this.options.revision())
            await this.#deliver({ type: 'expire', key, version: 0, revision: listing.revision });
        }
      } catch (err) {
        if (err instanceof StoreUnavailableError) this.options.onUnavailable(err);
      }
    }
  }

  async #deliver(change: RoomChange): Promise<void> {
    const { room, keyring, signal } = this.options;
    const key = parseRoomKey(room, change.key);
    // A new sender's key is looked up before their first entry is shown; the feed waits meanwhile, keeping order.
    if (key?.kind === 'log' && change.type === 'set' && keyring.needs(key.name))
      await keyring.ensure([key.name]);
    if (signal.aborted) return;
    this.options.apply(change);
  }
}
