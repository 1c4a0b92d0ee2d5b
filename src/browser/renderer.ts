// Blocks to lines: paragraphs and headings wrapped, lists with their markers, quotes and indents prefixed, <pre>
// with its tabs expanded, tables measured and fitted to the width; and the whole page with its numbered targets.
import { type Block, type Document, type Inline, inlineText } from './blocks.js';
import { FlatText, wrapFlat } from './flat-text.js';
import type { FieldTarget, LayoutOptions, LinkTarget, RenderedPage } from './layout.js';
import type { MeasureText } from './width.js';
import {
  BLANK,
  type CellWords,
  HEADING,
  type Line,
  LineSink,
  type Mark,
  Numbering,
  WordBuilder,
  WordList,
} from './words.js';

/** Columns below this are raised to it. */
export const MIN_WIDTH = 20;

/**
 * The lines with a prefix before each (`first` before the first): in place, as every caller hands over lines it
 * made and keeps no other reference to (a nested list's line is prefixed once per level: copying it each time was
 * most of the layout's garbage on a table of contents). BLANK, the one line shared, is replaced instead.
 */
export function prefixLines(lines: Line[], first: string, rest: string, measure: MeasureText): Line[] {
  const firstWidth = measure(first);
  const restWidth = measure(rest);
  const firstTrimmed = first.trimEnd();
  const restTrimmed = rest.trimEnd();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const pw = i === 0 ? firstWidth : restWidth;
    if (line.text === '') {
      const text = i === 0 ? firstTrimmed : restTrimmed;
      const width = measure(text);
      if (line === BLANK) lines[i] = { text, width, marks: null, heading: line.heading };
      else {
        line.text = text;
        line.width = width;
        if (line.marks) for (const m of line.marks) m.column += pw;
      }
      continue;
    }
    line.text = (i === 0 ? first : rest) + line.text;
    line.width += pw;
    if (line.marks) for (const m of line.marks) m.column += pw;
  }
  return lines;
}

const BULLETS = ['*', '-', '+', 'o'];
const TAB_STOP = 8;

function expandTabs(line: string, measure: MeasureText): string {
  if (!line.includes('\t')) return line;
  let out = '';
  for (const piece of line.split('\t').entries()) {
    const [i, text] = piece;
    if (i > 0) out += ' '.repeat(TAB_STOP - (measure(out) % TAB_STOP));
    out += text;
  }
  return out;
}

export class Renderer {
  /** `flat`: lines need no marks (--dump), so FlatText may lay out what it can. */
  constructor(
    private readonly doc: Document,
    private readonly options: LayoutOptions,
    readonly numbering = new Numbering(),
    private readonly flat = false,
  ) {}

  width(): number {
    return Math.max(MIN_WIDTH, Math.floor(this.options.width) || MIN_WIDTH);
  }

  titleLines(width: number): Line[] {
    return prefixLines(
      this.wrapText(this.doc.title || '(untitled)', 0, width - 7),
      'TITLE: ',
      '       ',
      this.options.measure,
    );
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
      this.options.measure,
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
          this.options.measure,
        );
        if (lines.length > 0) lines[0]!.heading = { level: block.level, text: inlineText(block.inlines) };
        return lines;
      }
      case 'list':
        return this.list(block, width, depth);
      case 'pre': {
        const lines: Line[] = [];
        for (const raw of block.text.split('\n')) {
          const text = expandTabs(raw, this.options.measure);
          lines.push({ text, width: this.options.measure(text), marks: null });
        }
        return lines;
      }
      case 'blockquote':
        return prefixLines(
          this.blocks(block.blocks, width - 2, false, depth),
          '> ',
          '> ',
          this.options.measure,
        );
      case 'indent':
        return prefixLines(
          this.blocks(block.blocks, width - 4, false, depth),
          '    ',
          '    ',
          this.options.measure,
        );
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
      this.options.measure,
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
      else for (const line of prefixLines(lines, first, rest, this.options.measure)) out.push(line);
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
          width: spaces === line.length ? used - (line.length - text.length) : this.options.measure(text),
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
