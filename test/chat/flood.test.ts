import { describe, expect, it } from 'vitest';
import { FloodGate } from '../../src/chat/flood.js';

describe('FloodGate', () => {
  it('lets a burst of 10 through, then delays at 5 per second', () => {
    const gate = new FloodGate();
    for (let i = 0; i < 10; i++) expect(gate.admit(1000)).toEqual({ action: 'run' });
    expect(gate.admit(1000)).toEqual({ action: 'delay', ms: 200 });
    expect(gate.admit(1000)).toEqual({ action: 'delay', ms: 400 });
  });

  it('refills over time and never lets more than the rate through in the long run', () => {
    const gate = new FloodGate({ burst: 10, ratePerSecond: 5, maxQueued: 1000 });
    let runAt = 0;
    // 100 commands at once: the last one may run only after (100 - 10) intervals of 200 ms.
    for (let i = 0; i < 100; i++) {
      const d = gate.admit(0);
      runAt = d.action === 'delay' ? d.ms : d.action === 'run' ? 0 : Number.NaN;
    }
    expect(runAt).toBe(90 * 200);
    // After a long pause the full burst is available again.
    const later = new FloodGate();
    for (let i = 0; i < 10; i++) later.admit(0);
    expect(later.admit(100)).toMatchObject({ action: 'delay' });
    for (let i = 0; i < 10; i++) expect(later.admit(60_000)).toEqual({ action: 'run' });
  });

  it('keeps a steady 5/s sender undelayed', () => {
    const gate = new FloodGate();
    for (let t = 0; t < 60_000; t += 200) expect(gate.admit(t)).toEqual({ action: 'run' });
  });

  it('disconnects a client with more than maxQueued waiting commands', () => {
    const gate = new FloodGate({ burst: 2, ratePerSecond: 10, maxQueued: 3 });
    const actions = Array.from({ length: 7 }, () => gate.admit(0).action);
    expect(actions).toEqual(['run', 'run', 'delay', 'delay', 'delay', 'disconnect', 'disconnect']);
  });
});
