// What `plainwire chat --tui` shows for a state: the message pane beside the side pane (users, groups), the
// status line and the input line, as terminal-safe rows of exactly the screen's width. Pure, so the layout is
// testable without a terminal.
import { padTo, sideWidth, wrapColumns } from '../../term/layout.js';
import { bodyRows, inputBar, type PaneLine, statusBar } from '../../term/panes.js';
import { makeStyle, type Style } from '../../term/style.js';
import { type ChatTuiState, type EntryKind, paneRows } from './state.js';

export interface ChatFrame {
  /** paneRows(state) rows: messages, a bar, the side pane. */
  body: string[];
  status: string;
  input: string;
}

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

function sideLines(state: ChatTuiState, style: Style): PaneLine[] {
  const lines: PaneLine[] = [];
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
  return lines;
}

export function statusText(state: ChatTuiState): string {
  const connection = { connected: 'connected', moving: 'moving to another node', closed: 'disconnected' };
  const parts = [state.server, state.name, connection[state.connection]];
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
  const body = bodyRows(
    state,
    paneRows(state),
    style,
    (entry) => colourOf(style, entry.kind),
    () => sideLines(state, style),
  );
  return {
    body,
    status: statusBar(statusText(state), state.columns),
    input: inputBar('> ', state.input, state.columns),
  };
}
