// The Range header against a file size, without a server: which requests get part of a file, which get all
// of it, and which get 416.
import { describe, expect, it } from 'vitest';
import { chooseRange, rangeStillApplies } from '../../src/web/range.js';

describe('chooseRange', () => {
  it('reads the three forms of one byte range, clamped to the file', () => {
    expect(chooseRange('bytes=0-10', 100)).toEqual({ kind: 'part', start: 0, end: 10 });
    expect(chooseRange('bytes=90-', 100)).toEqual({ kind: 'part', start: 90, end: 99 });
    expect(chooseRange('bytes=-5', 100)).toEqual({ kind: 'part', start: 95, end: 99 });
    expect(chooseRange('bytes=-500', 100)).toEqual({ kind: 'part', start: 0, end: 99 });
    expect(chooseRange('bytes=50-5000', 100)).toEqual({ kind: 'part', start: 50, end: 99 });
    expect(chooseRange(' Bytes = 1 - 2 ', 100)).toEqual({ kind: 'part', start: 1, end: 2 });
  });

  it('a range that starts past the end, or asks for no bytes at all, cannot be satisfied', () => {
    expect(chooseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(chooseRange('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(chooseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what it does not serve: no header, empty files, several ranges, other units, junk', () => {
    for (const header of [
      undefined,
      'bytes=0-1,3-4',
      'items=0-1',
      'bytes=5-1',
      'bytes=a-b',
      'bytes=',
      'bytes=-',
      'bytes=1',
      'bytes=0x10-',
      'bytes=1.5-2',
      'bytes=9999999999999999-',
    ]) {
      expect(chooseRange(header, 100), String(header)).toEqual({ kind: 'whole' });
    }
    expect(chooseRange('bytes=0-10', 0)).toEqual({ kind: 'whole' });
  });
});

describe('rangeStillApplies', () => {
  it('holds without If-Range, or when If-Range is our Last-Modified exactly', () => {
    const date = 'Tue, 24 Nov 2026 01:44:49 GMT';
    expect(rangeStillApplies(undefined, date)).toBe(true);
    expect(rangeStillApplies(date, date)).toBe(true);
    expect(rangeStillApplies('Tue, 24 Nov 2026 01:44:48 GMT', date)).toBe(false);
    expect(rangeStillApplies('"an-etag"', date)).toBe(false);
  });
});
