// --dump's layout: the page's lines made block by block while it is parsed, and written as they are made.
import type { Block, Document, FormField } from './blocks.js';
import type { LayoutOptions } from './layout.js';
import { Renderer } from './renderer.js';
import { UrlNumbering } from './words.js';

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
    private readonly options: LayoutOptions,
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
