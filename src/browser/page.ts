// One navigation: fetch a URL and turn the answer into a Document (HTML parsed, plain text kept verbatim).
import { type BlockListener, type Document, parseDocument, textDocument } from './document.js';
import { type FetchedPage, type FetchOptions, fetchPage, NotAPageError, type PageRequest } from './fetch.js';

export interface Page {
  request: PageRequest;
  fetched: FetchedPage;
  doc: Document;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml)$)/;

/**
 * Builds the document for a fetched answer; throws NotAPageError for images, archives and the like.
 * With `onBlock`, the blocks go to it as they are read and the document keeps none (see parseDocument).
 */
export function documentFor(fetched: FetchedPage, onBlock?: BlockListener): Document {
  const mime = fetched.mimeType;
  if (mime === '' || mime === 'text/html' || mime === 'application/xhtml+xml')
    return parseDocument(fetched.text, fetched.url, { onBlock });
  if (TEXT_TYPES.test(mime)) {
    const doc = textDocument(fetched.text, fetched.url);
    if (onBlock) {
      for (const block of doc.blocks) onBlock(block, doc.fields, doc.title);
      doc.blocks = [];
    }
    return doc;
  }
  throw new NotAPageError(fetched.url, mime, fetched.byteLength);
}

/** Fetches and parses; rejects with a FetchError when there is nothing to show. */
export async function loadPage(
  request: PageRequest,
  options: FetchOptions = {},
  onBlock?: BlockListener,
): Promise<Page> {
  const fetched = await fetchPage(request, options);
  return { request, fetched, doc: documentFor(fetched, onBlock) };
}

/** One line for an HTTP error status, or null when the answer was a success. */
export function statusProblem(fetched: FetchedPage): string | null {
  if (fetched.status < 400) return null;
  const reason = fetched.statusText ? ` ${fetched.statusText}` : '';
  return `HTTP ${fetched.status}${reason}: ${fetched.url}`;
}
