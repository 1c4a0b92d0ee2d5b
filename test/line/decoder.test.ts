// LineDecoder: framing, limits and UTF-8, fed directly (no sockets).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../src/line/decoder.js';
import { LineError, LineTooLongError } from '../../src/line/errors.js';

const b = (s: string) => Buffer.from(s, 'utf8');

/** Feeds the chunks in order; returns every line and the final error code, if any. */
function decode(chunks: Uint8Array[], maxLineBytes = 4096): { lines: string[]; error: string | undefined } {
  const decoder = new LineDecoder({ maxLineBytes });
  const lines: string[] = [];
  for (const chunk of chunks) lines.push(...decoder.push(chunk));
  return { lines, error: decoder.error?.code };
}

function byteByByte(buf: Buffer): Buffer[] {
  return [...buf].map((byte) => Buffer.from([byte]));
}

describe('LineDecoder framing', () => {
  it('splits one chunk into lines ending in \\n or \\r\\n', () => {
    expect(decode([b('one\ntwo\r\nthree\n')]).lines).toEqual(['one', 'two', 'three']);
  });

  it('joins a line split across packets and keeps the unterminated rest for later', () => {
    const decoder = new LineDecoder();
    expect(decoder.push(b('hel'))).toEqual([]);
    expect(decoder.push(b('lo\nwor'))).toEqual(['hello']);
    expect(decoder.bufferedBytes).toBe(3);
    expect(decoder.push(b('ld\n'))).toEqual(['world']);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('gives the same lines when fed byte by byte', () => {
    const text = b('REGISTER ana\r\nMESSAGE héllo wörld ✓ 😀\r\n\nPING\n');
    expect(decode(byteByByte(text)).lines).toEqual(['REGISTER ana', 'MESSAGE héllo wörld ✓ 😀', 'PING']);
  });

  it('treats a \\r at the end of one chunk and \\n at the start of the next as one line end', () => {
    expect(decode([b('abc\r'), b('\ndef\r'), b('\n')]).lines).toEqual(['abc', 'def']);
  });

  it('keeps a \\r that is not followed by \\n inside the line', () => {
    expect(decode([b('a\rb\n'), b('c\r'), b('d\n')]).lines).toEqual(['a\rb', 'c\rd']);
  });

  it('ignores empty lines, including bare \\r\\n', () => {
    expect(decode([b('\n\r\n\nx\n\r\n'), b('\r'), b('\n')]).lines).toEqual(['x']);
  });

  it('end() returns an unterminated last line, without a trailing \\r', () => {
    const decoder = new LineDecoder();
    expect(decoder.push(b('last words\r'))).toEqual([]);
    expect(decoder.end()).toBe('last words');
    expect(decoder.end()).toBeUndefined();
  });

  it('rejects a non-positive limit at construction', () => {
    expect(() => new LineDecoder({ maxLineBytes: 0 })).toThrow(RangeError);
  });
});

describe('LineDecoder limit', () => {
  const max = 16;

  it('accepts a line of exactly maxLineBytes, with \\n or \\r\\n, even split before the \\r\\n', () => {
    const line = 'x'.repeat(max);
    expect(decode([b(`${line}\n`)], max)).toEqual({ lines: [line], error: undefined });
    expect(decode([b(`${line}\r\n`)], max)).toEqual({ lines: [line], error: undefined });
    expect(decode([b(line), b('\r'), b('\n')], max)).toEqual({ lines: [line], error: undefined });
    expect(decode(byteByByte(b(`${line}\r\n`)), max)).toEqual({ lines: [line], error: undefined });
  });

  it('counts bytes, not characters: a limit-sized line of multi-byte characters passes, one more byte fails', () => {
    expect(decode([b('é'.repeat(8) + '\n')], max).lines).toEqual(['é'.repeat(8)]);
    expect(decode([b('é'.repeat(8) + 'x\n')], max).error).toBe('LINE_TOO_LONG');
  });

  it('fails a line of maxLineBytes + 1 with LINE_TOO_LONG, after returning the lines before it', () => {
    const decoder = new LineDecoder({ maxLineBytes: max });
    const lines = decoder.push(b(`ok\n${'y'.repeat(max + 1)}\nnever\n`));
    expect(lines).toEqual(['ok']);
    expect(decoder.error).toBeInstanceOf(LineTooLongError);
    expect(decoder.error).toBeInstanceOf(LineError);
    expect(decoder.error?.code).toBe('LINE_TOO_LONG');
    expect(decoder.error?.limit).toBe(max);
    // Failed is sticky: nothing more comes out.
    expect(decoder.push(b('more\n'))).toEqual([]);
    expect(decoder.end()).toBeUndefined();
  });

  it('detects an overlong line while it arrives, never holding more than the limit', () => {
    const decoder = new LineDecoder({ maxLineBytes: max });
    let fed = 0;
    while (decoder.error === null && fed < 10_000) {
      decoder.push(b('z'));
      fed++;
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(max);
    }
    expect(decoder.error?.code).toBe('LINE_TOO_LONG');
    expect(fed).toBe(max + 1);
  });

  it('fails a huge chunk without a newline at once', () => {
    const decoder = new LineDecoder({ maxLineBytes: max });
    decoder.push(Buffer.alloc(1 << 20, 0x61));
    expect(decoder.error?.code).toBe('LINE_TOO_LONG');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('fails when the pending part plus the next chunk exceed the limit', () => {
    expect(decode([b('a'.repeat(10)), b(`${'a'.repeat(7)}\n`)], max).error).toBe('LINE_TOO_LONG');
    expect(decode([b('a'.repeat(10)), b(`${'a'.repeat(6)}\r\n`)], max).error).toBeUndefined();
  });

  it('does not let a run of \\r slip past the limit', () => {
    expect(decode([b('a'.repeat(max)), b('\r'), b('\r'), b('\n')], max).error).toBe('LINE_TOO_LONG');
  });
});

describe('LineDecoder UTF-8', () => {
  it('replaces invalid bytes with U+FFFD and goes on', () => {
    const bad = Buffer.concat([
      b('a'),
      Buffer.from([0xff, 0xfe]),
      b('b\n'),
      Buffer.from([0xc3]),
      b('\nok\n'),
    ]);
    expect(decode([bad]).lines).toEqual(['a\ufffd\ufffdb', '\ufffd', 'ok']);
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const text = b('😀é✓\n');
    for (let cut = 1; cut < text.length - 1; cut++) {
      expect(decode([text.subarray(0, cut), text.subarray(cut)]).lines).toEqual(['😀é✓']);
    }
  });

  it('replaces a truncated character at the end of a line rather than joining it to the next line', () => {
    expect(decode([Buffer.from([0xf0, 0x9f]), b('\nx\n')]).lines).toEqual(['\ufffd', 'x']);
  });

  it('accepts Uint8Array chunks, not only Buffers', () => {
    expect(decode([new TextEncoder().encode('plain\n')]).lines).toEqual(['plain']);
  });
});

describe('LineDecoder properties', () => {
  // Lines without \n, without a trailing \r, not empty: exactly what must come out again.
  const lineArb = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
    .map((s) => s.replace(/\n/g, ' ').replace(/\r+$/, ''))
    .filter((s) => s.length > 0 && Buffer.byteLength(s) <= 200);

  it('random chunking of random lines always yields the same lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(lineArb, fc.boolean()), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (lines, cuts) => {
          const wire = Buffer.from(
            lines.map(([line, crlf]) => line + (crlf ? '\r\n' : '\n')).join(''),
            'utf8',
          );
          const chunks: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < wire.length; i++) {
            const size = cuts[i % cuts.length]!;
            chunks.push(wire.subarray(at, at + size));
            at += size;
          }
          const result = decode(chunks, 200);
          expect(result.error).toBeUndefined();
          expect(result.lines).toEqual(lines.map(([line]) => line));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes, and every line it returns fits the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const decoder = new LineDecoder({ maxLineBytes: 32 });
        for (const chunk of chunks) {
          for (const line of decoder.push(chunk)) {
            expect(line.length).toBeGreaterThan(0);
            expect(line).not.toContain('\n');
            // U+FFFD is 3 bytes but replaces at least one input byte; measure the input side instead.
            expect(line.length).toBeLessThanOrEqual(32);
          }
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(33);
        }
        decoder.end();
      }),
      { numRuns: 300 },
    );
  });
});
