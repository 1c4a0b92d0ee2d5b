// What `plainwire chat --tui` shows for a state: the message pane beside the side pane (users, groups), the
// status line and the input line, as terminal-safe rows of exactly the screen's width. Pure, so the layout is
// testable without a terminal.
import stringWidth from 'string-width';
import { padTo, sideWidth, tailColumns, wrapColumns } from '../../term/layout.js';
import { makeStyle, type Style } from '../../term/style.js';
import { type ChatTuiState, type EntryKind, paneRows } from './state.js';

export interface ChatFrame {
  /** paneRows(state) rows: messages, a bar, the side pane. */
  body: string[];
  status: string;
  input: string;
}

const INVERSE_ON = '\u001b[7m';
const INVERSE_OFF = '\u001b[27m';

export { padTo, sideWidth, wrapColumns };

function colourOf(style: Style, kind: EntryKind): (s: string) => string {
  switch (kind) {
    case 'private':
      return style.magenta;
    case 'group':
      return style.blue;
    case 'own':
      return style.bold;
    case 'system':
      return style.dim;
    case 'error':
      return style.red;
    default:
      return (s) => s;
  }
}

function messageRows(state: ChatTuiState, width: number, height: number, style: Style): string[] {
  const rows: string[] = [];
  const end = state.entries.length - state.scroll;
  // Only as many entries as can fill the pane are wrapped, however long the history.
  for (let i = end - 1; i >= 0 && rows.length < height; i--) {
    const entry = state.entries[i]!;
    const colour = colourOf(style, entry.kind);
    const wrapped = wrapColumns(entry.text, width).map((r) => colour(padTo(r, width)));
    rows.unshift(...wrapped);
  }
  const visible = rows.slice(-height);
  while (visible.length < height) visible.unshift(' '.repeat(width));
  return visible;
}

function sideRows(state: ChatTuiState, width: number, height: number, style: Style): string[] {
  const lines: Array<{ text: string; colour?: (s: string) => string }> = [];
  lines.push({ text: `Users (${state.usersTotal})`, colour: style.bold });
  for (const name of state.users) {
    const me = name === state.name;
    lines.push({ text: `${me ? '*' : ' '}${name}`, ...(me ? { colour: style.bold } : {}) });
  }
  if (state.usersTotal > state.users.length)
    lines.push({ text: ` +${state.usersTotal - state.users.length} more`, colour: style.dim });
  lines.push({ text: '' });
  lines.push({ text: 'Groups (*: yours)', colour: style.bold });
  if (state.groups.length === 0) lines.push({ text: ' none (/join one)', colour: style.dim });
  for (const group of state.groups) {
    const mine = state.mine.includes(group);
    lines.push({ text: `${mine ? '*' : ' '}${group}` });
  }
  if (lines.length > height) {
    const cut = lines.length - height + 1;
    lines.splice(height - 1, lines.length, { text: ` ... ${cut} more`, colour: style.dim });
  }
  while (lines.length < height) lines.push({ text: '' });
  return lines.map((l) => (l.colour ? l.colour(padTo(l.text, width)) : padTo(l.text, width)));
}

export function statusText(state: ChatTuiState): string {
  const parts = [state.server, state.name, state.connection === 'connected' ? 'connected' : 'disconnected'];
  if (state.unread > 0) {
    parts.push(
      `${state.unread} unread${state.unreadPrivate > 0 ? ` (${state.unreadPrivate} private)` : ''} below: PgDn`,
    );
  } else if (state.scroll > 0) parts.push('scrolled back: PgDn');
  parts.push('/help');
  return ` ${parts.join(' | ')}`;
}

export function composeFrame(state: ChatTuiState, colour: boolean): ChatFrame {
  const style = makeStyle(colour);
  const height = paneRows(state);
  const side = sideWidth(state.columns);
  const messageWidth = side > 0 ? state.columns - side - 1 : state.columns;
  const messages = messageRows(state, messageWidth, height, style);
  const sidePane = side > 0 ? sideRows(state, side, height, style) : [];
  const body = messages.map((row, i) => (side > 0 ? `${row}${style.dim('\u2502')}${sidePane[i]}` : row));
  // Inverse video is an attribute, not a colour: the status line stands out even under NO_COLOR.
  const status = `${INVERSE_ON}${padTo(statusText(state), state.columns)}${INVERSE_OFF}`;
  const prompt = '> ';
  const shown = tailColumns(state.input, Math.max(1, state.columns - stringWidth(prompt) - 1));
  const input = `${prompt}${shown}${INVERSE_ON} ${INVERSE_OFF}`;
  return { body, status, input };
}
