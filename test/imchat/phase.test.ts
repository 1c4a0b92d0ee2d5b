import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../src/imchat/phase.js';

describe('Lifecycle', () => {
  it('goes opening, open, leaving, stopped, and says at each step what the session may do', () => {
    const life = new Lifecycle();
    expect(life.phase).toEqual({ kind: 'opening' });
    expect([life.opened, life.leaving, life.stopped]).toEqual([false, false, false]);
    expect(life.open()).toBe(true);
    expect([life.opened, life.leaving, life.stopped]).toEqual([true, false, false]);
    expect(life.leave()).toBe(true);
    expect(life.phase).toEqual({ kind: 'leaving', wasOpen: true });
    expect([life.opened, life.leaving, life.stopped]).toEqual([true, true, false]);
    expect(life.stop()).toBe(true);
    expect([life.opened, life.leaving, life.stopped]).toEqual([false, true, true]);
  });

  it('leaves a room it never showed (the room was full) without counting it as shown', () => {
    const life = new Lifecycle();
    expect(life.leave()).toBe(true);
    expect(life.phase).toEqual({ kind: 'leaving', wasOpen: false });
    expect(life.opened).toBe(false);
  });

  it('refuses the moves that are not allowed, changing nothing', () => {
    const life = new Lifecycle();
    life.open();
    expect(life.open()).toBe(false);
    life.leave();
    expect(life.leave()).toBe(false);
    expect(life.open()).toBe(false);
    expect(life.phase.kind).toBe('leaving');
    life.stop();
    expect(life.stop()).toBe(false);
    expect(life.leave()).toBe(false);
    expect(life.open()).toBe(false);
    expect(life.phase.kind).toBe('stopped');
  });

  it('stops from opening (failed to open, or abandoned)', () => {
    const life = new Lifecycle();
    expect(life.stop()).toBe(true);
    expect(life.open()).toBe(false);
    expect(life.stopped).toBe(true);
  });
});
