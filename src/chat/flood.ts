// Flood control as a pure token bucket (in its "virtual scheduling" form): a burst of commands runs at once,
// then a steady rate; commands beyond it are delayed, never dropped, and a client too far beyond is cut off.

export interface FloodLimits {
  /** Commands that may run back to back with no delay. Default 10. */
  burst: number;
  /** Commands per second once the burst is spent. Default 5. */
  ratePerSecond: number;
  /**
   * "Far beyond": a client with more than this many commands waiting for their turn is disconnected. At the
   * default 5/s, 100 waiting commands are 20 s of backlog: no person types that fast, a runaway script does.
   * Default 100.
   */
  maxQueued: number;
}

export const DEFAULT_FLOOD_LIMITS: Readonly<FloodLimits> = Object.freeze({
  burst: 10,
  ratePerSecond: 5,
  maxQueued: 100,
});

export type FloodDecision =
  | { action: 'run' }
  | { action: 'delay'; ms: number }
  | { action: 'disconnect'; queued: number };

/**
 * One connection's bucket. `admit(now)` is asked once per command in arrival order, with a clock in ms; the
 * caller runs the command after the returned delay (delays never decrease, so the order is kept).
 */
export class FloodGate {
  private readonly interval: number;
  private readonly tolerance: number;
  /** When the bucket would be full again if no further command came ("theoretical arrival time"). */
  private tat = Number.NEGATIVE_INFINITY;

  constructor(private readonly limits: FloodLimits = DEFAULT_FLOOD_LIMITS) {
    this.interval = 1000 / limits.ratePerSecond;
    this.tolerance = (limits.burst - 1) * this.interval;
  }

  admit(now: number): FloodDecision {
    const start = Math.max(this.tat, now);
    const runAt = start - this.tolerance;
    const delay = runAt - now;
    if (delay <= 0) {
      this.tat = start + this.interval;
      return { action: 'run' };
    }
    // Commands already waiting, each one interval apart before this one.
    const queued = Math.ceil(delay / this.interval);
    if (queued > this.limits.maxQueued) return { action: 'disconnect', queued };
    this.tat = start + this.interval;
    return { action: 'delay', ms: delay };
  }
}
