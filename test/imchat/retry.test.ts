import { describe, expect, it } from 'vitest';
import { backoffDelay, retry } from '../../src/imchat/retry.js';

class Down extends Error {}

/** A clock that records the waits asked of it and lets them pass at once. */
function fakeClock() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

/** An attempt that fails with the given errors in turn, then resolves 'ok'. */
function failing(...errors: Error[]) {
  let calls = 0;
  const attempt = async () => {
    calls++;
    const err = errors.shift();
    if (err) throw err;
    return 'ok';
  };
  return { attempt, calls: () => calls };
}

describe('backoffDelay', () => {
  it('doubles from the first wait up to the cap, jittered down by at most a half', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => backoffDelay(n, 0.9999999))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000,
    ]);
    expect([1, 2, 6].map((n) => backoffDelay(n, 0))).toEqual([50, 100, 1000]);
    expect(backoffDelay(3, 0.5)).toBe(300);
  });
});

describe('retry', () => {
  it('retries retryable failures with the backoff, and resolves what the attempt finally gives', async () => {
    const clock = fakeClock();
    const seen: number[] = [];
    const { attempt, calls } = failing(new Down('1'), new Down('2'), new Down('3'));
    const result = await retry(attempt, {
      retryable: (err) => err instanceof Down,
      onRetry: (_err, failures) => seen.push(failures),
      random: () => 0.5,
      sleep: clock.sleep,
    });
    expect(result).toBe('ok');
    expect(calls()).toBe(4);
    expect(seen).toEqual([1, 2, 3]);
    expect(clock.waits).toEqual([75, 150, 300]);
  });

  it('throws a failure that is not retryable at once, without waiting', async () => {
    const clock = fakeClock();
    const { attempt, calls } = failing(new Down('1'), new Error('refused'));
    await expect(
      retry(attempt, { retryable: (err) => err instanceof Down, sleep: clock.sleep, random: () => 0 }),
    ).rejects.toThrow('refused');
    expect(calls()).toBe(2);
    expect(clock.waits).toHaveLength(1);
  });

  it('retries everything by default', async () => {
    const clock = fakeClock();
    const { attempt } = failing(new Error('a'), new TypeError('b'));
    expect(await retry(attempt, { sleep: clock.sleep })).toBe('ok');
    expect(clock.waits).toHaveLength(2);
  });

  it('gives up quietly (undefined) once the signal aborts, and does not start when already aborted', async () => {
    const abort = new AbortController();
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls === 3) abort.abort();
        throw new Down('still down');
      },
      { signal: abort.signal, sleep: async () => {} },
    );
    expect(result).toBeUndefined();
    expect(calls).toBe(3);
    let started = false;
    expect(await retry(async () => (started = true), { signal: abort.signal })).toBeUndefined();
    expect(started).toBe(false);
  });

  it('hands its signal to the wait, so aborting ends a wait at once', async () => {
    const abort = new AbortController();
    let entered!: () => void;
    const inWait = new Promise<void>((resolve) => (entered = resolve));
    const done = retry(
      async () => {
        throw new Down('down');
      },
      {
        signal: abort.signal,
        // A wait that only an abort ends.
        sleep: (_ms, signal) => {
          entered();
          return new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
        },
      },
    );
    await inWait;
    abort.abort();
    expect(await done).toBeUndefined();
  });
});
