import { describe, expect, it } from 'vitest';
import { History } from '../../src/browser/history.js';

describe('History', () => {
  it('goes back and forward, and a new visit drops the forward entries', () => {
    const h = new History<string>();
    expect(h.back()).toBeUndefined();
    h.visit('3');
    h.visit('4');
    h.visit('5');
    expect([h.back(), h.back(), h.back()]).toEqual(['4', '3', undefined]);
    expect(h.forward()).toBe('4');
    h.visit('1');
    expect([h.canGoForward, h.current, h.length]).toEqual([false, '1', 3]);
    h.replace('1b');
    expect([h.back(), h.forward()]).toEqual(['4', '1b']);
  });

  it('keeps at most `limit` entries, dropping the oldest', () => {
    const h = new History<number>(3);
    for (let i = 0; i < 10; i++) h.visit(i);
    expect(h.length).toBe(3);
    expect([h.back(), h.back(), h.back()]).toEqual([8, 7, undefined]);
  });
});
