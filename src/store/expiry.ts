// Key order and expiry timing shared by both engines, so they sort and expire identically.

/**
 * Orders strings by Unicode code point, which is the byte order of their UTF-8 (what lmdb sorts by), rather than
 * JavaScript's UTF-16 code unit order (which puts U+E000..U+FFFF after astral characters).
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

// setTimeout takes at most a signed 32-bit delay; longer waits are re-armed when they fire.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One timer for the soonest expiry; no polling while nothing is due. */
export class ExpiryTimer {
  private timer: NodeJS.Timeout | undefined;
  private due = Number.POSITIVE_INFINITY;

  constructor(
    private readonly fire: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes sure the timer fires no later than `at` (ms since the epoch). */
  schedule(at: number): void {
    if (at >= this.due) return;
    this.arm(at);
  }

  /** Replaces the schedule: the next expiry is at `at` (Infinity for none). */
  reset(at: number): void {
    this.cancel();
    if (Number.isFinite(at)) this.arm(at);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.due = Number.POSITIVE_INFINITY;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.due = at;
    const delay = Math.min(Math.max(0, at - this.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = Number.POSITIVE_INFINITY;
      this.fire();
    }, delay);
    // Expiry must not keep a finished process alive.
    this.timer.unref();
  }
}
