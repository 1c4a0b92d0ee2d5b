// width.ts counts ASCII itself so that --dump can skip loading string-width: its answers must be string-width's,
// and mayHaveWideText must never call a page plain ASCII when parse5 can make something else of it.
import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { inlineText, parseDocument } from '../../src/browser/document.js';
import { displayWidth, mayHaveWideText } from '../../src/browser/width.js';

const ASCII_BUT_ESC = fc.string({
  unit: fc
    .integer({ min: 0, max: 0x7f })
    .filter((c) => c !== 0x1b)
    .map((c) => String.fromCharCode(c)),
});

describe('displayWidth', () => {
  it('counts ASCII (control characters included) as string-width does', () => {
    fc.assert(
      fc.property(ASCII_BUT_ESC, (s) => {
        expect(displayWidth(s)).toBe(stringWidth(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('measures wide and combining text with string-width', () => {
    expect(displayWidth('中文')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
  });
});

describe('mayHaveWideText', () => {
  const PIECES = [
    '<p>',
    '</p>',
    '<b>',
    'a',
    ' ',
    '\t',
    '\n',
    '&amp;',
    '&lt;',
    '&gt;',
    '&quot;',
    '&apos;',
    '&amp',
    '&copy',
    '&#233;',
    '&#x41;',
    '&nbsp;',
    '&',
    ';',
    '\0',
    '<title>',
    '<textarea>',
    '<pre>',
    'é',
    '\u0085',
    '\x1b',
  ];

  it('is true whenever the parsed text is not plain ASCII', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }), (pieces) => {
        const html = pieces.join('');
        const doc = parseDocument(html, 'http://example.test/');
        const text =
          doc.title + JSON.stringify(doc.blocks.map((b) => ('inlines' in b ? inlineText(b.inlines) : b)));
        if (!mayHaveWideText(html)) expect(text).toMatch(/^[\x00-\x1a\x1c-\x7f]*$/);
      }),
      { numRuns: 3000 },
    );
  });
});
