import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeldLeaves } from '../../src/imchat/held-leaves.js';
import type { RoomEvent } from '../../src/imchat/live.js';

const timedOut = (name: string): RoomEvent => ({ kind: 'leave', name, timedOut: true });
const joined = (name: string): RoomEvent => ({ kind: 'join', name, rejoin: true });

describe('HeldLeaves', () => {
  // Fake timers are the injectable clock here: Date.now() and setTimeout both move only when the test says.
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function make() {
    const shown: RoomEvent[] = [];
    const held = new HeldLeaves({ ttlSeconds: 6, heartbeatMs: 2000, show: (e) => shown.push(e) });
    return { shown, held };
  }

  it('shows a "timed out" at once when the store has not been away', () => {
    const { shown, held } = make();
    held.show([timedOut('ann'), joined('bob')]);
    expect(shown).toEqual([timedOut('ann'), joined('bob')]);
  });

  it('after an outage, drops a "timed out" and the "joined" that follows when its owner is back in time', () => {
    const { shown, held } = make();
    held.storeBack();
    held.show([timedOut('ann')]);
    expect(shown).toEqual([]);
    vi.advanceTimersByTime(3000);
    held.show([joined('ann')]);
    vi.advanceTimersByTime(10_000);
    expect(shown).toEqual([]);
  });

  it('after an outage, shows the "timed out" of one who does not come back, a heartbeat and a grace later', () => {
    const { shown, held } = make();
    held.storeBack();
    held.show([timedOut('ann')]);
    vi.advanceTimersByTime(3999);
    expect(shown).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(shown).toEqual([timedOut('ann')]);
  });

  it('holds nothing once the outage is long past (TTL plus the watch backoff)', () => {
    const { shown, held } = make();
    held.storeBack();
    vi.advanceTimersByTime(8000);
    held.show([timedOut('ann')]);
    expect(shown).toEqual([timedOut('ann')]);
  });

  it('shows nothing held after it is closed (the session stopped)', () => {
    const { shown, held } = make();
    held.storeBack();
    held.show([timedOut('ann')]);
    held.close();
    vi.advanceTimersByTime(10_000);
    expect(shown).toEqual([]);
  });
});
