// Lays out a Document as terminal lines at a given width: word-wrapped, wide characters measured, links and
// form fields numbered in reading order, lynx-style References at the end. Pure: no I/O, no globals.
//
// API (for the line-mode pager and the full-screen TUI, which call it through render.ts):
//   renderPage(doc, { width, colour, measure, formState?, references? }) -> RenderedPage
//     lines:    string[]      the page, one terminal line each (no '\n'); SGR styling only when colour is on
//     targets:  Target[]      every numbered thing, targets[n - 1] is number n (a link or a form field)
//     links:    LinkTarget[]  { kind: 'link', number, href, text, lineIndex, column }
//     fields:   FieldTarget[] { kind: 'field', number, field (index in doc.fields), lineIndex, column }
//     headings: { level, text, lineIndex }[]
//   lineIndex is the index in `lines` where the target's `[n` marker starts, column its display column.
// `measure(s)` is the width function: display columns of a string (CJK 2, combining marks 0), ignoring
// plainwire's own SGR. It is passed in: render.ts binds to it, for the pager, --json and the TUI, a string-width
// loaded on the first text that needs it; `--dump` loads it at once for a page that may need it (see width.ts).
//
// The parts: words.ts (inlines -> words -> wrapped lines), flat-text.ts (the one-column fast path), renderer.ts
// (blocks -> lines, tables), streaming.ts (--dump's block-by-block layout).
import type { Document } from './blocks.js';
import type { FormState } from './forms.js';
import { Renderer } from './renderer.js';
import type { MeasureText } from './width.js';

export { fitColumns, MIN_WIDTH } from './renderer.js';
export { StreamingRender } from './streaming.js';
export type { MeasureText } from './width.js';

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

/** RenderOptions with the width function the layout measures text with (see width.ts). */
export interface LayoutOptions extends RenderOptions {
  measure: MeasureText;
}

/** Lays out a document at a width; see the module comment for what the result holds. */
export function renderPage(doc: Document, options: LayoutOptions): RenderedPage {
  return new Renderer(doc, options).page();
}
