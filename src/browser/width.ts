// Display columns of terminal text. ASCII and the one-column letters and symbols of NARROW are counted here;
// anything else is measured by string-width, whose loading (Unicode tables, Intl.Segmenter) and measuring are a
// good part of a `--dump`'s time, so it is loaded only when needed: render.ts loads it for every user of the
// layout, `--dump` only for a page that may have such text.
import { createRequire } from 'node:module';

export const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// Characters of one column each, one UTF-16 unit each, that never combine with a neighbour, so that a string
// of them is as many columns wide as it is long (string-width agrees: test/browser/width.test.ts checks every
// one of them): Latin-1 but the soft hyphen (0 columns), Latin Extended-A and -B, Greek and Cyrillic letters (not
// their combining marks), General Punctuation's dashes, quotes and the like, arrows and box drawing. Most
// pages in European languages need nothing else, so they are measured without loading string-width.
const NARROW_CHARS =
  '\\u00a0-\\u00ac\\u00ae-\\u024f\\u0370-\\u0377\\u037a-\\u037f\\u0384-\\u038a\\u038c\\u038e-\\u03a1\\u03a3-\\u0482' +
  '\\u048a-\\u04ff\\u2010-\\u2027\\u2030-\\u205e\\u2190-\\u21ff\\u2500-\\u257f';
/** Printable ASCII and the characters above: one column each. */
export const NARROW = new RegExp(`^[\\x20-\\x7e${NARROW_CHARS}]*$`);
// The same with control characters but ESC: string-width gives each control character (tab included) 0 columns.
const NARROW_OR_CONTROL = new RegExp(`^[\\x00-\\x1a\\x1c-\\x7f${NARROW_CHARS}]*$`);
const CONTROL = /[\x00-\x1f\x7f]/g;
// What parse5 can turn into something NARROW_OR_CONTROL does not cover: other characters, NUL (U+FFFD), ESC,
// and any character reference except the five that decode to ASCII.
const MAY_BE_WIDE = new RegExp(`[^\\x01-\\x1a\\x1c-\\x7f${NARROW_CHARS}]|&(?!(?:amp|lt|gt|quot|apos);)`);

let wide: ((s: string) => number) | null = null;

/** Gives the measure for text beyond ASCII (string-width's default export). */
export function setWideWidth(measure: (s: string) => number): void {
  wide = measure;
}

/** True when a page's source may yield text that NARROW does not cover (so string-width must be loaded). */
export function mayHaveWideText(source: string): boolean {
  return MAY_BE_WIDE.test(source);
}

/** Display columns of a string (terminal-safe text; plainwire's own SGR is not counted). */
export function displayWidth(s: string): number {
  if (NARROW.test(s)) return s.length;
  if (NARROW_OR_CONTROL.test(s)) return s.replace(CONTROL, '').length;
  if (wide === null) {
    // Not reached when the page was checked with mayHaveWideText; a last resort where require(esm) works (Node
    // 20.19 and later). Before that, one column per code point: a wide character may misalign, nothing crashes.
    try {
      const loaded = createRequire(import.meta.url)('string-width') as { default: (s: string) => number };
      wide = loaded.default;
    } catch {
      wide = (text: string) => [...text.replace(CONTROL, '')].length;
    }
  }
  return wide(s);
}
