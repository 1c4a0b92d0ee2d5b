// Turns HTML into plainwire's small block model: parse5 understands the markup the way a browser does, and
// this module keeps only what a text browser shows (headings, paragraphs, lists, tables, links, form fields).
//
// Every string in the model (text, title, URLs, alt text, field values) is already terminal-safe: it passed
// through sanitizeText/sanitizeLine as it was built, so a renderer can write it to a terminal as it is.
//
// The parts: blocks.ts (the model), document-builder.ts and block-builder.ts (tree -> blocks), incremental.ts
// (reading the body while it is parsed), dom.ts, html-text.ts and resolve-url.ts (what they share).
import { type DefaultTreeAdapterMap, defaultTreeAdapter, Parser, type TreeAdapter } from 'parse5';
import type { Document } from './blocks.js';
import { clean, sanitizePre } from './html-text.js';
import { type BlockListener, IncrementalReader } from './incremental.js';

export * from './blocks.js';
export type { BlockListener } from './incremental.js';
export { resolveUrl } from './resolve-url.js';

/**
 * Parses an HTML page fetched from `url` into the block model. Never throws on any input string.
 * `incremental: false` reads the body only once the whole tree is built (the reference the tests compare with).
 * `onBlock`: every block goes to it while the page is parsed (--dump renders them at once, so the block tree of a
 * large page never exists whole), and the returned document has no blocks.
 */
export function parseDocument(
  html: string,
  url: string,
  options: { incremental?: boolean; onBlock?: BlockListener } = {},
): Document {
  let reader: IncrementalReader | null = null;
  const treeAdapter: TreeAdapter<DefaultTreeAdapterMap> =
    options.incremental === false
      ? defaultTreeAdapter
      : {
          ...defaultTreeAdapter,
          onItemPush: (element) => reader?.onPush(element),
          onItemPop: (element, newTop) => reader?.onPop(element, newTop),
        };
  const parser = new Parser<DefaultTreeAdapterMap>({ scriptingEnabled: false, treeAdapter });
  reader = new IncrementalReader(parser, url, options.onBlock);
  parser.tokenizer.write(html, true);
  const { builder, blocks } = reader.finish();
  return {
    url: clean(url),
    baseUrl: clean(builder.baseUrl),
    title: builder.title,
    blocks,
    forms: builder.forms,
    fields: builder.fields,
  };
}

/** A plain-text resource (text/plain, JSON, CSS...) as a document: one preformatted block. */
export function textDocument(text: string, url: string): Document {
  const normalized = text.replace(/\r\n?/g, '\n');
  let name = '';
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {}
  return {
    url: clean(url),
    baseUrl: clean(url),
    // A text file has no <title>: its file name says what it is.
    title: clean(name),
    blocks: normalized.length > 0 ? [{ type: 'pre', text: sanitizePre(normalized) }] : [],
    forms: [],
    fields: [],
  };
}
