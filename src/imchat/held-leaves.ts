// Room events on their way to the screen, with one correction: a store down longer than the presence TTL
// expires everyone's presence when it comes back, though the clients are alive and write it again within a
// heartbeat. So right after an outage a "timed out" waits that long, and is dropped (with the "joined" that
// follows) if its owner is back by then.
import { RETRY_MAX_MS } from '../store/retry.js';
import type { RoomEvent } from './live.js';

/** Beyond one heartbeat: how long a "timed out" seen just after a store outage waits for its owner to return. */
// Two seconds: the owner's write after an outage is one durable commit, which a busy machine can slow down.
const OUTAGE_GRACE_MS = 2000;

export interface HeldLeavesOptions {
  ttlSeconds: number;
  heartbeatMs: number;
  show: (event: RoomEvent) => void;
}

export class HeldLeaves {
  /** When the store last came back after being unreachable (0: it never was). */
  #storeBackAt = 0;
  /** "timed out" notices held back, by name. */
  readonly #held = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(private readonly options: HeldLeavesOptions) {}

  /** The store answered again after being unreachable. */
  storeBack(): void {
    this.#storeBackAt = Date.now();
  }

  show(events: readonly RoomEvent[]): void {
    const { ttlSeconds, heartbeatMs, show } = this.options;
    const ttlMs = ttlSeconds * 1000;
    for (const event of events) {
      // The watch reconnects on its own backoff, up to RETRY_MAX_MS after our writes found the store back, and
      // only then delivers the expiries: the window covers that wait as well as the TTL.
      if (event.kind === 'leave' && event.timedOut && Date.now() - this.#storeBackAt < ttlMs + RETRY_MAX_MS) {
        clearTimeout(this.#held.get(event.name));
        const timer = setTimeout(() => {
          this.#held.delete(event.name);
          if (!this.#closed) show(event);
        }, heartbeatMs + OUTAGE_GRACE_MS);
        this.#held.set(event.name, timer);
        continue;
      }
      const held = event.kind === 'join' ? this.#held.get(event.name) : undefined;
      if (held !== undefined) {
        clearTimeout(held);
        this.#held.delete(event.name);
        continue;
      }
      show(event);
    }
  }

  /** The session stopped: nothing held is shown any more. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#held.values()) clearTimeout(timer);
  }
}
