// Display columns of terminal text. ASCII and the one-column letters and symbols of NARROW are counted here;
// anything else is measured by string-width, whose loading (Unicode tables, Intl.Segmenter) and first call are a
// good part of a small page's time, so the layout takes the width function as an argument (LayoutOptions.measure):
// render.ts binds to it a string-width loaded on the first text that needs it (lazyStringWidth), `--dump` decides
// from the page's source whether to load it at once (mayHaveWideText).
import { createRequire } from 'node:module';

export const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// Characters of one column each, one UTF-16 unit each, that never combine with a neighbour, so that a string
// of them is as many columns wide as it is long (string-width agrees: test/browser/width.test.ts checks every
// one of them): Latin-1 but the soft hyphen (0 columns), Latin Extended-A and -B, Greek and Cyrillic letters (not
// their combining marks), General Punctuation's dashes, quotes and the like, superscripts and subscripts, currency
// symbols (the euro), letterlike symbols (trade mark, Kelvin), number forms (fractions, Roman numerals), arrows,
// mathematical operators (minus, less-or-equal, infinity) and box drawing. Most pages in European languages need
// nothing else (all but 5 of Python's 530 documentation pages), so they are measured without loading string-width.
// The letters and punctuation of most pages, and the rarer symbols: MAY_BE_WIDE scans a whole page with the first
// only (with the symbols too, V8 drops its fast scan: contents.html's took 32 ms instead of 6).
const COMMON_NARROW_CHARS =
  '\\u00a0-\\u00ac\\u00ae-\\u024f\\u0370-\\u0377\\u037a-\\u037f\\u0384-\\u038a\\u038c\\u038e-\\u03a1\\u03a3-\\u0482' +
  '\\u048a-\\u04ff\\u2010-\\u2027\\u2030-\\u205e\\u2190-\\u21ff\\u2500-\\u257f';
const NARROW_CHARS =
  COMMON_NARROW_CHARS +
  '\\u2070\\u2071\\u2074-\\u208e\\u2090-\\u209c\\u20a0-\\u20c0\\u2100-\\u214f\\u2153-\\u2188\\u2200-\\u22ff';
/** Printable ASCII and the characters above: one column each. */
export const NARROW = new RegExp(`^[\\x20-\\x7e${NARROW_CHARS}]*$`);
// The same with control characters but ESC: string-width gives each control character (tab included) 0 columns.
const NARROW_OR_CONTROL = new RegExp(`^[\\x00-\\x1a\\x1c-\\x7f${NARROW_CHARS}]*$`);
const CONTROL = /[\x00-\x1f\x7f]/g;
// What parse5 can turn into something NARROW_OR_CONTROL does not cover: other characters, NUL (U+FFFD), ESC,
// and character references (checked one by one in mayHaveWideText: most decode to NARROW characters).
const MAY_BE_WIDE = new RegExp(
  `[^\\x01-\\x1a\\x1c-\\x7f${COMMON_NARROW_CHARS}]|&(?:#[xX]([0-9a-fA-F]+);?|#([0-9]+);?|([A-Za-z][A-Za-z0-9]*);|(?=[#A-Za-z]))`,
  'g',
);
/**
 * Named references whose character is NARROW (test/browser/width.test.ts decodes each with parse5 and checks
 * it): the ones documentation pages use, such as `&copy;`, `&raquo;` and `&mdash;`. Any other name may be wide.
 */
export const NARROW_REFERENCES: ReadonlySet<string> = new Set(
  (
    'amp lt gt quot apos nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not reg macr deg ' +
    'plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest times divide ' +
    'Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH ' +
    'Ntilde Ograve Oacute Ocirc Otilde Ouml Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute ' +
    'acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve ' +
    'oacute ocirc otilde ouml oslash ugrave uacute ucirc uuml yacute thorn yuml OElig oelig Scaron scaron Yuml ' +
    'fnof ndash mdash lsquo rsquo sbquo ldquo rdquo bdquo dagger Dagger bull hellip permil prime Prime lsaquo ' +
    'rsaquo oline frasl larr uarr rarr darr harr'
  ).split(' '),
);
const isNarrowCodePoint = (cp: number): boolean =>
  (cp >= 0x01 && cp <= 0x7f && cp !== 0x1b) ||
  (cp >= 0xa0 && cp <= 0xffff && NARROW.test(String.fromCharCode(cp)));

/** Display columns of a string (terminal-safe text; plainwire's own SGR is not counted). */
export type MeasureText = (text: string) => number;

/** True when a page's source may yield text that NARROW does not cover (so string-width must be loaded). */
export function mayHaveWideText(source: string): boolean {
  MAY_BE_WIDE.lastIndex = 0;
  for (let m = MAY_BE_WIDE.exec(source); m !== null; m = MAY_BE_WIDE.exec(source)) {
    const first = m[0].charCodeAt(0);
    if (first !== 0x26) {
      if (isNarrowCodePoint(first)) continue;
      return true;
    }
    const [, hex, decimal, name] = m;
    if (name !== undefined) {
      if (!NARROW_REFERENCES.has(name)) return true;
    } else if (hex !== undefined || decimal !== undefined) {
      // parse5 maps 0x80-0x9f to windows-1252's characters, some of them not NARROW: left to string-width.
      const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(decimal!, 10);
      if ((cp >= 0x80 && cp <= 0x9f) || !isNarrowCodePoint(cp)) return true;
    } else return true; // `&` before a name without `;` or a malformed number: whatever parse5 makes of it.
  }
  return false;
}

/**
 * A displayWidth that counts NARROW text (and control characters, 0 columns each, as string-width does) itself and
 * hands anything else to `wide` (string-width's default export, or lazyStringWidth()).
 */
export function displayWidthWith(wide: MeasureText): MeasureText {
  return (s) => {
    if (NARROW.test(s)) return s.length;
    if (NARROW_OR_CONTROL.test(s)) return s.replace(CONTROL, '').length;
    return wide(s);
  };
}

/**
 * string-width, loaded on its first use (render.ts and --dump measure with it; most pages never need it). require(esm)
 * loads it on Node 22.12 and later; before that, a rough measure stands in: East Asian wide and fullwidth
 * characters and emoji 2 columns, combining marks 0, the rest 1 (a rare character may misalign, nothing crashes).
 */
export function lazyStringWidth(): MeasureText {
  let wide: MeasureText | null = null;
  return (s) => {
    if (wide === null) {
      try {
        wide = (createRequire(import.meta.url)('string-width') as { default: MeasureText }).default;
      } catch {
        wide = roughWidth;
      }
    }
    return wide(s);
  };
}

const ROUGH_WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
// Combining marks and zero-width characters, as [first, last] code points.
const ROUGH_ZERO: ReadonlyArray<readonly [number, number]> = [
  [0x300, 0x36f],
  [0x483, 0x489],
  [0x591, 0x5bd],
  [0x200b, 0x200f],
  [0x20d0, 0x20ff],
  [0xfe00, 0xfe0f],
  [0xfe20, 0xfe2f],
];

/** The stand-in for string-width where it cannot be loaded synchronously (exported for the tests). */
export function roughWidth(text: string): number {
  let columns = 0;
  for (const char of text.replace(CONTROL, '')) {
    const cp = char.codePointAt(0)!;
    if (ROUGH_ZERO.some(([first, last]) => cp >= first && cp <= last)) continue;
    columns += ROUGH_WIDE.test(char) ? 2 : 1;
  }
  return columns;
}
