import { describe, expect, it } from 'vitest';
import { formatEvent, turnPrompt } from '../../src/imchat/display.js';
import { isTerminalSafe } from '../../src/text/sanitize.js';
import { makeStyle } from '../../src/term/style.js';

describe('turn mode on screen', () => {
  it('puts whose turn it is in the prompt, where the person types', () => {
    expect(turnPrompt({ kind: 'turn', state: 'mine', turn: 1 })).toBe('your turn> ');
    expect(turnPrompt({ kind: 'turn', state: 'other', other: 'alice', turn: 1 })).toBe("(alice's turn)> ");
    expect(turnPrompt({ kind: 'turn', state: 'partner', turn: 0 })).toBe('(waiting for a partner)> ');
  });

  it('never lets a name from the store put escape sequences in the prompt or the lines', () => {
    const other = 'ev\u001b[2Jil\u0007';
    const prompt = turnPrompt({ kind: 'turn', state: 'other', other, turn: 2 });
    expect(isTerminalSafe(prompt)).toBe(true);
    const line = formatEvent({ kind: 'turn', state: 'other', other, turn: 2 }, makeStyle(false), 'me');
    expect(isTerminalSafe(line)).toBe(true);
  });
});

describe('messages on screen', () => {
  const plain = makeStyle(false);
  const message = {
    kind: 'message',
    name: 'alice',
    seq: 2,
    at: 0,
    text: 'I resign',
    revision: 5,
    history: false,
  } as const;

  it("marks an unverified entry before the name, so it never reads as the sender's words", () => {
    expect(formatEvent(message, plain, 'bob')).toMatch(/^\[\d\d:\d\d:\d\d\] alice: I resign$/);
    const marked = formatEvent({ ...message, unverified: 'not signed' }, plain, 'bob');
    expect(marked).toMatch(/^\[\d\d:\d\d:\d\d\] \[unverified: not signed\] alice: I resign$/);
    expect(formatEvent({ ...message, unverified: 'x\u001b[2J' }, plain, 'bob')).not.toContain('\u001b');
  });

  it('counts missing messages in words', () => {
    expect(formatEvent({ kind: 'missing', name: 'alice', count: 1 }, plain, 'bob')).toMatch(
      /\* 1 message from alice missing$/,
    );
    expect(formatEvent({ kind: 'missing', name: 'alice', count: 3 }, plain, 'bob')).toMatch(
      /\* 3 messages from alice missing$/,
    );
  });
});
