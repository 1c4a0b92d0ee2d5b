// The fast path of --dump's layout: paragraphs and cells whose every character takes one column, laid out as one
// string and wrapped with native string calls. It gives exactly WordBuilder's lines (words.ts), or declines.
import type { Inline } from './blocks.js';
import { NARROW } from './width.js';
import { EM, type Line, type Numbering, type NumberedThing, STRONG } from './words.js';

/**
 * The no-colour layout of some inlines as one string, when every character in them takes one column (NARROW in
 * width.ts: ASCII, Latin-1, common punctuation): words joined by single spaces, with `*`, `**` and `[n]` glued on
 * exactly where WordBuilder glues them. Wrapping that string at spaces then gives WordBuilder's lines with a few
 * native string calls per line instead of several method calls per word. Returns null (and numbers nothing) for what only WordBuilder lays out: line breaks, form fields,
 * text whose width is not its length. --dump of a large page spends most of its layout time here.
 */
export class FlatText {
  /**
   * The text so far, except for a space at its end, which is only noted (`space`): looking at the end of a
   * string built by appending flattens it, and a paragraph can be megabytes long.
   */
  private out = '';
  private space = false;
  /** Two spaces in a row, or a space first: WordBuilder would skip an empty word there, which this cannot. */
  private uneven = false;
  private pendingOpen = '';
  /** Visible pieces appended so far (tells whether a wrapper produced anything, as in WordBuilder). */
  private emitted = 0;
  /** Links numbered here, committed to the numbering only if the whole run succeeds. */
  private readonly links: NumberedThing[] = [];

  private constructor(private readonly numbering: Numbering) {}

  static of(inlines: Inline[], numbering: Numbering): string | null {
    const flat = new FlatText(numbering);
    if (!flat.inlines(inlines, 0) || flat.uneven) return null;
    for (const link of flat.links) numbering.next(link);
    return flat.out;
  }

  /** Appends NARROW text (the final space, if any, stays pending). */
  private append(text: string): void {
    if (text === '') return;
    const startsWithSpace = text.charCodeAt(0) === 32;
    if (this.space) {
      if (startsWithSpace) this.uneven = true;
      this.out += ' ';
      this.space = false;
    } else if (startsWithSpace && this.out === '') this.uneven = true;
    if (text.includes('  ')) this.uneven = true;
    if (text.charCodeAt(text.length - 1) === 32) {
      this.out += text.slice(0, -1);
      this.space = true;
    } else this.out += text;
  }

  private text(text: string): boolean {
    if (!NARROW.test(text)) return false;
    let first = 0;
    while (first < text.length && text.charCodeAt(first) === 32) first++;
    if (first === text.length) {
      this.append(text);
      return true;
    }
    this.emitted++;
    if (this.pendingOpen === '') this.append(text);
    else {
      // Opening asterisks wait for the first visible character.
      this.append(
        first === 0 ? this.pendingOpen + text : text.slice(0, first) + this.pendingOpen + text.slice(first),
      );
      this.pendingOpen = '';
    }
    return true;
  }

  /** A closing `*` or a `[n]` goes onto the last visible word, before the space that may follow it. */
  private glue(marker: string): void {
    this.out += marker;
  }

  private inlines(list: Inline[], style: number): boolean {
    for (let i = 0; i < list.length; i++) {
      const node = list[i]!;
      switch (node.type) {
        case 'text':
          if (!this.text(node.text)) return false;
          break;
        case 'image':
          if (!this.text(node.alt ? `[${node.alt}]` : '[image]')) return false;
          break;
        case 'code':
          if (!this.inlines(node.children, style)) return false;
          break;
        case 'emphasis':
          if (!this.styled(node.children, style, EM, '*')) return false;
          break;
        case 'strong':
          if (!this.styled(node.children, style, STRONG, '**')) return false;
          break;
        case 'link': {
          const before = this.emitted;
          if (!this.inlines(node.children, style)) return false;
          this.links.push({ kind: 'link', href: node.href, children: node.children });
          const marker = `[${this.numbering.targets.length + this.links.length}]`;
          if (this.emitted !== before) this.glue(marker);
          else {
            // A link with nothing visible still needs its number, as (or at the end of) the current word.
            this.append(this.pendingOpen + marker);
            this.pendingOpen = '';
            this.emitted++;
          }
          break;
        }
        default:
          return false;
      }
    }
    return true;
  }

  private styled(children: Inline[], style: number, bit: number, asterisks: string): boolean {
    if (style & bit) return this.inlines(children, style);
    const before = this.emitted;
    const pendingBefore = this.pendingOpen;
    this.pendingOpen += asterisks;
    if (!this.inlines(children, style | bit)) return false;
    if (this.emitted === before) this.pendingOpen = pendingBefore;
    else this.glue(asterisks);
    return true;
  }
}

/** Greedy wrap of FlatText's string: the lines LineSink makes of its words. */
export function wrapFlat(text: string, width: number): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    let end: number;
    let next: number;
    if (text.length - start <= width) {
      end = text.length;
      next = end;
    } else {
      const cut = text.lastIndexOf(' ', start + width);
      if (cut > start) {
        end = cut;
        next = cut + 1;
      } else {
        // A word longer than the whole width (a URL, say) stays whole on a line of its own.
        const space = text.indexOf(' ', start);
        end = space === -1 ? text.length : space;
        next = space === -1 ? end : space + 1;
      }
    }
    const line = start === 0 && end === text.length ? text : text.slice(start, end);
    lines.push({ text: line, width: end - start, marks: null });
    start = next;
  }
  return lines;
}
