// The full-screen browser as a pure state machine: (state, event) -> new state + effects for the session to
// perform (navigate, back, submit...). No terminal, no network: every key binding is testable here.
import { sanitizeLine } from '../../text/sanitize.js';

/** A numbered thing on the page as the TUI needs it (from renderPage's targets). */
export interface TargetView {
  number: number;
  kind: 'link' | 'field';
  lineIndex: number;
  column: number;
  /** Link text, to highlight it with its marker when it sits just before the marker on the same line. */
  text?: string;
  /** A link's absolute URL, shown while it is selected. */
  href?: string;
  /** Fields that ask for a value (text, password, textarea, select): what to ask and the current value. */
  input?: { label: string; value: string; secret?: boolean };
}

/** One rendered page, everything already terminal-safe. */
export interface PageView {
  title: string;
  url: string;
  lines: string[];
  /** The same lines without styling, for searching. */
  plain: string[];
  targets: TargetView[];
  /** A line to show in the status area when the page arrived with a problem (HTTP 404, charset note). */
  problem: string | null;
}

/** Where the reader was on a page: restored by back, forward, reload and re-renders. */
export interface Position {
  top: number;
  selected: number | null;
}

export type PromptKind = 'url' | 'search' | 'number' | 'field';

export interface Prompt {
  kind: PromptKind;
  label: string;
  text: string;
  /** For 'field': the target number being filled. */
  target?: number;
  /** A password: shown as stars. */
  secret?: boolean;
}

export interface Message {
  text: string;
  error: boolean;
}

export interface SearchHit {
  lineIndex: number;
  /** Character offset in the plain line, and length. */
  offset: number;
  length: number;
}

export interface TuiState {
  columns: number;
  rows: number;
  view: PageView | null;
  top: number;
  /** Index into view.targets, or null. */
  selected: number | null;
  prompt: Prompt | null;
  search: string | null;
  hit: SearchHit | null;
  message: Message | null;
  loading: string | null;
  /** The key help is shown over the page until the next key. */
  help: boolean;
}

import type { TuiKey } from '../../term/keys.js';

export type { KeyName, TuiKey } from '../../term/keys.js';

export type Effect =
  | { type: 'open'; address: string; from: Position }
  | { type: 'back'; from: Position }
  | { type: 'forward'; from: Position }
  | { type: 'reload'; from: Position }
  /** Follow a link, toggle a checkbox/radio, or submit via a submit button: the session knows which. */
  | { type: 'activate'; number: number; from: Position }
  | { type: 'fill'; number: number; value: string; from: Position }
  /** Forget the page being loaded (its answer is dropped when it comes). */
  | { type: 'stop' }
  | { type: 'quit' };

export type TuiEvent =
  | { type: 'key'; key: TuiKey }
  | { type: 'resize'; columns: number; rows: number }
  | { type: 'loading'; url: string }
  | { type: 'loaded'; view: PageView; position?: Position; notice?: string }
  | { type: 'failed'; message: string }
  | { type: 'notice'; message: string; error?: boolean };

export interface Update {
  state: TuiState;
  effects: Effect[];
}

/** Rows of the terminal the layout leaves for the page: a status bar and a prompt line below it, and one
 * spare row so that ink never treats the frame as taller than the screen (which makes it clear and redraw
 * the whole terminal on every change). */
export const CHROME_ROWS = 3;

export function viewportRows(state: Pick<TuiState, 'rows'>): number {
  return Math.max(1, state.rows - CHROME_ROWS);
}

export function initialState(columns: number, rows: number): TuiState {
  return {
    columns,
    rows,
    view: null,
    top: 0,
    selected: null,
    prompt: null,
    search: null,
    hit: null,
    message: null,
    loading: null,
    help: false,
  };
}

function maxTop(state: TuiState): number {
  const lines = state.view?.lines.length ?? 0;
  return Math.max(0, lines - viewportRows(state));
}

function clampTop(state: TuiState, top: number): number {
  return Math.min(Math.max(0, top), maxTop(state));
}

function position(state: TuiState): Position {
  return { top: state.top, selected: state.selected };
}

function isVisible(state: TuiState, lineIndex: number): boolean {
  return lineIndex >= state.top && lineIndex < state.top + viewportRows(state);
}

/** Scrolls so that a line is on screen, moving as little as possible. */
function reveal(state: TuiState, lineIndex: number): TuiState {
  if (isVisible(state, lineIndex)) return state;
  const rows = viewportRows(state);
  const top = lineIndex < state.top ? lineIndex : lineIndex - rows + 1;
  return { ...state, top: clampTop(state, top) };
}

function select(state: TuiState, index: number): TuiState {
  const target = state.view?.targets[index];
  if (!target) return state;
  return reveal({ ...state, selected: index }, target.lineIndex);
}

/** After scrolling, a selection that left the screen moves to the first target that is on it (as lynx). */
function scrollTo(state: TuiState, top: number): TuiState {
  const next = { ...state, top: clampTop(state, top) };
  const targets = next.view?.targets ?? [];
  const current = next.selected === null ? undefined : targets[next.selected];
  if (current && isVisible(next, current.lineIndex)) return next;
  if (current === undefined) return next;
  const visible = targets.findIndex((t) => isVisible(next, t.lineIndex));
  return { ...next, selected: visible >= 0 ? visible : null };
}

function moveSelection(state: TuiState, step: 1 | -1): TuiState {
  const targets = state.view?.targets ?? [];
  if (targets.length === 0) return notice(state, 'no links on this page');
  let index: number;
  if (state.selected === null) {
    // Start from what the reader is looking at, not from the top of the page.
    const onScreen = targets.map((t, i) => [t, i] as const).filter(([t]) => isVisible(state, t.lineIndex));
    if (onScreen.length > 0) index = step === 1 ? onScreen[0]![1] : onScreen[onScreen.length - 1]![1];
    else {
      const after = targets.findIndex((t) => t.lineIndex >= state.top);
      index = step === 1 ? Math.max(after, 0) : (after > 0 ? after : targets.length) - 1;
    }
  } else index = (state.selected + step + targets.length) % targets.length;
  return select({ ...state, message: null }, index);
}

/** Messages often quote the network (URLs, server reasons): made terminal-safe here, where they all pass. */
function notice(state: TuiState, text: string, error = false): TuiState {
  return { ...state, message: { text: sanitizeLine(text), error } };
}

function openPrompt(state: TuiState, prompt: Prompt): TuiState {
  return { ...state, prompt, message: null };
}

/** Finds the next line holding `term` (case-insensitive) after `fromLine`, wrapping around the page. */
export function findMatch(plain: string[], term: string, fromLine: number): SearchHit | null {
  const needle = term.toLowerCase();
  if (needle === '' || plain.length === 0) return null;
  for (let step = 1; step <= plain.length; step++) {
    const lineIndex = (((fromLine + step) % plain.length) + plain.length) % plain.length;
    const offset = plain[lineIndex]!.toLowerCase().indexOf(needle);
    if (offset >= 0) return { lineIndex, offset, length: needle.length };
  }
  return null;
}

function search(state: TuiState, term: string, fromLine: number): TuiState {
  const view = state.view;
  if (!view) return notice({ ...state, search: term }, 'no page to search', true);
  const hit = findMatch(view.plain, term, fromLine);
  if (!hit) return notice({ ...state, search: term, hit: null }, `not found: ${term}`, true);
  const wrapped = hit.lineIndex <= fromLine;
  // The match goes a third of the way down the screen, so the reader sees what leads up to it.
  const top = isVisible(state, hit.lineIndex)
    ? state.top
    : hit.lineIndex - Math.floor(viewportRows(state) / 3);
  const next = scrollTo({ ...state, search: term, hit }, top);
  return notice(
    next,
    `${wrapped && fromLine >= 0 ? 'search wrapped: ' : ''}"${term}" on line ${hit.lineIndex + 1} (n: next)`,
  );
}

function submitPrompt(state: TuiState, prompt: Prompt): Update {
  const closed: TuiState = { ...state, prompt: null };
  const text = prompt.text.trim();
  switch (prompt.kind) {
    case 'url':
      if (text === '') return { state: closed, effects: [] };
      return { state: closed, effects: [{ type: 'open', address: text, from: position(state) }] };
    case 'search':
      if (text === '') return { state: closed, effects: [] };
      return { state: search(closed, prompt.text, state.top - 1), effects: [] };
    case 'number': {
      const n = Number(text);
      const targets = state.view?.targets ?? [];
      const target = targets[n - 1];
      if (!Number.isInteger(n) || !target) {
        const why = targets.length > 0 ? `choose 1-${targets.length}` : 'this page has no links';
        return { state: notice(closed, `no link ${text} (${why})`, true), effects: [] };
      }
      const selected = select(closed, n - 1);
      // A link is followed at once (as in line mode); a field is selected, so Enter then acts on it.
      if (target.kind === 'link')
        return { state: selected, effects: [{ type: 'activate', number: n, from: position(selected) }] };
      return { state: selected, effects: [] };
    }
    case 'field':
      return {
        state: closed,
        effects: [{ type: 'fill', number: prompt.target ?? 0, value: prompt.text, from: position(state) }],
      };
  }
}

function promptKey(state: TuiState, prompt: Prompt, key: TuiKey): Update {
  switch (key.name) {
    case 'escape':
    case 'interrupt':
      return { state: { ...state, prompt: null }, effects: [] };
    case 'enter':
      return submitPrompt(state, prompt);
    case 'backspace': {
      const text = Array.from(prompt.text).slice(0, -1).join('');
      // Backspace on an empty number prompt closes it, so a mistyped digit costs one key.
      if (text === '' && prompt.kind === 'number') return { state: { ...state, prompt: null }, effects: [] };
      return { state: { ...state, prompt: { ...prompt, text } }, effects: [] };
    }
    case 'clearLine':
      return { state: { ...state, prompt: { ...prompt, text: '' } }, effects: [] };
    case 'char': {
      const char = key.char ?? '';
      if (prompt.kind === 'number' && !/^\d+$/.test(char)) return { state, effects: [] };
      return { state: { ...state, prompt: { ...prompt, text: prompt.text + char } }, effects: [] };
    }
    default:
      return { state, effects: [] };
  }
}

function enter(state: TuiState): Update {
  const target = state.selected === null ? undefined : state.view?.targets[state.selected];
  if (!target) {
    const hint = state.view?.targets.length ? 'Tab selects a link' : 'this page has no links';
    return { state: notice(state, `nothing selected (${hint})`), effects: [] };
  }
  if (target.input) {
    const label = `${target.input.label}: `;
    return {
      state: openPrompt(state, {
        kind: 'field',
        label,
        text: target.input.value,
        target: target.number,
        secret: target.input.secret,
      }),
      effects: [],
    };
  }
  return { state, effects: [{ type: 'activate', number: target.number, from: position(state) }] };
}

function normalKey(state: TuiState, key: TuiKey): Update {
  const rows = viewportRows(state);
  const none = (next: TuiState): Update => ({ state: next, effects: [] });
  const from = position(state);
  switch (key.name) {
    case 'up':
      return none(scrollTo(state, state.top - 1));
    case 'down':
      return none(scrollTo(state, state.top + 1));
    case 'pageUp':
      return none(scrollTo(state, state.top - Math.max(1, rows - 1)));
    case 'pageDown':
      return none(scrollTo(state, state.top + Math.max(1, rows - 1)));
    case 'home':
      return none(scrollTo(state, 0));
    case 'end':
      return none(scrollTo(state, maxTop(state)));
    case 'tab':
      return none(moveSelection(state, 1));
    case 'backTab':
      return none(moveSelection(state, -1));
    case 'enter':
    case 'right':
      return enter(state);
    case 'backspace':
    case 'left':
      return { state, effects: [{ type: 'back', from }] };
    case 'escape':
      if (state.loading)
        return {
          state: notice({ ...state, loading: null }, `stopped loading ${state.loading}`),
          effects: [{ type: 'stop' }],
        };
      return none({ ...state, message: null, hit: null });
    case 'interrupt':
      return { state, effects: [{ type: 'quit' }] };
    case 'char':
      break;
    default:
      return none(state);
  }
  const char = key.char ?? '';
  if (/^\d$/.test(char))
    return none(openPrompt(state, { kind: 'number', label: 'Link number: ', text: char }));
  switch (char) {
    case 'q':
      return { state, effects: [{ type: 'quit' }] };
    case 'j':
      return none(scrollTo(state, state.top + 1));
    case 'k':
      return none(scrollTo(state, state.top - 1));
    case ' ':
      return none(scrollTo(state, state.top + Math.max(1, rows - 1)));
    case 'b':
      return { state, effects: [{ type: 'back', from }] };
    case 'f':
      return { state, effects: [{ type: 'forward', from }] };
    case 'r':
      if (!state.view) return none(notice(state, 'no page to reload', true));
      return { state, effects: [{ type: 'reload', from }] };
    case 'g':
      return none(openPrompt(state, { kind: 'url', label: 'Open URL: ', text: '' }));
    case 'G':
      return none(openPrompt(state, { kind: 'url', label: 'Open URL: ', text: state.view?.url ?? '' }));
    case '/':
      return none(openPrompt(state, { kind: 'search', label: 'Search: ', text: '' }));
    case 'n':
      if (state.search === null) return none(notice(state, 'no search yet (/ searches)'));
      return none(search(state, state.search, state.hit?.lineIndex ?? state.top - 1));
    case '?':
    case 'h':
      return none({ ...state, help: true, message: null });
    default:
      return none(state);
  }
}

/** The keys, shown over the page by `?` (and kept in step with docs/BROWSER.md). */
export const HELP = [
  'plainwire browse --tui: keys',
  '',
  '  Up/Down, j/k        scroll a line',
  '  PgUp/PgDn, Space    scroll a page',
  '  Home/End            top / bottom of the page',
  '  Tab, Shift-Tab      select the next / previous link or form field',
  '  Enter (or Right)    follow the selected link; on a form field: fill it in, toggle it, or submit',
  '  N Enter             follow link N (a number); on a form field: select it',
  '  Backspace, b, Left  back',
  '  f                   forward',
  '  r                   reload',
  '  g / G               open a URL, a file path or host:port (G starts from the current URL)',
  '  /  then n           search the page (case-insensitive), next match',
  '  Escape              stop loading a page, close a prompt, clear a message',
  '  q, Ctrl-C           quit',
  '',
  'In a prompt: type, Backspace deletes, Ctrl-U clears, Enter accepts, Escape cancels.',
  'Press any key to go back to the page.',
];

export function update(state: TuiState, event: TuiEvent): Update {
  switch (event.type) {
    case 'key':
      if (state.help) return { state: { ...state, help: false }, effects: [] };
      if (state.prompt) return promptKey(state, state.prompt, event.key);
      return normalKey(state, event.key);
    case 'resize': {
      const next = { ...state, columns: event.columns, rows: event.rows };
      return { state: { ...next, top: clampTop(next, next.top) }, effects: [] };
    }
    case 'loading':
      return { state: { ...state, loading: sanitizeLine(event.url), message: null }, effects: [] };
    case 'failed':
      return { state: notice({ ...state, loading: null }, event.message, true), effects: [] };
    case 'notice':
      return { state: notice(state, event.message, event.error ?? false), effects: [] };
    case 'loaded': {
      // A search hit is a line index of the old layout; `n` searches again in the new one.
      let next: TuiState = {
        ...state,
        view: event.view,
        loading: null,
        top: 0,
        selected: null,
        hit: null,
        message: null,
      };
      const pos = event.position;
      if (pos) {
        next = { ...next, top: clampTop(next, pos.top) };
        if (pos.selected !== null && event.view.targets[pos.selected]) next = select(next, pos.selected);
      }
      if (event.view.problem) next = notice(next, event.view.problem, true);
      else if (event.notice) next = notice(next, event.notice);
      return { state: next, effects: [] };
    }
  }
}
