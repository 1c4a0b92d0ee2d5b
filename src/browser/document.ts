// Turns HTML into plainwire's small block model: parse5 understands the markup the way a browser does, and
// this module keeps only what a text browser shows (headings, paragraphs, lists, tables, links, form fields).
//
// Every string in the model (text, title, URLs, alt text, field values) is already terminal-safe: it passed
// through sanitizeText/sanitizeLine as it was built, so a renderer can write it to a terminal as it is.
//
// The parts: blocks.ts (the model), document-builder.ts and block-builder.ts (tree -> blocks), dom.ts,
// html-text.ts and resolve-url.ts (what they share).
import { parse } from 'parse5';
import type { Block, Document, FormField } from './blocks.js';
import { DocumentBuilder } from './document-builder.js';
import { type Element, findBase, findTitle } from './dom.js';
import { clean, sanitizePre } from './html-text.js';

export * from './blocks.js';
export { resolveUrl } from './resolve-url.js';

/**
 * Receives each top-level block of the body, in order; `fields` is the page's list of form fields, `title` its
 * title.
 */
export type BlockListener = (block: Block, fields: readonly FormField[], title: string) => void;

/**
 * Parses an HTML page fetched from `url` into the block model. Never throws on any input string.
 * `onBlock`: every block of the body goes to it, in order (--dump lays each out and writes it at once), and the
 * returned document has no blocks.
 */
export function parseDocument(
  html: string,
  url: string,
  options: { onBlock?: BlockListener } = {},
): Document {
  // Scripting off, so that <noscript> content is parsed as markup: plainwire is its audience.
  const tree = parse(html, { scriptingEnabled: false });
  const builder = new DocumentBuilder(findBase(tree, url) ?? url);
  builder.title = findTitle(tree);
  const root = tree.childNodes.find((n) => n.nodeName === 'html') as Element | undefined;
  const body = root?.childNodes.find((n) => n.nodeName === 'body') as Element | undefined;
  const blocks = body ? builder.blocksOf(body.childNodes) : [];
  if (options.onBlock) for (const block of blocks) options.onBlock(block, builder.fields, builder.title);
  return {
    url: clean(url),
    baseUrl: clean(builder.baseUrl),
    title: builder.title,
    blocks: options.onBlock ? [] : blocks,
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
