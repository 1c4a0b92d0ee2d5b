// The parts of a chat screen that chat --tui and imchat --tui draw alike: the message pane (newest at the
// bottom, scrolled back by entries), the side pane (cut with "... N more"), the status bar and the input line.
// Pure: rows of exactly the width asked for.
import stringWidth from 'string-width';
import { padTo, sideWidth, tailColumns, wrapColumns } from './layout.js';
import type { Style } from './style.js';

const INVERSE_ON = '\u001b[7m';
const INVERSE_OFF = '\u001b[27m';

export type Colour = (s: string) => string;

/**
 * The last `height` rows of the entries, ending `scroll` entries back from the newest, each entry wrapped to the
 * width and coloured by its kind; blank rows on top when there are too few.
 */
export function messagePane<E extends { text: string }>(
  entries: readonly E[],
  scroll: number,
  width: number,
  height: number,
  colourOf: (entry: E) => Colour,
): string[] {
  const rows: string[] = [];
  const end = entries.length - scroll;
  // Only as many entries as can fill the pane are wrapped, however long the history.
  for (let i = end - 1; i >= 0 && rows.length < height; i--) {
    const entry = entries[i]!;
    const colour = colourOf(entry);
    rows.unshift(...wrapColumns(entry.text, width).map((r) => colour(padTo(r, width))));
  }
  const visible = rows.slice(-height);
  while (visible.length < height) visible.unshift(' '.repeat(width));
  return visible;
}

export interface PaneLine {
  text: string;
  colour?: Colour;
}

/** The side pane's lines in exactly `height` rows: cut with "... N more" when too many, blank rows when too few. */
export function sidePane(lines: readonly PaneLine[], width: number, height: number, style: Style): string[] {
  const shown = [...lines];
  if (shown.length > height) {
    const cut = shown.length - height + 1;
    shown.splice(height - 1, shown.length, { text: ` ... ${cut} more`, colour: style.dim });
  }
  while (shown.length < height) shown.push({ text: '' });
  return shown.map((l) => (l.colour ? l.colour(padTo(l.text, width)) : padTo(l.text, width)));
}

/**
 * The message pane beside the side pane (which goes on a screen too narrow for it); `side` gets the side pane's
 * width and returns its lines.
 */
export function bodyRows<E extends { text: string }>(
  view: { entries: readonly E[]; scroll: number; columns: number },
  height: number,
  style: Style,
  colourOf: (entry: E) => Colour,
  side: () => readonly PaneLine[],
): string[] {
  const width = sideWidth(view.columns);
  const messageWidth = width > 0 ? view.columns - width - 1 : view.columns;
  const messages = messagePane(view.entries, view.scroll, messageWidth, height, colourOf);
  if (width === 0) return messages;
  const pane = sidePane(side(), width, height, style);
  return messages.map((row, i) => `${row}${style.dim('\u2502')}${pane[i]}`);
}

/** The status line in inverse video: an attribute, not a colour, so it stands out even under NO_COLOR. */
export function statusBar(text: string, columns: number): string {
  return `${INVERSE_ON}${padTo(text, columns)}${INVERSE_OFF}`;
}

/** The prompt, the end of the line being typed (where the cursor is) and the cursor; a long prompt is cut first. */
export function inputBar(prompt: string, input: string, columns: number): string {
  const shownPrompt = padTo(prompt, Math.min(stringWidth(prompt), columns - 2));
  const shown = tailColumns(input, Math.max(1, columns - stringWidth(shownPrompt) - 1));
  return `${shownPrompt}${shown}${INVERSE_ON} ${INVERSE_OFF}`;
}
