// How a program waits out an unreachable store: a backoff doubling from 100 ms to 2 s, and a sleep that an
// AbortSignal cuts short. Shared by StoreClient.watch and the imchat writers so both recover at the same pace.

export const RETRY_FIRST_MS = 100;
export const RETRY_MAX_MS = 2000;

/** The wait before retry number `failures` (1 for the first failure of an outage). */
export function retryDelay(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

/** Resolves after ms, or at once when the signal aborts (never rejects: stopping is not an error here). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
