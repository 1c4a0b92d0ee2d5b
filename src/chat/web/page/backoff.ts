// How long the page waits before it tries the server again: doubling from a quarter second up to five, with
// jitter so that a restarted server is not hit by every page in the same millisecond.

export const FIRST_RETRY_MS = 250;
export const MAX_RETRY_MS = 5000;

/** The wait before retry number `attempt` (0 for the first), given a random number in [0, 1). */
export function retryDelay(attempt: number, random: number): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + 0.4 * random));
}
