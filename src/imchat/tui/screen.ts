// What `plainwire imchat --tui` shows for a state: the message pane beside the side pane (who is present, whose
// turn), the lines held for our turn, the status line and the input line, as terminal-safe rows of exactly the
// screen's width. Pure, so the layout is testable without a terminal.
import { padTo } from '../../term/layout.js';
import { bodyRows, inputBar, type PaneLine, statusBar } from '../../term/panes.js';
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

/** Whose turn, in words: for the side pane and the status line. */
export function turnText(state: ImchatTuiState): string | undefined {
  if (!state.turns) return undefined;
  const turn = state.turn;
  if (!turn) return 'turn: starting';
  if (turn.state === 'mine') return 'your turn';
  if (turn.state === 'partner') return 'waiting for a partner';
  return `${turn.other ?? '?'}'s turn`;
}

function sideLines(state: ImchatTuiState, style: Style): PaneLine[] {
  const lines: PaneLine[] = [];
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
  return lines;
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
  const body = bodyRows(
    state,
    paneRows(state),
    style,
    (entry) => colourOf(style, entry.kind),
    () => sideLines(state, style),
  );
  return {
    body,
    held: heldLines(state, style),
    status: statusBar(statusText(state), state.columns),
    input: inputBar(prompt(state), state.input, state.columns),
  };
}
