import { describe, expect, it } from 'vitest';
import { TextLineSplitter } from '../../src/connect/lines.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('TextLineSplitter', () => {
  it('keeps empty lines, takes "\\n" and "\\r\\n", and hands over an unterminated last line at the end', () => {
    const s = new TextLineSplitter(100);
    expect(s.push(bytes('HTTP/1.0 200 OK\r\nA: b\r\n\r\nbody\n\nmore'))).toEqual([
      'HTTP/1.0 200 OK',
      'A: b',
      '',
      'body',
      '',
    ]);
    expect(s.end()).toBe('more');
    expect(s.end()).toBeUndefined();
  });

  it('joins a line (and a character) split across chunks, and a "\\r\\n" split between them', () => {
    const s = new TextLineSplitter(100);
    const all = bytes('héllo\r\n\r\nwörld\n');
    const lines: string[] = [];
    for (let i = 0; i < all.length; i++) lines.push(...s.push(all.subarray(i, i + 1)));
    expect(lines).toEqual(['héllo', '', 'wörld']);
  });

  it('stops at a line longer than the limit, counting a final "\\r" only once it is a line end', () => {
    const s = new TextLineSplitter(4);
    expect(s.push(bytes('abcd\r'))).toEqual([]);
    expect(s.push(bytes('\nabcde'))).toEqual(['abcd']);
    expect(s.tooLong).toBe(true);
    expect(s.push(bytes('\nfine\n'))).toEqual([]);
    const t = new TextLineSplitter(4);
    expect(t.push(bytes('ok\nabcdef\nlater\n'))).toEqual(['ok']);
    expect(t.tooLong).toBe(true);
  });

  it('shows the line left open (a prompt) without a half character, and forgets it once answered', () => {
    const s = new TextLineSplitter(100);
    const prompt = bytes('Welcome\nNäme: ');
    expect(s.push(prompt.subarray(0, 10))).toEqual(['Welcome']);
    // "ä" is two bytes and only the first has come.
    expect(s.partial).toBe('N');
    expect(s.push(prompt.subarray(10))).toEqual([]);
    expect(s.partial).toBe('Näme: ');
    s.dropPartial();
    expect(s.partial).toBe('');
    expect(s.push(bytes('Hello bob\r\n'))).toEqual(['Hello bob']);
  });
});
