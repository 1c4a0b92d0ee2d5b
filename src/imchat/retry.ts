// The one way imchat waits out a failing store: attempt, and on a retryable failure sleep a capped exponential
// backoff with jitter, until it works or the session stops. Jitter keeps the clients of one room, which all lose
// the store at the same moment, from all coming back at the same moment.
import { retryDelay, sleep } from '../store/retry.js';

export interface RetryOptions {
  /** Aborting it ends the waiting: retry resolves undefined instead of trying again. */
  signal?: AbortSignal;
  /** Which failures are worth another attempt (default: all); the others are thrown at once. */
  retryable?: (err: unknown) => boolean;
  /** Called before each wait, with the failure and the number of failures so far (1 for the first). */
  onRetry?: (err: unknown, failures: number) => void;
  /** Injectable for tests: a number in [0, 1), as Math.random. */
  random?: () => number;
  /** Injectable for tests: the wait, which must resolve early when the signal aborts (as store/retry's sleep). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * The wait after `failures` failures: the store's shared backoff (store/retry.ts: doubling from 100 ms, capped at
 * 2 s), jittered down by up to a half ("equal jitter"), so a client never waits longer than the plain doubling.
 */
export function backoffDelay(failures: number, random: number): number {
  const capped = retryDelay(failures);
  return Math.round(capped / 2 + (capped / 2) * random);
}

/** Runs `attempt` until it resolves; resolves undefined if the signal aborts first (stopping is not an error). */
export async function retry<T>(
  attempt: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T | undefined> {
  const { signal, retryable = () => true, onRetry, random = Math.random, sleep: wait = sleep } = options;
  for (let failures = 1; !signal?.aborted; failures++) {
    try {
      return await attempt();
    } catch (err) {
      if (signal?.aborted) return undefined;
      if (!retryable(err)) throw err;
      onRetry?.(err, failures);
      await wait(backoffDelay(failures, random()), signal);
    }
  }
  return undefined;
}
