// The page layout (layout.ts) measuring text with string-width: what the line-mode pager, --json and the
// full-screen TUI use. The API is described in layout.ts.
//
// string-width is loaded on the first text that needs it (see width.ts), not when this module is: it makes an
// Intl.Segmenter when it loads (about a third of a line-mode or --tui start-up's own work, and an object that holds
// the default locale, which a start-up snapshot must not freeze), and most pages never need it.
import type { Document } from './document.js';
import {
  type LayoutOptions,
  StreamingRender as LayoutStreamingRender,
  renderPage as layoutPage,
  type RenderedPage,
  type RenderOptions,
} from './layout.js';
import { displayWidthWith, lazyStringWidth, type MeasureText } from './width.js';

export {
  fitColumns,
  type FieldTarget,
  type LayoutOptions,
  type LinkTarget,
  MIN_WIDTH,
  type RenderedPage,
  type RenderOptions,
  type Target,
} from './layout.js';

/** Display columns of a string (CJK 2 columns, combining marks 0), ignoring plainwire's own SGR. */
export const displayWidth: MeasureText = displayWidthWith(lazyStringWidth());

/** Lays out a document at a width (see layout.ts), measuring with displayWidth unless told otherwise. */
export function renderPage(doc: Document, options: RenderOptions & { measure?: MeasureText }): RenderedPage {
  return layoutPage(doc, { measure: displayWidth, ...options });
}

/** layout.ts's StreamingRender, measuring with displayWidth unless told otherwise. */
export class StreamingRender extends LayoutStreamingRender {
  constructor(options: RenderOptions & { measure?: MeasureText }, write?: (text: string) => void) {
    super({ measure: displayWidth, ...options } as LayoutOptions, write);
  }
}
