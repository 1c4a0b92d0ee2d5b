// Inlines to words, and words to lines: the styling (`*em*`, `**strong**` or SGR), the `[n]` markers glued to the
// last word of a link, and the greedy wrap. What the renderer (renderer.ts) lays every paragraph and cell out with.
import type { Document, Inline } from './blocks.js';
import { type FormState, fieldLabel, isNumberedField } from './forms.js';
import { type MeasureText, PRINTABLE_ASCII } from './width.js';

export const EM = 1;
export const STRONG = 2;
export const HEADING = 4;

export interface Mark {
  number: number;
  column: number;
}

/** A laid-out line: its text, display width and the numbered markers that start on it. */
export interface Line {
  text: string;
  width: number;
  marks: Mark[] | null;
  heading?: { level: number; text: string };
}

export function withMark(marks: Mark[] | null, mark: Mark): Mark[] {
  if (marks === null) return [mark];
  marks.push(mark);
  return marks;
}

export const BLANK: Line = { text: '', width: 0, marks: null };

const SGR_CACHE = new Map<number, [string, string]>();

function sgr(style: number): [string, string] {
  let cached = SGR_CACHE.get(style);
  if (cached) return cached;
  const codes: string[] = [];
  if (style & (STRONG | HEADING)) codes.push('1');
  if (style & EM) codes.push('3');
  cached = codes.length === 0 ? ['', ''] : [`\u001b[${codes.join(';')}m`, '\u001b[0m'];
  SGR_CACHE.set(style, cached);
  return cached;
}

export type NumberedThing =
  | { kind: 'link'; href: string; children: Inline[] }
  | { kind: 'field'; field: number };

/** Numbering and collected targets for one render. */
export class Numbering {
  readonly targets: NumberedThing[] = [];
  next(target: NumberedThing): number {
    this.targets.push(target);
    return this.targets.length;
  }
}

const NO_CHILDREN: Inline[] = [];

/** Numbering for a streamed render: only the URLs are kept, so the page's inlines can die young. */
export class UrlNumbering extends Numbering {
  override next(target: NumberedThing): number {
    return super.next(
      target.kind === 'link' ? { kind: 'link', href: target.href, children: NO_CHILDREN } : target,
    );
  }
}

/** Where finished words go: straight into lines (paragraphs) or into a list (table cells, measured first). */
export interface WordSink {
  word(text: string, width: number, marks: Mark[] | null): void;
  /** Printable-ASCII words separated by single spaces, text[start..end): each column is one character. */
  run(text: string, start: number, end: number): void;
  lineBreak(): void;
}

/** Greedy word wrap as words arrive: linear, and words wider than the width stay whole (URLs, markers). */
export class LineSink implements WordSink {
  readonly lines: Line[] = [];
  private text = '';
  private lineWidth = 0;
  private marks: Mark[] | null = null;
  private empty = true;

  constructor(private readonly width: number) {}

  word(text: string, width: number, marks: Mark[] | null): void {
    if (!this.empty && this.lineWidth + 1 + width > this.width) this.lineBreak();
    let column = this.lineWidth;
    if (this.empty) this.text = text;
    else {
      this.text += ' ';
      this.text += text;
      column += 1;
    }
    if (marks !== null) {
      this.marks ??= [];
      for (const m of marks) this.marks.push({ number: m.number, column: column + m.column });
    }
    this.lineWidth = column + width;
    this.empty = false;
  }

  /** Fills lines with whole slices of the text: one string per line instead of one per word. */
  run(text: string, start: number, end: number): void {
    let i = start;
    while (i < end) {
      if (text.charCodeAt(i) === 32) {
        i++;
        continue;
      }
      const room = this.width - this.lineWidth - (this.empty ? 0 : 1);
      if (end - i <= room) {
        this.word(end - i === text.length ? text : text.slice(i, end), end - i, null);
        return;
      }
      const cut = room > 0 ? text.lastIndexOf(' ', i + room) : -1;
      if (cut > i) {
        this.word(text.slice(i, cut), cut - i, null);
        this.lineBreak();
        i = cut + 1;
        continue;
      }
      if (!this.empty) {
        this.lineBreak();
        continue;
      }
      // A word longer than the whole width (a URL, say) stays whole on a line of its own.
      let space = text.indexOf(' ', i);
      if (space === -1 || space > end) space = end;
      this.word(text.slice(i, space), space - i, null);
      i = space + 1;
    }
  }

  lineBreak(): void {
    this.lines.push({ text: this.text, width: this.lineWidth, marks: this.marks });
    this.text = '';
    this.lineWidth = 0;
    this.marks = null;
    this.empty = true;
  }

  finish(): Line[] {
    if (!this.empty) this.lineBreak();
    return this.lines;
  }
}

/** A table cell's words, measured before the column widths are chosen, then wrapped to its column. */
export interface CellWords {
  wrap(width: number): Line[];
}

/** Keeps the words of a table cell, so the table can measure them before choosing column widths. */
export class WordList implements WordSink, CellWords {
  readonly texts: string[] = [];
  /** -1 marks a line break. */
  readonly widths: number[] = [];
  readonly marks: Array<Mark[] | null> = [];

  word(text: string, width: number, marks: Mark[] | null): void {
    this.texts.push(text);
    this.widths.push(width);
    this.marks.push(marks);
  }

  run(text: string, start: number, end: number): void {
    let i = start;
    while (i < end) {
      let space = text.indexOf(' ', i);
      if (space === -1 || space > end) space = end;
      if (space > i) this.word(text.slice(i, space), space - i, null);
      i = space + 1;
    }
  }

  lineBreak(): void {
    this.texts.push('');
    this.widths.push(-1);
    this.marks.push(null);
  }

  wrap(width: number): Line[] {
    const sink = new LineSink(width);
    for (let i = 0; i < this.texts.length; i++) {
      const w = this.widths[i]!;
      if (w < 0) sink.lineBreak();
      else sink.word(this.texts[i]!, w, this.marks[i]!);
    }
    return sink.finish();
  }
}

/**
 * Turns inlines into words (runs of text without spaces, with styling and markers glued on) for a sink. The
 * last finished word is held back one step, because a closing `*` or a `[n]` marker may still glue onto it.
 */
export class WordBuilder {
  /** The word being built. */
  private parts: string[] = [];
  private width = 0;
  private marks: Mark[] | null = null;
  /** The last finished word, not yet given to the sink. */
  private heldText = '';
  private heldWidth = 0;
  private heldMarks: Mark[] | null = null;
  private holding = false;
  /** Opening `*`/`**` waiting for the next visible character (no colour). */
  private pendingOpen = '';
  /** Count of visible pieces appended so far: tells whether a wrapper produced anything. */
  private emitted = 0;

  constructor(
    private readonly sink: WordSink,
    private readonly colour: boolean,
    private readonly numbering: Numbering,
    private readonly doc: Document,
    private readonly formState: FormState | undefined,
    private readonly measure: MeasureText,
  ) {}

  private release(): void {
    if (this.holding) {
      this.sink.word(this.heldText, this.heldWidth, this.heldMarks);
      this.holding = false;
    }
  }

  private endWord(): void {
    if (this.parts.length === 0) return;
    this.release();
    this.heldText = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.heldWidth = this.width;
    this.heldMarks = this.marks;
    this.holding = true;
    this.parts = [];
    this.width = 0;
    this.marks = null;
  }

  private flushPending(): void {
    if (this.pendingOpen) {
      const open = this.pendingOpen;
      this.pendingOpen = '';
      this.parts.push(open);
      this.width += open.length;
    }
  }

  private append(text: string, width: number, style: number): void {
    if (this.pendingOpen) this.flushPending();
    this.emitted++;
    if (this.colour && style !== 0) {
      const [on, off] = sgr(style);
      this.parts.push(on, text, off);
    } else this.parts.push(text);
    this.width += width;
  }

  /** Glues text (a closing `*`, a `[n]` marker) to the last visible word. */
  private appendToLast(text: string, mark: number | null): void {
    if (this.parts.length === 0 && this.holding) {
      if (mark !== null) this.heldMarks = withMark(this.heldMarks, { number: mark, column: this.heldWidth });
      this.heldText += text;
      this.heldWidth += text.length;
      return;
    }
    if (mark !== null) this.marks = withMark(this.marks, { number: mark, column: this.width });
    this.parts.push(text);
    this.width += text.length;
  }

  text(text: string, style: number): void {
    // One test for the whole run: most text is printable ASCII, where width is length.
    const ascii = PRINTABLE_ASCII.test(text);
    const plain = ascii && !(this.colour && style !== 0);
    let start = 0;
    for (;;) {
      const space = text.indexOf(' ', start);
      const end = space === -1 ? text.length : space;
      if (end > start) {
        const word = start === 0 && end === text.length ? text : text.slice(start, end);
        this.append(word, ascii ? word.length : this.measure(word), style);
      }
      if (space === -1) return;
      this.endWord();
      start = space + 1;
      // Fast path: the whole words between here and the last space go to the sink as one run, so a long
      // paragraph costs a few slices per line rather than an object per word. The last of them is kept back
      // when the text ends with a space, as a closing `*` or `[n]` may still glue onto it.
      if (plain && this.pendingOpen === '') {
        const lastSpace = text.lastIndexOf(' ');
        if (lastSpace > start) {
          let runEnd = lastSpace;
          let heldStart = -1;
          if (lastSpace === text.length - 1) {
            heldStart = text.lastIndexOf(' ', lastSpace - 1) + 1;
            runEnd = heldStart - 1;
          }
          if (runEnd > start) {
            this.release();
            this.emitted++;
            this.sink.run(text, start, runEnd);
          }
          if (heldStart >= start) {
            this.append(text.slice(heldStart, lastSpace), lastSpace - heldStart, style);
            this.endWord();
          }
          start = lastSpace + 1;
        }
      }
    }
  }

  inlines(list: Inline[], style: number): void {
    for (let i = 0; i < list.length; i++) {
      const node = list[i]!;
      switch (node.type) {
        case 'text':
          this.text(node.text, style);
          break;
        case 'br':
          this.endWord();
          this.release();
          this.sink.lineBreak();
          break;
        case 'image':
          this.text(node.alt ? `[${node.alt}]` : '[image]', style);
          break;
        case 'code':
          this.inlines(node.children, style);
          break;
        case 'emphasis':
          this.styled(node.children, style, EM, '*');
          break;
        case 'strong':
          this.styled(node.children, style, STRONG, '**');
          break;
        case 'link': {
          const before = this.emitted;
          this.inlines(node.children, style);
          const number = this.numbering.next({ kind: 'link', href: node.href, children: node.children });
          const marker = `[${number}]`;
          if (this.emitted === before) {
            // A link with nothing visible still needs its number, as a word of its own.
            this.flushPending();
            this.marks = withMark(this.marks, { number, column: this.width });
            this.append(marker, marker.length, 0);
          } else this.appendToLast(marker, number);
          break;
        }
        case 'field': {
          const field = this.doc.fields[node.field];
          if (!field) break;
          const number = isNumberedField(field)
            ? this.numbering.next({ kind: 'field', field: field.index })
            : null;
          const label = fieldLabel(field, this.formState, number);
          if (!label) break;
          this.flushPending();
          if (number !== null) this.marks = withMark(this.marks, { number, column: this.width });
          // One unbreakable word even though the label holds spaces.
          this.append(label, this.measure(label), 0);
          break;
        }
      }
    }
  }

  private styled(children: Inline[], style: number, bit: number, asterisks: string): void {
    if (this.colour || style & bit) {
      this.inlines(children, style | bit);
      return;
    }
    const before = this.emitted;
    const pendingBefore = this.pendingOpen;
    this.pendingOpen += asterisks;
    this.inlines(children, style | bit);
    if (this.emitted === before) {
      this.pendingOpen = pendingBefore;
      return;
    }
    this.appendToLast(asterisks, null);
  }

  finish(): void {
    this.endWord();
    this.release();
  }
}
