// The full-screen browser's pure parts: the key/state machine, the frame it draws, and the key translation.
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { keysFromInk } from '../../src/term/keys.js';
import { composeFrame, fitWidth, highlightColumns, plainText } from '../../src/browser/tui/screen.js';
import {
  type Effect,
  findMatch,
  initialState,
  type PageView,
  type TargetView,
  type TuiEvent,
  type TuiKey,
  type TuiState,
  update,
  viewportRows,
} from '../../src/browser/tui/state.js';
import { isTerminalSafe } from '../../src/text/sanitize.js';

/** A page of `count` lines "line N", with links at the given line indexes (marker at column 5). */
function page(count: number, linkLines: number[] = [], extra: Partial<PageView> = {}): PageView {
  const lines = Array.from({ length: count }, (_, i) => `line ${i}`);
  const targets: TargetView[] = linkLines.map((lineIndex, i) => {
    lines[lineIndex] = `link${i + 1}[${i + 1}] on line ${lineIndex}`;
    return { number: i + 1, kind: 'link', lineIndex, column: 5, text: `link${i + 1}` };
  });
  return { title: 'T', url: 'http://h/p', lines, plain: lines, targets, problem: null, ...extra };
}

/** rows 13 -> a 10-line viewport. */
function loaded(view: PageView, rows = 13, columns = 60): TuiState {
  return update(initialState(columns, rows), { type: 'loaded', view }).state;
}

function press(state: TuiState, ...keys: Array<TuiKey | string>): { state: TuiState; effects: Effect[] } {
  let effects: Effect[] = [];
  for (const k of keys) {
    const key: TuiKey = typeof k === 'string' ? { name: 'char', char: k } : k;
    const result = update(state, { type: 'key', key });
    state = result.state;
    effects = effects.concat(result.effects);
  }
  return { state, effects };
}

const K = (name: TuiKey['name']): TuiKey => ({ name });

describe('tui state: scrolling', () => {
  it('scrolls by line, page, Home and End, and never past either end', () => {
    const s = loaded(page(35));
    expect(viewportRows(s)).toBe(10);
    expect(press(s, K('down'), 'j', 'j').state.top).toBe(3);
    expect(press(s, K('up')).state.top).toBe(0);
    expect(press(s, K('pageDown')).state.top).toBe(9);
    expect(press(s, ' ', ' ').state.top).toBe(18);
    expect(press(s, K('pageDown'), K('pageDown'), K('pageDown'), K('pageDown')).state.top).toBe(25);
    expect(press(s, K('end')).state.top).toBe(25);
    expect(press(s, K('end'), K('pageUp')).state.top).toBe(16);
    expect(press(s, K('end'), K('home')).state.top).toBe(0);
    expect(press(s, K('end'), 'k').state.top).toBe(24);
  });

  it('does not scroll a page shorter than the screen', () => {
    const s = loaded(page(4));
    expect(press(s, K('pageDown'), K('down'), K('end')).state.top).toBe(0);
  });

  it('keeps the top valid when the terminal grows', () => {
    const s = press(loaded(page(35)), K('end')).state;
    const grown = update(s, { type: 'resize', columns: 60, rows: 23 }).state;
    expect(grown.top).toBe(15);
    expect(viewportRows(grown)).toBe(20);
  });
});

describe('tui state: selection', () => {
  it('Tab starts at the first link on screen, goes on in reading order and wraps; Shift-Tab goes back', () => {
    const s = loaded(page(40, [2, 5, 30]));
    const one = press(s, K('tab')).state;
    expect(one.selected).toBe(0);
    expect(press(one, K('tab')).state.selected).toBe(1);
    expect(press(one, K('tab'), K('tab'), K('tab')).state.selected).toBe(0);
    expect(press(one, K('backTab')).state.selected).toBe(2);
    expect(press(s, K('backTab')).state.selected).toBe(1);
  });

  it('scrolls to keep the selected link visible', () => {
    const s = press(loaded(page(40, [2, 5, 30])), K('tab'), K('tab'), K('tab')).state;
    expect(s.selected).toBe(2);
    expect(s.top).toBeLessThanOrEqual(30);
    expect(s.top + viewportRows(s)).toBeGreaterThan(30);
    const back = press(s, K('tab')).state;
    expect(back.selected).toBe(0);
    expect(back.top).toBe(2);
  });

  it('Tab with nothing on screen starts at the next link below', () => {
    const s = press(loaded(page(60, [2, 45])), K('pageDown'), K('pageDown')).state;
    expect(s.selected).toBeNull();
    const next = press(s, K('tab')).state;
    expect(next.selected).toBe(1);
    expect(next.top).toBeGreaterThan(35);
  });

  it('a selection scrolled off screen moves to a link that is on it', () => {
    const s = press(loaded(page(60, [2, 14])), K('tab')).state;
    expect(s.selected).toBe(0);
    expect(press(s, K('pageDown')).state.selected).toBe(1);
    expect(press(s, K('pageDown'), K('pageDown'), K('pageDown')).state.selected).toBeNull();
  });

  it('says so when a page has no links', () => {
    const s = press(loaded(page(5)), K('tab')).state;
    expect(s.selected).toBeNull();
    expect(s.message?.text).toMatch(/no links/);
    expect(press(loaded(page(5)), K('enter')).effects).toEqual([]);
  });
});

describe('tui state: effects', () => {
  const view = page(20, [1, 3]);

  it('Enter follows the selected link, remembering where the reader was', () => {
    const { effects } = press(loaded(view), K('tab'), K('tab'), K('enter'));
    expect(effects).toEqual([{ type: 'activate', number: 2, from: { top: 0, selected: 1 } }]);
  });

  it('back (Backspace, b), forward (f), reload (r), quit (q, Ctrl-C)', () => {
    const s = press(loaded(view), K('down')).state;
    const from = { top: 1, selected: null };
    expect(press(s, K('backspace')).effects).toEqual([{ type: 'back', from }]);
    expect(press(s, 'b').effects).toEqual([{ type: 'back', from }]);
    expect(press(s, 'f').effects).toEqual([{ type: 'forward', from }]);
    expect(press(s, 'r').effects).toEqual([{ type: 'reload', from }]);
    expect(press(s, 'q').effects).toEqual([{ type: 'quit' }]);
    expect(press(s, K('interrupt')).effects).toEqual([{ type: 'quit' }]);
  });

  it('g opens a prompt; Enter opens what was typed, Escape cancels, Backspace edits', () => {
    const s = press(loaded(view), 'g').state;
    expect(s.prompt?.kind).toBe('url');
    const typed = press(s, 'x', 'y', 'z', K('backspace'), '/', 'p', 'b', 'q');
    expect(typed.effects).toEqual([]);
    expect(typed.state.prompt?.text).toBe('xy/pbq');
    const done = press(typed.state, K('enter'));
    expect(done.effects).toEqual([{ type: 'open', address: 'xy/pbq', from: { top: 0, selected: null } }]);
    expect(done.state.prompt).toBeNull();
    expect(press(typed.state, K('escape')).state.prompt).toBeNull();
    expect(press(typed.state, K('escape')).effects).toEqual([]);
    expect(press(typed.state, K('clearLine')).state.prompt?.text).toBe('');
    expect(press(s, K('enter')).effects).toEqual([]);
  });

  it('a typed number follows that link; an unknown number is an error', () => {
    const s = loaded(view);
    expect(press(s, '2', K('enter')).effects).toEqual([
      { type: 'activate', number: 2, from: { top: 0, selected: 1 } },
    ]);
    const bad = press(s, '1', '7', K('enter'));
    expect(bad.effects).toEqual([]);
    expect(bad.state.message).toEqual({ text: 'no link 17 (choose 1-2)', error: true });
    expect(press(s, '1', K('backspace')).state.prompt).toBeNull();
  });

  it('a number of a form field selects it; Enter on a text field asks for its value, then fills it', () => {
    const form = page(10, [2]);
    form.targets.push({
      number: 2,
      kind: 'field',
      lineIndex: 4,
      column: 6,
      input: { label: 'Value for name', value: 'old' },
    });
    const s = press(loaded(form), '2', K('enter'));
    expect(s.effects).toEqual([]);
    expect(s.state.selected).toBe(1);
    const asked = press(s.state, K('enter'));
    expect(asked.state.prompt).toMatchObject({ kind: 'field', text: 'old', target: 2 });
    const filled = press(
      asked.state,
      K('backspace'),
      K('backspace'),
      K('backspace'),
      'A',
      'd',
      'a',
      K('enter'),
    );
    expect(filled.effects).toEqual([
      { type: 'fill', number: 2, value: 'Ada', from: { top: 0, selected: 1 } },
    ]);
  });
});

describe('tui state: help', () => {
  it('? shows the keys over the page; the next key only closes them', () => {
    const s = press(loaded(page(30)), '?').state;
    expect(s.help).toBe(true);
    const frame = composeFrame(s, false);
    expect(frame.page.join('\n')).toContain('Tab, Shift-Tab');
    expect(frame.page.join('\n')).not.toContain('line 0');
    const closed = press(s, 'q');
    expect(closed.effects).toEqual([]);
    expect(closed.state.help).toBe(false);
    expect(composeFrame(closed.state, false).page[0]).toBe('line 0');
  });

  it('shows the keys while there is no page at all', () => {
    const empty = composeFrame(initialState(80, 24), false);
    expect(empty.page.join('\n')).toContain('Tab, Shift-Tab');
    expect(empty.page.join('\n')).not.toContain('Press any key');
    expect(empty.prompt).toMatch(/^No page yet/);
    const loading = update(initialState(80, 24), { type: 'loading', url: 'http://h/' }).state;
    expect(composeFrame(loading, false).page.join('')).toBe('');
  });
});

describe('tui state: search', () => {
  const view = page(50);
  view.lines[7] = 'the Wire is here';
  view.lines[30] = 'and the wire again';

  it('finds case-insensitively, n goes to the next match and wraps round', () => {
    const s = press(loaded(view), '/', 'w', 'i', 'r', 'e', K('enter')).state;
    expect(s.hit).toEqual({ lineIndex: 7, offset: 4, length: 4 });
    expect(s.top).toBe(0);
    const next = press(s, 'n').state;
    expect(next.hit?.lineIndex).toBe(30);
    expect(next.top).toBeLessThanOrEqual(30);
    expect(next.top + viewportRows(next)).toBeGreaterThan(30);
    const wrapped = press(next, 'n').state;
    expect(wrapped.hit?.lineIndex).toBe(7);
    expect(wrapped.message?.text).toMatch(/wrapped/);
  });

  it('reports a term that is not on the page', () => {
    const s = press(loaded(view), '/', 'z', 'z', K('enter')).state;
    expect(s.hit).toBeNull();
    expect(s.message).toEqual({ text: 'not found: zz', error: true });
    expect(press(loaded(view), 'n').state.message?.text).toMatch(/no search yet/);
  });

  it('findMatch searches from the line after the given one', () => {
    expect(findMatch(['a', 'b', 'a'], 'a', 0)).toEqual({ lineIndex: 2, offset: 0, length: 1 });
    expect(findMatch(['a', 'b', 'a'], 'a', 2)).toEqual({ lineIndex: 0, offset: 0, length: 1 });
    expect(findMatch(['a'], '', -1)).toBeNull();
  });
});

describe('tui state: pages arriving', () => {
  it('shows loading, then the page; a failure keeps the old page and shows the error', () => {
    const first = loaded(page(20, [1]));
    const loading = update(first, { type: 'loading', url: 'http://h/next' }).state;
    expect(loading.loading).toBe('http://h/next');
    const failed = update(loading, { type: 'failed', message: 'connection refused' }).state;
    expect(failed.loading).toBeNull();
    expect(failed.view).toBe(first.view);
    expect(failed.message).toEqual({ text: 'connection refused', error: true });
  });

  it('makes messages and the loading URL terminal-safe, whoever sent them', () => {
    const s = update(loaded(page(3)), { type: 'loading', url: 'http://h/\u001b]0;owned\u0007x' }).state;
    expect(s.loading).toBe('http://h/x');
    const failed = update(s, { type: 'failed', message: 'HTTP 500 \u001b[2JBad\u009b31m\nthing' }).state;
    expect(failed.message).toEqual({ text: 'HTTP 500 Bad thing', error: true });
    expect(isTerminalSafe(composeFrame(failed, false).prompt)).toBe(true);
  });

  it('Escape stops a page that is loading: the old page stays', () => {
    const first = loaded(page(20, [1]));
    const loading = update(first, { type: 'loading', url: 'http://h/slow' }).state;
    const stopped = press(loading, K('escape'));
    expect(stopped.effects).toEqual([{ type: 'stop' }]);
    expect(stopped.state.loading).toBeNull();
    expect(stopped.state.view).toBe(first.view);
    expect(stopped.state.message?.text).toBe('stopped loading http://h/slow');
  });

  it('restores the position it is given (back, reload) and shows a page problem (404)', () => {
    const events: TuiEvent[] = [
      { type: 'loaded', view: page(40, [1, 25]), position: { top: 20, selected: 1 } },
    ];
    let s = initialState(60, 13);
    for (const e of events) s = update(s, e).state;
    expect(s.top).toBe(20);
    expect(s.selected).toBe(1);
    const notFound = update(s, { type: 'loaded', view: page(3, [], { problem: 'HTTP 404 Not Found: x' }) });
    expect(notFound.state.top).toBe(0);
    expect(notFound.state.selected).toBeNull();
    expect(notFound.state.message).toEqual({ text: 'HTTP 404 Not Found: x', error: true });
  });
});

describe('tui screen', () => {
  const INV = '\u001b[7m';
  const END = '\u001b[27m';

  it('puts display columns in inverse video, across plainwire styling and wide characters', () => {
    expect(highlightColumns('abcdef', 2, 4)).toBe(`ab${INV}cd${END}ef`);
    expect(highlightColumns('\u001b[1mab\u001b[0mcd', 1, 3)).toBe(`\u001b[1ma${INV}b\u001b[0m${INV}c${END}d`);
    expect(highlightColumns('日本語x', 2, 4)).toBe(`日${INV}本${END}語x`);
    expect(highlightColumns('abc', 1, 1)).toBe('abc');
  });

  it('highlights the selected link: its text and its [n] marker', () => {
    const s = press(loaded(page(20, [1, 3])), K('tab'), K('tab')).state;
    const frame = composeFrame(s, false);
    expect(frame.page).toHaveLength(10);
    expect(frame.page[3]).toBe(`${INV}link2[2]${END} on line 3`);
    expect(frame.page[1]).toBe('link1[1] on line 1');
  });

  it('shows where the selected link goes on the prompt line', () => {
    const view = page(20, [1, 3]);
    view.targets[1]!.href = 'http://h/two.html';
    const s = press(loaded(view), K('tab'), K('tab')).state;
    expect(composeFrame(s, false).prompt).toBe('[2] http://h/two.html');
  });

  it('highlights a whole field label, brackets inside it included', () => {
    const view = page(3);
    view.lines[1] = 'Pick [3 [x] extra=cheese] now';
    view.targets = [{ number: 3, kind: 'field', lineIndex: 1, column: 5 }];
    const s = press(loaded(view), K('tab')).state;
    expect(composeFrame(s, false).page[1]).toBe(`Pick ${INV}[3 [x] extra=cheese]${END} now`);
  });

  it('draws a status bar exactly as wide as the terminal, with the title, URL and position', () => {
    const view = page(40, [], {
      title: '日本語のタイトル',
      url: 'http://example.test/a/very/long/path/to/a/page.html',
    });
    for (const columns of [5, 20, 40, 60, 100]) {
      const frame = composeFrame(loaded(view, 13, columns), true);
      const bar = plainText(frame.status);
      if (columns >= 20) expect(bar).toContain('1-10/40 25%');
      expect(fitWidth(bar, columns)).toBe(bar);
      expect(isTerminalSafe(plainText(frame.prompt))).toBe(true);
    }
    expect(plainText(composeFrame(loaded(view, 13, 100), false).status)).toContain(
      '日本語のタイトル — http://example.test/',
    );
  });

  it('shows the prompt with a cursor, a password as stars, and errors on the prompt line', () => {
    const s = press(loaded(page(5)), '/', 'a', 'b').state;
    expect(plainText(composeFrame(s, false).prompt)).toBe('Search: ab ');
    const secret: TuiState = {
      ...s,
      prompt: { kind: 'field', label: 'Password: ', text: 'hunter2', secret: true },
    };
    expect(plainText(composeFrame(secret, false).prompt)).toBe('Password: ******* ');
    const failed = update(s, { type: 'key', key: K('escape') }).state;
    const error = update(failed, { type: 'failed', message: 'boom' }).state;
    expect(composeFrame(error, false).prompt).toBe('boom');
    expect(composeFrame(update(error, { type: 'loading', url: 'http://x/' }).state, false).prompt).toBe(
      'loading http://x/...',
    );
  });
});

describe('tui keys', () => {
  const none: Key = {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
  };

  it('maps ink keys, DEL as Backspace and Shift-Tab', () => {
    expect(keysFromInk('', { ...none, delete: true })).toEqual([{ name: 'backspace' }]);
    expect(keysFromInk('', { ...none, tab: true, shift: true })).toEqual([{ name: 'backTab' }]);
    expect(keysFromInk('', { ...none, pageDown: true })).toEqual([{ name: 'pageDown' }]);
    expect(keysFromInk('c', { ...none, ctrl: true })).toEqual([{ name: 'interrupt' }]);
  });

  it('splits keys that arrive together; an ESC in pasted text is the Escape key, never text', () => {
    expect(keysFromInk('\t\r', none)).toEqual([{ name: 'tab' }, { name: 'enter' }]);
    expect(keysFromInk('q', { ...none, meta: true })).toEqual([
      { name: 'escape' },
      { name: 'char', char: 'q' },
    ]);
    expect(keysFromInk('a\u001b[31mb', none)).toEqual([
      { name: 'char', char: 'a' },
      { name: 'escape' },
      { name: 'char', char: '[' },
      { name: 'char', char: '3' },
      { name: 'char', char: '1' },
      { name: 'char', char: 'm' },
      { name: 'char', char: 'b' },
    ]);
  });
});
