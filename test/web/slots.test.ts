// ConnectionSlots alone: who is let in, who makes room, and who is refused.
import { describe, expect, it } from 'vitest';
import { ConnectionSlots } from '../../src/web/slots.js';

describe('ConnectionSlots', () => {
  it('admits up to the limit, then makes room by shedding the longest-waiting connection', () => {
    const slots = new ConnectionSlots<string>(2);
    expect(slots.admit('a')).toEqual({ admitted: true });
    expect(slots.admit('b')).toEqual({ admitted: true });
    expect(slots.admit('c')).toEqual({ admitted: true, shed: 'a' });
    expect(slots.size).toBe(2);
  });

  it('never sheds a connection with a request in progress, and refuses when all have one', () => {
    const slots = new ConnectionSlots<string>(2);
    slots.admit('a');
    slots.admit('b');
    slots.requestStarted('a');
    expect(slots.admit('c')).toEqual({ admitted: true, shed: 'b' });
    slots.requestStarted('c');
    expect(slots.admit('d')).toEqual({ admitted: false });
    expect(slots.size).toBe(2);
  });

  it('counts a connection just answered as the newest waiter, and pipelined requests one by one', () => {
    const slots = new ConnectionSlots<string>(2);
    slots.admit('a');
    slots.admit('b');
    slots.requestStarted('a');
    slots.requestStarted('a');
    slots.requestEnded('a');
    expect(slots.admit('c')).toEqual({ admitted: true, shed: 'b' });
    slots.requestEnded('a');
    // 'c' has waited since it came; 'a' only since its last answer.
    expect(slots.admit('d')).toEqual({ admitted: true, shed: 'c' });
  });

  it('frees the slot of a closed connection and ignores later news of it', () => {
    const slots = new ConnectionSlots<string>(1);
    slots.admit('a');
    slots.release('a');
    slots.requestStarted('a');
    slots.requestEnded('a');
    expect(slots.size).toBe(0);
    expect(slots.admit('b')).toEqual({ admitted: true });
  });
});
