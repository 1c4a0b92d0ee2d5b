import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTerminalSafe, sanitizeLine, sanitizeText } from '../../src/text/sanitize.js';

describe('sanitizeText', () => {
  it('removes CSI sequences whole (cursor moves, clears, colours)', () => {
    expect(sanitizeText('a\u001b[2Jb\u001b[31;1mc\u001b[0m\u001b[10;20H')).toBe('abc');
  });

  it('removes OSC strings: window title and clipboard writes', () => {
    expect(sanitizeText('x\u001b]0;pwned\u0007y')).toBe('xy');
    expect(sanitizeText('x\u001b]52;c;ZXZpbA==\u001b\\y')).toBe('xy');
  });

  it('removes 8-bit C1 forms and DCS strings', () => {
    expect(sanitizeText('a\u009b2Jb')).toBe('ab');
    expect(sanitizeText('a\u009d0;t\u009cb')).toBe('ab');
    expect(sanitizeText('a\u001bPq#0\u001b\\b')).toBe('ab');
  });

  it('removes other control characters but keeps tab, newline and ordinary text', () => {
    expect(sanitizeText('a\u0000b\u0007c\u0008d\rZ\u007f\tok\nnext')).toBe('abcdZ\tok\nnext');
    expect(sanitizeText('naïve 日本語 emoji 😀')).toBe('naïve 日本語 emoji 😀');
  });

  it('removes bidi overrides', () => {
    expect(sanitizeText('a\u202eb\u2066c')).toBe('abc');
  });

  it('sanitizeLine folds tabs and newlines into spaces', () => {
    expect(sanitizeLine('a\tb\nc\u001b[1m')).toBe('a b c');
  });

  it('never lets ESC or a C0/C1 control through, for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = sanitizeText(s);
        expect(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(out)).toBe(false);
        expect(isTerminalSafe(out)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
