// What the full-screen browser shows for a state: the visible page lines (selection and search hit in inverse
// video), the status bar and the prompt line, as terminal-safe strings. Pure, so the layout is testable.
import { sanitizeLine } from '../../text/sanitize.js';
import { displayWidth } from '../render.js';
import { HELP, type TuiState, viewportRows } from './state.js';

export interface Frame {
  /** Exactly viewportRows(state) page lines. */
  page: string[];
  status: string;
  prompt: string;
}

// Inverse video is an attribute, not a colour: the selection and the status bar need it even under NO_COLOR,
// or a full-screen browser could not show which link Enter follows.
const INVERSE_ON = '\u001b[7m';
const INVERSE_OFF = '\u001b[27m';
const SGR = /\u001b\[[0-9;]*m/y;

/**
 * Puts display columns [from, to) of a line in inverse video. The line may hold plainwire's own SGR styling;
 * a reset inside the span would end the inverse, so it is switched on again after every SGR sequence.
 */
export function highlightColumns(line: string, from: number, to: number): string {
  if (to <= from) return line;
  let out = '';
  let column = 0;
  let inside = false;
  let i = 0;
  while (i < line.length) {
    SGR.lastIndex = i;
    const sgr = SGR.exec(line);
    if (sgr) {
      out += sgr[0];
      if (inside) out += INVERSE_ON;
      i += sgr[0].length;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(i)!);
    const width = displayWidth(char);
    if (!inside && column >= from && column < to && width > 0) {
      out += INVERSE_ON;
      inside = true;
    } else if (inside && column >= to && width > 0) {
      out += INVERSE_OFF;
      inside = false;
    }
    out += char;
    column += width;
    i += char.length;
  }
  if (inside) out += INVERSE_OFF;
  return out;
}

/** The plain text of a rendered line (plainwire's SGR removed). */
export function plainText(line: string): string {
  return line.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Cuts a terminal-safe string to at most `width` display columns, ending with an ellipsis when cut. */
export function fitWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = displayWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}\u2026`;
}

/** The last `width` display columns of a string (a prompt longer than the screen shows its end). */
function tailWidth(text: string, width: number): string {
  const chars = Array.from(text);
  let used = 0;
  let start = chars.length;
  while (start > 0) {
    const w = displayWidth(chars[start - 1]!);
    if (used + w > width) break;
    used += w;
    start--;
  }
  return chars.slice(start).join('');
}

function pad(text: string, width: number): string {
  const w = displayWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}

/** Columns [from, to) of the selected target on a line: its link text when it ends at the marker, and the
 * marker itself up to its matching `]` (a field's label holds brackets of its own, e.g. `[3 [x] extra]`). */
function markerSpan(plain: string, column: number, linkText?: string): [number, number] {
  let offset = 0;
  let col = 0;
  const chars = Array.from(plain);
  while (offset < chars.length && col < column) col += displayWidth(chars[offset++]!);
  let depth = 0;
  let end = offset;
  for (; end < chars.length; end++) {
    if (chars[end] === '[') depth++;
    else if (chars[end] === ']' && --depth === 0) break;
  }
  const to = column + displayWidth(chars.slice(offset, end + 1).join(''));
  const before = chars.slice(0, offset).join('');
  const text = linkText?.trim();
  if (text && before.endsWith(text)) return [column - displayWidth(text), to];
  return [column, to];
}

function statusBar(state: TuiState): string {
  const width = state.columns;
  const view = state.view;
  let right: string;
  if (state.loading) right = 'loading\u2026';
  else if (!view) right = '';
  else {
    const total = view.lines.length;
    const last = Math.min(total, state.top + viewportRows(state));
    const percent = total === 0 ? 100 : Math.round((last / total) * 100);
    right = `${state.top + 1}-${last}/${total} ${percent}%`;
  }
  right = right ? ` ${right} ` : '';
  const title = view ? view.title || '(untitled)' : 'plainwire';
  const url = view ? view.url : '';
  const room = Math.max(0, width - displayWidth(right) - 1);
  let left = ` ${fitWidth(title, Math.max(1, Math.min(displayWidth(title), room - 1)))}`;
  if (url && displayWidth(left) + 3 < room) left += ` \u2014 ${fitWidth(url, room - displayWidth(left) - 3)}`;
  const line = pad(fitWidth(left, room), width - displayWidth(right)) + right;
  return `${INVERSE_ON}${fitWidth(line, width)}${INVERSE_OFF}`;
}

const HINT = 'Tab: next link  Enter: follow  b: back  g: open URL  /: search  q: quit  ?: help';
const SHORT_HINT = 'Tab Enter b g / q  ?: help';

function promptLine(state: TuiState, colour: boolean): string {
  const width = state.columns;
  const prompt = state.prompt;
  if (prompt) {
    const label = fitWidth(prompt.label, Math.max(1, Math.floor(width / 2)));
    const room = Math.max(1, width - displayWidth(label) - 1);
    const text = prompt.secret ? '*'.repeat(Array.from(prompt.text).length) : sanitizeLine(prompt.text);
    return `${label}${tailWidth(text, room)}${INVERSE_ON} ${INVERSE_OFF}`;
  }
  if (state.loading) return fitWidth(`loading ${state.loading}...`, width);
  const message = state.message;
  if (message) {
    const text = fitWidth(message.text, width);
    if (!message.error) return text;
    return colour ? `\u001b[1;31m${text}\u001b[0m` : text;
  }
  if (!state.view) return fitWidth('No page yet: press g and type a URL, a file path or host:port.', width);
  // As lynx does: where the selected link goes, before following it.
  const selected = state.selected === null ? undefined : state.view.targets[state.selected];
  if (selected?.href) return fitWidth(`[${selected.number}] ${selected.href}`, width);
  if (selected?.kind === 'field')
    return fitWidth(
      `[${selected.number}] form field: Enter ${selected.input ? 'fills it in' : 'uses it'}`,
      width,
    );
  return fitWidth(width >= HINT.length ? HINT : SHORT_HINT, width);
}

export function composeFrame(state: TuiState, colour: boolean): Frame {
  const rows = viewportRows(state);
  const view = state.view;
  const selected = state.selected === null ? undefined : view?.targets[state.selected];
  const page: string[] = [];
  // With no page to show yet (no URL given, or the first one failed), the keys are the most useful thing.
  if (state.help || (!view && !state.loading)) {
    const help = state.help ? HELP : HELP.slice(0, -1);
    for (let row = 0; row < rows; row++) page.push(fitWidth(help[row] ?? '', state.columns));
    return { page, status: statusBar(state), prompt: promptLine(state, colour) };
  }
  for (let row = 0; row < rows; row++) {
    const index = state.top + row;
    let line = view?.lines[index] ?? '';
    if (view && state.hit && state.hit.lineIndex === index) {
      const plain = view.plain[index] ?? '';
      const from = displayWidth(plain.slice(0, state.hit.offset));
      const to = from + displayWidth(plain.slice(state.hit.offset, state.hit.offset + state.hit.length));
      line = highlightColumns(line, from, to);
    }
    if (view && selected && selected.lineIndex === index) {
      const [from, to] = markerSpan(view.plain[index] ?? '', selected.column, selected.text);
      line = highlightColumns(line, from, to);
    }
    page.push(line);
  }
  return { page, status: statusBar(state), prompt: promptLine(state, colour) };
}
