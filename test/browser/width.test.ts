// width.ts counts ASCII itself so that --dump can skip loading string-width: its answers must be string-width's,
// and mayHaveWideText must never call a page plain ASCII when parse5 can make something else of it.
import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { inlineText, parseDocument } from '../../src/browser/document.js';
import { displayWidth } from '../../src/browser/render.js';
import { mayHaveWideText, NARROW, NARROW_REFERENCES, roughWidth } from '../../src/browser/width.js';

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

  // NARROW in width.ts: every character counted as one column without string-width must be one for it too, alone
  // and between two others (it must not combine with a neighbour).
  it('counts every character NARROW covers as string-width does', () => {
    let covered = 0;
    for (let c = 0x80; c < 0x3000; c++) {
      const ch = String.fromCharCode(c);
      if (!NARROW.test(ch)) continue;
      covered++;
      expect([c.toString(16), displayWidth(ch), stringWidth(`a${ch}b`)]).toEqual([
        c.toString(16),
        stringWidth(ch),
        3,
      ]);
      expect(displayWidth(ch)).toBe(1);
    }
    expect(covered).toBeGreaterThan(1000);
    expect(NARROW.test('\u00ad')).toBe(false);
  });

  it('counts mixed ASCII, letters, punctuation, symbols and control characters as string-width does', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }).filter((c) => c !== 0x1b),
      fc.integer({ min: 0x80, max: 0x600 }),
      fc.integer({ min: 0x2000, max: 0x2600 }),
      fc.constantFrom(0x301, 0x483, 0x4e2d, 0x200b, 0x200d, 0xfe0f),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 20 }), (codes) => {
        const s = String.fromCharCode(...codes);
        expect(displayWidth(s)).toBe(stringWidth(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('measures wide and combining text with string-width', () => {
    expect(displayWidth('中文')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  // Where require(esm) cannot load string-width (Node before 22.12), the common scripts still line up.
  it('has a stand-in that agrees with string-width on CJK, Hangul, kana, fullwidth forms and combining marks', () => {
    for (const text of [
      '中文字',
      '한국어',
      'ひらがなカタカナ',
      'ＡＢＣ１２３',
      'e\u0301te\u0301',
      'naïve café',
      'a\tb',
    ])
      expect([text, roughWidth(text)]).toEqual([text, stringWidth(text)]);
  });
});

describe('mayHaveWideText', () => {
  it('lets through only named references that parse5 decodes to one NARROW character', () => {
    for (const name of NARROW_REFERENCES) {
      const block = parseDocument(`<p>&${name};</p>`, 'http://example.test/').blocks[0];
      const text = block && 'inlines' in block ? inlineText(block.inlines) : '';
      expect([name, text.length === 1 && NARROW.test(text)]).toEqual([name, true]);
    }
  });

  it('does not load string-width for the references documentation pages use', () => {
    expect(mayHaveWideText('<p>&copy; 2001 &#8212; Python &raquo; &#187; &amp; &mdash; &#x2019;</p>')).toBe(
      false,
    );
    expect(mayHaveWideText('<p>&#x4e2d;</p>')).toBe(true);
    expect(mayHaveWideText('<p>&trade;</p>')).toBe(true);
    expect(mayHaveWideText('<p>&copy</p>')).toBe(true);
  });

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
    '&#187;',
    '&#8212;',
    '&#x2014;',
    '&#x2014',
    '&#150;',
    '&#0;',
    '&#27;',
    '&#x1F600;',
    '&#12345678901;',
    '&mdash;',
    '&raquo;',
    '&shy;',
    '&ensp;',
    '&notin;',
    '&notit;',
    '&#9;',
    '&#',
    '&x',
    '&',
    ';',
    '\0',
    '<title>',
    '<textarea>',
    '<pre>',
    'é',
    '\u00a0',
    '\u00ad',
    '\u2014',
    '\u2026',
    '\u201c',
    '\u2030',
    '\u0301',
    '\u0416',
    '\u0483',
    '\u2502',
    '中',
    '\u0085',
    '\x1b',
  ];

  it('is true whenever the parsed text is not all characters width.ts measures by itself', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }), (pieces) => {
        const html = pieces.join('');
        const doc = parseDocument(html, 'http://example.test/');
        const text =
          doc.title + JSON.stringify(doc.blocks.map((b) => ('inlines' in b ? inlineText(b.inlines) : b)));
        if (!mayHaveWideText(html))
          for (const ch of text) expect(/[\x00-\x1a\x1c-\x7f]/.test(ch) || NARROW.test(ch)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
