// Lays out a Document as terminal lines at a given width: word-wrapped, wide characters measured, links and
// form fields numbered in reading order, lynx-style References at the end. Pure: no I/O, no globals.
//
// API (for the line-mode pager and the full-screen TUI):
//   renderPage(doc, { width, colour, formState?, references? }) -> RenderedPage
//     lines:    string[]      the page, one terminal line each (no '\n'); SGR styling only when colour is on
//     targets:  Target[]      every numbered thing, targets[n - 1] is number n (a link or a form field)
//     links:    LinkTarget[]  { kind: 'link', number, href, text, lineIndex, column }
//     fields:   FieldTarget[] { kind: 'field', number, field (index in doc.fields), lineIndex, column }
//     headings: { level, text, lineIndex }[]
//   lineIndex is the index in `lines` where the target's `[n` marker starts, column its display column.
//   displayWidth(s) measures a string (CJK 2 columns, combining marks 0), ignoring plainwire's own SGR.
// Import render.ts, which also loads string-width; `--dump` imports this module alone (see width.ts).
import { type Block, type Document, type FormField, type Inline, inlineText } from './document.js';
import { type FormState, fieldLabel, isNumberedField } from './forms.js';
import { displayWidth, NARROW, PRINTABLE_ASCII } from './width.js';

export interface RenderOptions {
  /** Columns available; values below MIN_WIDTH are raised to it. */
  width: number;
  /** Italic/bold SGR when true; `*text*` / `**text**` when false. */
  colour: boolean;
  /** Current form values (defaults to the values in the page). */
  formState?: FormState;
  /** Append the References list (default true). */
  references?: boolean;
}

export interface LinkTarget {
  kind: 'link';
  number: number;
  href: string;
  text: string;
  lineIndex: number;
  column: number;
}

export interface FieldTarget {
  kind: 'field';
  number: number;
  field: number;
  lineIndex: number;
  column: number;
}

export type Target = LinkTarget | FieldTarget;

export interface RenderedPage {
  lines: string[];
  targets: Target[];
  links: LinkTarget[];
  fields: FieldTarget[];
  headings: Array<{ level: number; text: string; lineIndex: number }>;
}

export const MIN_WIDTH = 20;

const EM = 1;
const STRONG = 2;
const HEADING = 4;

export { displayWidth };

interface Mark {
  number: number;
  column: number;
}

/** A laid-out line: its text, display width and the numbered markers that start on it. */
interface Line {
  text: string;
  width: number;
  marks: Mark[] | null;
  heading?: { level: number; text: string };
}

function withMark(marks: Mark[] | null, mark: Mark): Mark[] {
  if (marks === null) return [mark];
  marks.push(mark);
  return marks;
}

const BLANK: Line = { text: '', width: 0, marks: null };

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

type NumberedThing = { kind: 'link'; href: string; children: Inline[] } | { kind: 'field'; field: number };

/** Numbering and collected targets for one render. */
class Numbering {
  readonly targets: NumberedThing[] = [];
  next(target: NumberedThing): number {
    this.targets.push(target);
    return this.targets.length;
  }
}

const NO_CHILDREN: Inline[] = [];

/** Numbering for a streamed render: only the URLs are kept, so the page's inlines can die young. */
class UrlNumbering extends Numbering {
  override next(target: NumberedThing): number {
    return super.next(
      target.kind === 'link' ? { kind: 'link', href: target.href, children: NO_CHILDREN } : target,
    );
  }
}

/** Where finished words go: straight into lines (paragraphs) or into a list (table cells, measured first). */
interface WordSink {
  word(text: string, width: number, marks: Mark[] | null): void;
  /** Printable-ASCII words separated by single spaces, text[start..end): each column is one character. */
  run(text: string, start: number, end: number): void;
  lineBreak(): void;
}

/** Greedy word wrap as words arrive: linear, and words wider than the width stay whole (URLs, markers). */
class LineSink implements WordSink {
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
interface CellWords {
  wrap(width: number): Line[];
}

/** Keeps the words of a table cell, so the table can measure them before choosing column widths. */
class WordList implements WordSink, CellWords {
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
class WordBuilder {
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
        this.append(word, ascii ? word.length : displayWidth(word), style);
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
          this.append(label, displayWidth(label), 0);
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

/**
 * The no-colour layout of some inlines as one string, when every character in them takes one column (NARROW in
 * width.ts: ASCII, Latin-1, common punctuation): words joined by single spaces, with `*`, `**` and `[n]` glued on
 * exactly where WordBuilder glues them. Wrapping that string at spaces then gives WordBuilder's lines with a few
 * native string calls per line instead of several method calls per word. Returns null (and numbers nothing) for what only WordBuilder lays out: line breaks, form fields,
 * text whose width is not its length. --dump of a large page spends most of its layout time here.
 */
class FlatText {
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
function wrapFlat(text: string, width: number): Line[] {
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

function prefixLines(lines: Line[], first: string, rest: string): Line[] {
  const firstWidth = displayWidth(first);
  const restWidth = displayWidth(rest);
  const out: Line[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const prefix = i === 0 ? first : rest;
    const pw = i === 0 ? firstWidth : restWidth;
    out[i] = {
      text: line.text === '' ? prefix.trimEnd() : prefix + line.text,
      width: line.text === '' ? displayWidth(prefix.trimEnd()) : pw + line.width,
      marks: line.marks ? line.marks.map((m) => ({ number: m.number, column: m.column + pw })) : null,
      heading: line.heading,
    };
  }
  return out;
}

const BULLETS = ['*', '-', '+', 'o'];
const TAB_STOP = 8;

function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let out = '';
  for (const piece of line.split('\t').entries()) {
    const [i, text] = piece;
    if (i > 0) out += ' '.repeat(TAB_STOP - (displayWidth(out) % TAB_STOP));
    out += text;
  }
  return out;
}

class Renderer {
  /** `flat`: lines need no marks (--dump), so FlatText may lay out what it can. */
  constructor(
    private readonly doc: Document,
    private readonly options: RenderOptions,
    readonly numbering = new Numbering(),
    private readonly flat = false,
  ) {}

  width(): number {
    return Math.max(MIN_WIDTH, Math.floor(this.options.width) || MIN_WIDTH);
  }

  titleLines(width: number): Line[] {
    return prefixLines(this.wrapText(this.doc.title || '(untitled)', 0, width - 7), 'TITLE: ', '       ');
  }

  page(): RenderedPage {
    const width = this.width();
    const lines = this.titleLines(width);
    const body = this.blocks(this.doc.blocks, width, false, 0);
    if (body.length > 0) {
      lines.push(BLANK);
      for (const line of body) lines.push(line);
    }
    const result: RenderedPage = { lines: [], targets: [], links: [], fields: [], headings: [] };
    const numbered = this.numbering.targets;
    const lineOf = new Int32Array(numbered.length + 1).fill(-1);
    const columnOf = new Int32Array(numbered.length + 1);
    const texts: string[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      texts[i] = line.text;
      if (line.marks)
        for (const m of line.marks)
          if (lineOf[m.number] === -1) {
            lineOf[m.number] = i;
            columnOf[m.number] = m.column;
          }
      if (line.heading) result.headings.push({ ...line.heading, lineIndex: i });
    }
    for (let i = 0; i < numbered.length; i++) {
      const t = numbered[i]!;
      const number = i + 1;
      const lineIndex = Math.max(0, lineOf[number]!);
      const column = columnOf[number]!;
      if (t.kind === 'link') {
        const children = t.children;
        let text: string | undefined;
        // Computed on demand: a 5 MB page has tens of thousands of links and --dump never asks.
        const target: LinkTarget = {
          kind: 'link',
          number,
          href: t.href,
          get text() {
            text ??= inlineText(children);
            return text;
          },
          lineIndex,
          column,
        };
        result.targets.push(target);
        result.links.push(target);
      } else {
        const target: FieldTarget = { kind: 'field', number, field: t.field, lineIndex, column };
        result.targets.push(target);
        result.fields.push(target);
      }
    }
    if (this.options.references !== false && result.links.length > 0) {
      texts.push('', 'References', '');
      for (const link of result.links) texts.push(`${link.number}: ${link.href}`);
    }
    result.lines = texts;
    return result;
  }

  private wrapText(text: string, style: number, width: number): Line[] {
    return this.wrapInlines([{ type: 'text', text }], style, width);
  }

  private wrapInlines(inlines: Inline[], style: number, width: number): Line[] {
    if (this.flat && !this.options.colour) {
      const text = FlatText.of(inlines, this.numbering);
      if (text !== null) return wrapFlat(text, Math.max(1, width));
    }
    const sink = new LineSink(Math.max(1, width));
    const words = new WordBuilder(
      sink,
      this.options.colour,
      this.numbering,
      this.doc,
      this.options.formState,
    );
    words.inlines(inlines, style);
    words.finish();
    return sink.finish();
  }

  /** Blocks separated by blank lines (`tight`: not, as inside list items). */
  private blocks(blocks: Block[], width: number, tight: boolean, depth: number): Line[] {
    const out: Line[] = [];
    for (const block of blocks) {
      const lines = this.block(block, width, depth);
      if (lines.length === 0) continue;
      if (out.length > 0 && !tight) out.push(BLANK);
      for (const line of lines) out.push(line);
    }
    return out;
  }

  block(block: Block, width: number, depth: number): Line[] {
    switch (block.type) {
      case 'paragraph':
        return this.wrapInlines(block.inlines, 0, width);
      case 'heading': {
        const label = 'HEADING: ';
        const lines = prefixLines(
          this.wrapInlines(block.inlines, HEADING, width - label.length),
          this.options.colour ? `\u001b[1m${label}\u001b[0m` : label,
          ' '.repeat(label.length),
        );
        if (lines.length > 0) lines[0]!.heading = { level: block.level, text: inlineText(block.inlines) };
        return lines;
      }
      case 'list':
        return this.list(block, width, depth);
      case 'pre': {
        const lines: Line[] = [];
        for (const raw of block.text.split('\n')) {
          const text = expandTabs(raw);
          lines.push({ text, width: displayWidth(text), marks: null });
        }
        return lines;
      }
      case 'blockquote':
        return prefixLines(this.blocks(block.blocks, width - 2, false, depth), '> ', '> ');
      case 'indent':
        return prefixLines(this.blocks(block.blocks, width - 4, false, depth), '    ', '    ');
      case 'table':
        return this.table(block, width);
      case 'hr':
        return [{ text: '-'.repeat(width), width, marks: null }];
    }
  }

  /** A cell's words, its natural width (widest line unwrapped) and its minimum (widest word). */
  private cellWords(inlines: Inline[]): { words: CellWords; natural: number; minimum: number } {
    const flat = this.flat && !this.options.colour ? FlatText.of(inlines, this.numbering) : null;
    if (flat !== null) {
      let minimum = 0;
      for (let start = 0; start < flat.length; ) {
        let space = flat.indexOf(' ', start);
        if (space === -1) space = flat.length;
        if (space - start > minimum) minimum = space - start;
        start = space + 1;
      }
      return { words: { wrap: (width) => wrapFlat(flat, width) }, natural: flat.length, minimum };
    }
    const words = new WordList();
    const builder = new WordBuilder(
      words,
      this.options.colour,
      this.numbering,
      this.doc,
      this.options.formState,
    );
    builder.inlines(inlines, 0);
    builder.finish();
    let natural = 0;
    let minimum = 0;
    let line = 0;
    for (const w of words.widths) {
      if (w < 0) {
        natural = Math.max(natural, line);
        line = 0;
        continue;
      }
      line += (line > 0 ? 1 : 0) + w;
      if (w > minimum) minimum = w;
    }
    natural = Math.max(natural, line);
    return { words, natural, minimum };
  }

  private list(block: Extract<Block, { type: 'list' }>, width: number, depth: number): Line[] {
    const out: Line[] = [];
    const last = block.start + block.items.length - 1;
    const markerWidth = block.ordered ? Math.max(String(block.start).length, String(last).length) + 1 : 1;
    const bullet = BULLETS[depth % BULLETS.length]!;
    for (let i = 0; i < block.items.length; i++) {
      const marker = block.ordered ? `${block.start + i}.`.padStart(markerWidth) : bullet;
      const first = `  ${marker} `;
      const rest = ' '.repeat(first.length);
      const lines = this.blocks(block.items[i]!, width - first.length, true, depth + 1);
      if (lines.length === 0) out.push({ text: first.trimEnd(), width: first.trimEnd().length, marks: null });
      else for (const line of prefixLines(lines, first, rest)) out.push(line);
    }
    return out;
  }

  private table(block: Extract<Block, { type: 'table' }>, width: number): Line[] {
    const out: Line[] = [];
    if (block.caption && block.caption.length > 0) out.push(...this.wrapInlines(block.caption, 0, width));
    const columns = Math.min(
      200,
      block.rows.reduce(
        (n, row) =>
          Math.max(
            n,
            row.reduce((s, cell) => s + cell.span, 0),
          ),
        0,
      ),
    );
    if (columns === 0) return out;
    const separator = ' | ';
    // Words of every cell first (this also numbers the links in reading order, row by row).
    const rows = block.rows.map((row) => {
      let column = 0;
      const cells: Array<{
        column: number;
        span: number;
        words: CellWords;
        natural: number;
        minimum: number;
      }> = [];
      for (const cell of row) {
        if (column >= columns) break;
        const span = Math.min(cell.span, columns - column);
        cells.push({ column, span, ...this.cellWords(cell.inlines) });
        column += span;
      }
      return cells;
    });
    const natural = new Array<number>(columns).fill(0);
    const minimum = new Array<number>(columns).fill(0);
    for (const row of rows)
      for (const cell of row)
        if (cell.span === 1) {
          natural[cell.column] = Math.max(natural[cell.column]!, cell.natural);
          minimum[cell.column] = Math.max(minimum[cell.column]!, cell.minimum);
        }
    // A spanning cell that needs more room than its columns give spreads the difference over them.
    const spanned = (widths: number[], cell: { column: number; span: number }) =>
      widths.slice(cell.column, cell.column + cell.span).reduce((a, b) => a + b, 0) +
      separator.length * (cell.span - 1);
    for (const row of rows)
      for (const cell of row)
        if (cell.span > 1) {
          const extra = cell.natural - spanned(natural, cell);
          if (extra > 0)
            for (let c = cell.column; c < cell.column + cell.span; c++)
              natural[c] = natural[c]! + Math.ceil(extra / cell.span);
          const extraMin = cell.minimum - spanned(minimum, cell);
          if (extraMin > 0)
            for (let c = cell.column; c < cell.column + cell.span; c++)
              minimum[c] = minimum[c]! + Math.ceil(extraMin / cell.span);
        }
    const available = Math.max(columns, width - separator.length * (columns - 1));
    const widths = fitColumns(natural, minimum, available);
    const headerRows = new Set<number>();
    block.rows.forEach((row, r) => {
      if (row.length > 0 && row.every((cell) => cell.header)) headerRows.add(r);
    });
    rows.forEach((row, r) => {
      const cells = row.map((cell) => {
        const w = spanned(widths, cell);
        return { column: cell.column, span: cell.span, width: w, lines: cell.words.wrap(w) };
      });
      const height = cells.reduce((h, cell) => Math.max(h, cell.lines.length), 1);
      for (let k = 0; k < height; k++) {
        let line = '';
        // Columns of `line` so far (each piece's width is known: no need to measure the line again).
        let used = 0;
        let lineWidth = 0;
        let marks: Mark[] | null = null;
        for (let i = 0; i < cells.length; i++) {
          const cell = cells[i]!;
          if (i > 0) {
            line += separator;
            used += separator.length;
            lineWidth += separator.length;
          }
          // (In bounds only: a read past the end of an array is several times slower in V8.)
          const cellLine = k < cell.lines.length ? cell.lines[k] : undefined;
          const cellUsed = cellLine?.width ?? 0;
          if (cellLine) {
            line += cellLine.text;
            used += cellUsed;
            if (cellLine.marks) {
              marks ??= [];
              for (const m of cellLine.marks) marks.push({ number: m.number, column: m.column + lineWidth });
            }
          }
          if (cell.column + cell.span < columns && cellUsed < cell.width) {
            line += ' '.repeat(cell.width - cellUsed);
            used += cell.width - cellUsed;
          }
          lineWidth += Math.max(cellUsed, cell.width);
        }
        const text = line.trimEnd();
        // trimEnd takes any white space; when all it took was plain spaces (the usual case), each was one column.
        let spaces = text.length;
        while (spaces < line.length && line.charCodeAt(spaces) === 0x20) spaces++;
        out.push({
          text,
          width: spaces === line.length ? used - (line.length - text.length) : displayWidth(text),
          marks,
        });
      }
      if (headerRows.has(r) && !headerRows.has(r + 1)) {
        const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
        out.push({ text: rule, width: rule.length, marks: null });
      }
    });
    return out;
  }
}

/**
 * Column widths that fit `available`: natural widths when they all fit; otherwise the columns that fit in a
 * fair share get their natural width (as browsers do for narrow columns) and the others share what is left in
 * proportion to their natural width, never below their longest word (up to 30 columns).
 */
export function fitColumns(natural: number[], minimum: number[], available: number): number[] {
  const widths = natural.map((n) => Math.max(1, n));
  if (widths.reduce((a, b) => a + b, 0) <= available) return widths;
  let open = widths.map((_, i) => i);
  let remaining = available;
  for (;;) {
    const share = remaining / open.length;
    const fitting = open.filter((c) => widths[c]! <= share);
    if (fitting.length === 0 || fitting.length === open.length) break;
    for (const c of fitting) remaining -= widths[c]!;
    open = open.filter((c) => widths[c]! > share);
  }
  const wanted = open.reduce((a, c) => a + widths[c]!, 0);
  for (const c of open) {
    const proportional = Math.floor((Math.max(remaining, open.length) * widths[c]!) / wanted);
    widths[c] = Math.max(1, proportional, Math.min(minimum[c]!, 30));
  }
  // The word floors may have pushed the total over: take the excess from the columns with most to spare.
  let excess = open.reduce((a, c) => a + widths[c]!, 0) - Math.max(remaining, open.length);
  while (excess > 0) {
    let widest = -1;
    let spare = 0;
    for (const c of open) {
      const s = widths[c]! - Math.max(1, Math.min(minimum[c]!, 30));
      if (s > spare) [widest, spare] = [c, s];
    }
    if (widest < 0) break;
    const cut = Math.min(excess, Math.max(1, Math.ceil(spare / 2)));
    widths[widest] = widths[widest]! - cut;
    excess -= cut;
  }
  return widths;
}

/**
 * The lines of renderPage(doc, options).lines, built block by block while the page is still being parsed (for
 * --dump: nothing but text is kept, so a large page's blocks and laid-out lines die young). Feed it the blocks
 * from parseDocument's onBlock, then call text() with the finished document (its title may come late).
 * With `write`, the text goes out as it is made, from the first block that comes with the page's title (which
 * has to be written first): then text() returns only what was not written yet, and nothing of a big page is
 * held in memory (no copy of it is kept, joined and written at the end).
 */
export class StreamingRender {
  private readonly doc: Document = { url: '', baseUrl: '', title: '', blocks: [], forms: [], fields: [] };
  private readonly renderer: Renderer;
  private readonly width: number;
  /** Body lines not yet joined into a chunk. */
  private pending: string[] = [];
  /** Runs of body lines joined with '\n': flat strings, so the per-word pieces of a line die young. */
  private readonly chunks: string[] = [];
  /** Whether the title and the body so far went to `write`. */
  private writing = false;
  /** Whether a block has given lines yet (the next one is set apart by a blank line). */
  private bodyStarted = false;
  /** Whether a chunk of the body was written (the first one comes after the title's blank line). */
  private wroteBody = false;

  constructor(
    private readonly options: RenderOptions,
    private readonly write?: (text: string) => void,
  ) {
    this.renderer = new Renderer(this.doc, options, new UrlNumbering(), true);
    this.width = this.renderer.width();
  }

  block(block: Block, fields: readonly FormField[], title = ''): void {
    this.doc.fields = fields as FormField[];
    if (this.write && !this.writing && title !== '') this.startWriting(title);
    const lines = this.renderer.block(block, this.width, 0);
    if (lines.length === 0) return;
    const pending = this.pending;
    const continued = block.type === 'list' && block.continued === true;
    if (!continued && (pending.length > 0 || this.bodyStarted)) pending.push('');
    this.bodyStarted = true;
    for (let i = 0; i < lines.length; i++) pending.push(lines[i]!.text);
    if (pending.length >= CHUNK_LINES) this.endChunk();
  }

  private startWriting(title: string): void {
    this.writing = true;
    this.doc.title = title;
    this.write!(
      this.renderer
        .titleLines(this.width)
        .map((line) => line.text)
        .join('\n'),
    );
    for (const chunk of this.chunks) this.writeChunk(chunk);
    this.chunks.length = 0;
  }

  /** A chunk of body lines, after the blank line that ends the title or the '\n' that ends the chunk before. */
  private writeChunk(chunk: string): void {
    this.write!(this.wroteBody ? `\n${chunk}` : `\n\n${chunk}`);
    this.wroteBody = true;
  }

  private endChunk(): void {
    const chunk = this.pending.join('\n');
    this.pending = [];
    if (this.writing) this.writeChunk(chunk);
    else this.chunks.push(chunk);
  }

  /**
   * The whole page as renderPage's lines joined with '\n' (no final newline), given the finished document;
   * when the text is being written, the part of it not written yet.
   */
  text(doc: Document): string {
    const out: string[] = [];
    if (this.pending.length > 0) this.endChunk();
    if (!this.writing) {
      this.doc.title = doc.title;
      for (const line of this.renderer.titleLines(this.width)) out.push(line.text);
      if (this.chunks.length > 0) {
        out.push('');
        for (const chunk of this.chunks) out.push(chunk);
      }
    }
    this.doc.fields = doc.fields;
    const numbered = this.renderer.numbering.targets;
    if (this.options.references !== false) {
      let first = true;
      for (let i = 0; i < numbered.length; i++) {
        const t = numbered[i]!;
        if (t.kind !== 'link') continue;
        if (first) out.push(this.writing ? '\n' : '', 'References', '');
        first = false;
        out.push(`${i + 1}: ${t.href}`);
      }
    }
    return out.join('\n');
  }

  /** text(doc) as lines (without `write`). */
  lines(doc: Document): string[] {
    return this.text(doc).split('\n');
  }
}

const CHUNK_LINES = 256;

/** Lays out a document at a width; see the module comment for what the result holds. */
export function renderPage(doc: Document, options: RenderOptions): RenderedPage {
  return new Renderer(doc, options).page();
}
