// What `plainwire imchat --tui` shows for a state: the message pane beside the side pane (who is present, whose
// turn), the lines held for our turn, the status line and the input line, as terminal-safe rows of exactly the
// screen's width. Pure, so the layout is testable without a terminal.
import stringWidth from 'string-width';
import { padTo, sideWidth, tailColumns, wrapColumns } from '../../term/layout.js';
import { makeStyle, type Style } from '../../term/style.js';
import { nameKey } from '../../text/names.js';
import { type EntryKind, heldRows, type ImchatTuiState, paneRows } from './state.js';

export interface ImchatFrame {
  /** paneRows(state) rows: messages, a bar, the side pane. */
  body: string[];
  /** heldRows(state) rows: lines typed and not said yet. */
  held: string[];
  status: string;
  input: string;
}

const INVERSE_ON = '\u001b[7m';
const INVERSE_OFF = '\u001b[27m';

function colourOf(style: Style, kind: EntryKind): (s: string) => string {
  switch (kind) {
    case 'own':
      return style.bold;
    case 'unverified':
    case 'error':
      return style.red;
    case 'status':
      return style.yellow;
    case 'system':
      return style.dim;
    default:
      return (s) => s;
  }
}

function messageRows(state: ImchatTuiState, width: number, height: number, style: Style): string[] {
  const rows: string[] = [];
  const end = state.entries.length - state.scroll;
  // Only as many entries as can fill the pane are wrapped, however long the history.
  for (let i = end - 1; i >= 0 && rows.length < height; i--) {
    const entry = state.entries[i]!;
    const colour = colourOf(style, entry.kind);
    rows.unshift(...wrapColumns(entry.text, width).map((r) => colour(padTo(r, width))));
  }
  const visible = rows.slice(-height);
  while (visible.length < height) visible.unshift(' '.repeat(width));
  return visible;
}

/** Whose turn, in words: for the side pane and the status line. */
export function turnText(state: ImchatTuiState): string | undefined {
  if (!state.turns) return undefined;
  const turn = state.turn;
  if (!turn) return 'turn: starting';
  if (turn.state === 'mine') return 'your turn';
  if (turn.state === 'partner') return 'waiting for a partner';
  return `${turn.other ?? '?'}'s turn`;
}

function sideRows(state: ImchatTuiState, width: number, height: number, style: Style): string[] {
  const lines: Array<{ text: string; colour?: (s: string) => string }> = [];
  lines.push({ text: `Present (${state.present.length})`, colour: style.bold });
  const speaking =
    state.turn?.state === 'mine' ? state.name : state.turn?.state === 'other' ? state.turn.other : undefined;
  for (const name of state.present) {
    const me = nameKey(name) === nameKey(state.name);
    // ">" marks whose turn it is in turn mode, "*" is you.
    const turnMark = speaking !== undefined && nameKey(name) === nameKey(speaking) ? '>' : ' ';
    lines.push({ text: `${turnMark}${me ? '*' : ' '}${name}`, ...(me ? { colour: style.bold } : {}) });
  }
  const turn = turnText(state);
  if (turn !== undefined) {
    lines.push({ text: '' });
    lines.push({ text: 'Turn', colour: style.bold });
    lines.push({ text: ` ${turn}${state.turn && state.turn.turn > 0 ? ` (${state.turn.turn})` : ''}` });
  }
  if (lines.length > height) {
    const cut = lines.length - height + 1;
    lines.splice(height - 1, lines.length, { text: ` ... ${cut} more`, colour: style.dim });
  }
  while (lines.length < height) lines.push({ text: '' });
  return lines.map((l) => (l.colour ? l.colour(padTo(l.text, width)) : padTo(l.text, width)));
}

function heldLines(state: ImchatTuiState, style: Style): string[] {
  const shown = heldRows(state);
  if (shown === 0) return [];
  const why =
    state.turns && state.turn?.state !== 'mine' ? 'waiting for your turn' : 'not sent: store unreachable';
  const rows = state.held.slice(0, shown).map((text) => `[${why}] ${text}`);
  const more = state.held.length - shown;
  if (more > 0) rows[shown - 1] = `[${why}] ... and ${more + 1} more lines`;
  return rows.map((r) => style.yellow(padTo(r, state.columns)));
}

export function statusText(state: ImchatTuiState): string {
  const connection =
    state.connection === 'connected'
      ? 'connected'
      : state.connection === 'leaving'
        ? 'leaving'
        : 'store unreachable, retrying';
  const parts = [state.store, state.name, `room ${state.room}`, connection];
  const turn = turnText(state);
  if (turn !== undefined) parts.push(turn);
  if (state.unread > 0) parts.push(`${state.unread} unread below: PgDn`);
  else if (state.scroll > 0) parts.push('scrolled back: PgDn');
  parts.push('/help');
  return ` ${parts.join(' | ')}`;
}

/** The prompt says whose turn it is in turn mode, as the line client's does. */
function prompt(state: ImchatTuiState): string {
  if (!state.turns || state.turn === undefined) return '> ';
  if (state.turn.state === 'mine') return 'your turn> ';
  if (state.turn.state === 'partner') return '(waiting for a partner)> ';
  return `(${state.turn.other ?? '?'}'s turn)> `;
}

export function composeFrame(state: ImchatTuiState, colour: boolean): ImchatFrame {
  const style = makeStyle(colour);
  const height = paneRows(state);
  const side = sideWidth(state.columns);
  const messageWidth = side > 0 ? state.columns - side - 1 : state.columns;
  const messages = messageRows(state, messageWidth, height, style);
  const sidePane = side > 0 ? sideRows(state, side, height, style) : [];
  const body = messages.map((row, i) => (side > 0 ? `${row}${style.dim('\u2502')}${sidePane[i]}` : row));
  // Inverse video is an attribute, not a colour: the status line stands out even under NO_COLOR.
  const status = `${INVERSE_ON}${padTo(statusText(state), state.columns)}${INVERSE_OFF}`;
  const shownPrompt = padTo(prompt(state), Math.min(stringWidth(prompt(state)), state.columns - 2));
  const shown = tailColumns(state.input, Math.max(1, state.columns - stringWidth(shownPrompt) - 1));
  const input = `${shownPrompt}${shown}${INVERSE_ON} ${INVERSE_OFF}`;
  return { body, held: heldLines(state, style), status, input };
}
