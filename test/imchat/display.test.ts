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
