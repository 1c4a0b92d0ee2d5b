// Display columns of terminal text. ASCII is counted here; anything else is measured by string-width, whose
// loading (Unicode tables, Intl.Segmenter) is a good part of a `--dump`'s start-up, so it is loaded only when
// needed: render.ts loads it for every user of the layout, `--dump` only for a page that may have such text.
import { createRequire } from 'node:module';

export const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// ASCII without ESC: string-width gives each control character (tab included) 0 columns, others 1.
const PLAIN_ASCII = /^[\x00-\x1a\x1c-\x7f]*$/;
const CONTROL = /[\x00-\x1f\x7f]/g;
// What parse5 can turn into something other than plain ASCII: non-ASCII, NUL (U+FFFD), ESC, and any character
// reference except the five that decode to ASCII.
const MAY_BE_WIDE = /[^\x01-\x1a\x1c-\x7f]|&(?!(?:amp|lt|gt|quot|apos);)/;

let wide: ((s: string) => number) | null = null;

/** Gives the measure for text beyond ASCII (string-width's default export). */
export function setWideWidth(measure: (s: string) => number): void {
  wide = measure;
}

/** True when a page's source may yield text that is not plain ASCII (so string-width must be loaded). */
export function mayHaveWideText(source: string): boolean {
  return MAY_BE_WIDE.test(source);
}

/** Display columns of a string (terminal-safe text; plainwire's own SGR is not counted). */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  if (PLAIN_ASCII.test(s)) return s.replace(CONTROL, '').length;
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
