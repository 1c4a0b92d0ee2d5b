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
import stringWidth from 'string-width';
import { type Block, type Document, type Inline, inlineText } from './document.js';
import { type FormState, fieldLabel, isNumberedField } from './forms.js';

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

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Display columns of a string (terminal-safe text; plainwire's own SGR is not counted). */
export function displayWidth(s: string): number {
  return PRINTABLE_ASCII.test(s) ? s.length : stringWidth(s);
}

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

interface Word {
  text: string;
  width: number;
  marks: Mark[] | null;
}

function withMark(marks: Mark[] | null, mark: Mark): Mark[] {
  if (marks === null) return [mark];
  marks.push(mark);
  return marks;
}

const BREAK: Word = { text: '', width: 0, marks: null };
const BLANK: Line = { text: '', width: 0, marks: null };

function sgr(style: number): [string, string] {
  const codes: string[] = [];
  if (style & (STRONG | HEADING)) codes.push('1');
  if (style & EM) codes.push('3');
  if (codes.length === 0) return ['', ''];
  return [`\u001b[${codes.join(';')}m`, '\u001b[0m'];
}

/** Numbering and collected targets for one render. */
class Numbering {
  readonly targets: Array<{ kind: 'link'; href: string; text: string } | { kind: 'field'; field: number }> =
    [];
  next(target: { kind: 'link'; href: string; text: string } | { kind: 'field'; field: number }): number {
    this.targets.push(target);
    return this.targets.length;
  }
}

/** Turns a paragraph's inlines into words: runs of text without spaces, with styling and markers glued on. */
class WordBuilder {
  readonly words: Word[] = [];
  private parts: string[] = [];
  private width = 0;
  private marks: Mark[] | null = null;
  /** Opening `*`/`**` waiting for the next visible character (no colour). */
  private pendingOpen = '';
  /** Count of visible pieces appended so far: tells whether a wrapper produced anything. */
  private emitted = 0;

  constructor(
    private readonly colour: boolean,
    private readonly numbering: Numbering,
    private readonly doc: Document,
    private readonly formState: FormState | undefined,
  ) {}

  private endWord(): void {
    if (this.parts.length === 0) return;
    this.words.push({
      text: this.parts.length === 1 ? this.parts[0]! : this.parts.join(''),
      width: this.width,
      marks: this.marks,
    });
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

  private append(text: string, style: number): void {
    this.flushPending();
    this.emitted++;
    const w = displayWidth(text);
    if (this.colour && style !== 0) {
      const [on, off] = sgr(style);
      this.parts.push(on, text, off);
    } else this.parts.push(text);
    this.width += w;
  }

  /** Glues text (a closing `*`, a `[n]` marker) to the last visible word. */
  private appendToLast(text: string, mark: Mark | null): void {
    if (this.parts.length === 0 && this.words.length > 0) {
      const last = this.words[this.words.length - 1]!;
      if (last !== BREAK) {
        if (mark) last.marks = withMark(last.marks, { number: mark.number, column: last.width });
        last.text += text;
        last.width += text.length;
        return;
      }
    }
    if (mark) this.marks = withMark(this.marks, { number: mark.number, column: this.width });
    this.parts.push(text);
    this.width += text.length;
  }

  text(text: string, style: number): void {
    let start = 0;
    for (;;) {
      const space = text.indexOf(' ', start);
      const end = space === -1 ? text.length : space;
      if (end > start) this.append(space === -1 && start === 0 ? text : text.slice(start, end), style);
      if (space === -1) return;
      this.endWord();
      start = space + 1;
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
          this.words.push(BREAK);
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
          const number = this.numbering.next({
            kind: 'link',
            href: node.href,
            text: inlineText(node.children),
          });
          const marker = `[${number}]`;
          if (this.emitted === before) {
            // A link with nothing visible still needs its number, as a word of its own.
            this.flushPending();
            this.marks = withMark(this.marks, { number, column: this.width });
            this.append(marker, 0);
          } else this.appendToLast(marker, { number, column: 0 });
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
          this.append(label, 0);
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

  finish(): Word[] {
    this.endWord();
    return this.words;
  }
}

/** Greedy word wrap: linear in the number of words. Words wider than the width stay whole (URLs, markers). */
function wrapWords(words: Word[], width: number): Line[] {
  const lines: Line[] = [];
  let parts: string[] = [];
  let lineWidth = 0;
  let marks: Mark[] | null = null;
  let empty = true;
  const emit = () => {
    lines.push({ text: parts.join(''), width: lineWidth, marks });
    parts = [];
    lineWidth = 0;
    marks = null;
    empty = true;
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === BREAK) {
      emit();
      continue;
    }
    if (!empty && lineWidth + 1 + word.width > width) emit();
    let column = lineWidth;
    if (!empty) {
      parts.push(' ');
      column += 1;
    }
    parts.push(word.text);
    if (word.marks) {
      marks ??= [];
      for (const m of word.marks) marks.push({ number: m.number, column: column + m.column });
    }
    lineWidth = column + word.width;
    empty = false;
  }
  if (!empty) emit();
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
  private readonly numbering = new Numbering();

  constructor(
    private readonly doc: Document,
    private readonly options: RenderOptions,
  ) {}

  page(): RenderedPage {
    const width = Math.max(MIN_WIDTH, Math.floor(this.options.width) || MIN_WIDTH);
    const title = this.doc.title || '(untitled)';
    let lines: Line[] = this.wrapText(title, 0, width - 7);
    lines = prefixLines(lines, 'TITLE: ', '       ');
    const body = this.blocks(this.doc.blocks, width, false, 0);
    if (body.length > 0) lines.push(BLANK, ...body);
    const result: RenderedPage = { lines: [], targets: [], links: [], fields: [], headings: [] };
    const positions = new Map<number, { lineIndex: number; column: number }>();
    const texts: string[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      texts[i] = line.text;
      if (line.marks)
        for (const m of line.marks)
          if (!positions.has(m.number)) positions.set(m.number, { lineIndex: i, column: m.column });
      if (line.heading) result.headings.push({ ...line.heading, lineIndex: i });
    }
    const numbered = this.numbering.targets;
    for (let i = 0; i < numbered.length; i++) {
      const t = numbered[i]!;
      const at = positions.get(i + 1) ?? { lineIndex: 0, column: 0 };
      const target: Target =
        t.kind === 'link'
          ? { kind: 'link', number: i + 1, href: t.href, text: t.text, ...at }
          : { kind: 'field', number: i + 1, field: t.field, ...at };
      result.targets.push(target);
      if (target.kind === 'link') result.links.push(target);
      else result.fields.push(target);
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
    const words = new WordBuilder(this.options.colour, this.numbering, this.doc, this.options.formState);
    words.inlines(inlines, style);
    return wrapWords(words.finish(), Math.max(1, width));
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

  private block(block: Block, width: number, depth: number): Line[] {
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
        if (lines[0]) lines[0].heading = { level: block.level, text: inlineText(block.inlines) };
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
      const cells: Array<{ column: number; span: number; words: Word[]; natural: number; minimum: number }> =
        [];
      for (const cell of row) {
        if (column >= columns) break;
        const builder = new WordBuilder(
          this.options.colour,
          this.numbering,
          this.doc,
          this.options.formState,
        );
        builder.inlines(cell.inlines, 0);
        const words = builder.finish();
        let natural = 0;
        let minimum = 0;
        let line = 0;
        for (const w of words) {
          if (w === BREAK) {
            natural = Math.max(natural, line);
            line = 0;
            continue;
          }
          line += (line > 0 ? 1 : 0) + w.width;
          minimum = Math.max(minimum, w.width);
        }
        natural = Math.max(natural, line);
        const span = Math.min(cell.span, columns - column);
        cells.push({ column, span, words, natural, minimum });
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
        return { ...cell, width: w, lines: wrapWords(cell.words, w) };
      });
      const height = cells.reduce((h, cell) => Math.max(h, cell.lines.length), 1);
      for (let k = 0; k < height; k++) {
        const parts: string[] = [];
        let lineWidth = 0;
        let marks: Mark[] | null = null;
        let column = 0;
        for (let i = 0; i < cells.length; i++) {
          const cell = cells[i]!;
          if (i > 0) {
            parts.push(separator);
            lineWidth += separator.length;
          }
          const cellLine = cell.lines[k];
          if (cellLine) {
            parts.push(cellLine.text);
            if (cellLine.marks) {
              marks ??= [];
              for (const m of cellLine.marks) marks.push({ number: m.number, column: m.column + lineWidth });
            }
          }
          const used = cellLine?.width ?? 0;
          column = cell.column + cell.span;
          if (column < columns && used < cell.width) parts.push(' '.repeat(cell.width - used));
          lineWidth += Math.max(used, cell.width);
        }
        const text = parts.join('').trimEnd();
        out.push({ text, width: displayWidth(text), marks });
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

/** Lays out a document at a width; see the module comment for what the result holds. */
export function renderPage(doc: Document, options: RenderOptions): RenderedPage {
  return new Renderer(doc, options).page();
}
