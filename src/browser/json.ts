// The --json view of a page: what a script wants (title, headings, text blocks, links with absolute URLs).
import { type Block, flattenBlocks, inlineText } from './document.js';
import type { Page } from './page.js';
import type { RenderedPage } from './render.js';

export interface PageJson {
  url: string;
  status: number;
  title: string;
  headings: Array<{ level: number; text: string }>;
  blocks: Array<{ type: Block['type']; text: string; level?: number }>;
  links: Array<{ number: number; text: string; url: string }>;
  fields: Array<{ number: number; kind: string; name: string; value: string }>;
}

function blockText(block: Block): string {
  switch (block.type) {
    case 'heading':
    case 'paragraph':
      return inlineText(block.inlines);
    case 'pre':
      return block.text;
    case 'list':
      return block.items.map((item) => inlineText(flattenBlocks(item))).join('\n');
    case 'table':
      return block.rows.map((row) => row.map((cell) => inlineText(cell.inlines)).join('\t')).join('\n');
    case 'blockquote':
    case 'indent':
      return inlineText(flattenBlocks(block.blocks));
    case 'hr':
      return '';
  }
}

function collectHeadings(blocks: Block[], out: PageJson['headings']): void {
  for (const block of blocks) {
    if (block.type === 'heading') out.push({ level: block.level, text: inlineText(block.inlines) });
    else if (block.type === 'blockquote' || block.type === 'indent') collectHeadings(block.blocks, out);
    else if (block.type === 'list') for (const item of block.items) collectHeadings(item, out);
  }
}

export function pageToJson(page: Page, rendered: RenderedPage): PageJson {
  const { doc } = page;
  const headings: PageJson['headings'] = [];
  collectHeadings(doc.blocks, headings);
  return {
    url: doc.url,
    status: page.fetched.status,
    title: doc.title,
    headings,
    blocks: doc.blocks.map((block) => {
      const entry: PageJson['blocks'][number] = { type: block.type, text: blockText(block) };
      if (block.type === 'heading') entry.level = block.level;
      return entry;
    }),
    links: rendered.links.map((l) => ({ number: l.number, text: l.text, url: l.href })),
    fields: rendered.fields.map((f) => {
      const field = doc.fields[f.field]!;
      return { number: f.number, kind: field.kind, name: field.name, value: field.value };
    }),
  };
}
