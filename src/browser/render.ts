// The page layout (layout.ts) measuring text with string-width: what the line-mode pager, --json and the
// full-screen TUI use. The API is described in layout.ts.
import stringWidth from 'string-width';
import type { Document } from './document.js';
import {
  type LayoutOptions,
  StreamingRender as LayoutStreamingRender,
  renderPage as layoutPage,
  type RenderedPage,
  type RenderOptions,
} from './layout.js';
import { displayWidthWith, type MeasureText } from './width.js';

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
export const displayWidth: MeasureText = displayWidthWith(stringWidth);

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
