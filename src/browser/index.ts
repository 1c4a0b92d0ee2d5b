// Public API of src/browser/: fetch a page, parse it into blocks, lay it out as terminal lines.
export {
  type Block,
  type Document,
  type FormField,
  type Inline,
  inlineText,
  parseDocument,
  textDocument,
} from './document.js';
export {
  decodeBody,
  FetchError,
  type FetchedPage,
  type FetchOptions,
  fetchPage,
  fetchRaw,
  type PageRequest,
} from './fetch.js';
export { buildSubmission, type FormState, initialFormState } from './forms.js';
export { History } from './history.js';
export { loadPage, type Page } from './page.js';
export { LinePager, type PagerIO, PROMPT } from './pager.js';
export { displayWidth, type RenderedPage, type RenderOptions, renderPage } from './render.js';
