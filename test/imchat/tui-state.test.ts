// The state machine of `plainwire imchat --tui` and its screen, without a terminal or a store: session events,
// diagnostics, the queue and keys in; state, what to do and the composed frame out.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { composeFrame } from '../../src/imchat/tui/screen.js';
import {
  type ImchatTuiEffect,
  type ImchatTuiEvent,
  type ImchatTuiState,
  initialState,
  update,
} from '../../src/imchat/tui/state.js';
import type { SessionEvent } from '../../src/imchat/session.js';
import type { TuiKey } from '../../src/term/keys.js';

const TIME = new Date(2026, 0, 1, 12, 0, 0);

function run(state: ImchatTuiState, ...events: ImchatTuiEvent[]) {
  const effects: ImchatTuiEffect[] = [];
  for (const event of events) {
    const result = update(state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

const ev = (event: SessionEvent): ImchatTuiEvent => ({ type: 'session', event, time: TIME });
const key = (k: TuiKey): ImchatTuiEvent => ({ type: 'key', key: k, time: TIME });
const typed = (text: string): ImchatTuiEvent[] => [
  ...Array.from(text).map((char) => key({ name: 'char', char })),
  key({ name: 'enter' }),
];
const message = (name: string, text: string, unverified?: string): SessionEvent =>
  ({
    kind: 'message',
    name,
    text,
    at: TIME.getTime(),
    seq: 1,
    revision: 1,
    ...(unverified ? { unverified } : {}),
  }) as SessionEvent;

function fresh(turns = false): ImchatTuiState {
  return run(
    initialState({
      store: 'http://127.0.0.1:8001',
      name: 'ada',
      room: 'lobby',
      turns,
      columns: 80,
      rows: 12,
    }),
    ev({ kind: 'welcome', room: 'lobby', name: 'ada', present: ['bob', 'ada'], turns }),
  ).state;
}

const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('imchat --tui state', () => {
  it('keeps who is present from the welcome, joins and leaves, sanitised', () => {
    const { state } = run(
      fresh(),
      ev({ kind: 'join', name: 'c\u001b[2Jy', rejoin: false }),
      ev({ kind: 'leave', name: 'bob', timedOut: true }),
    );
    expect(state.present).toEqual(['ada', 'cy']);
    expect(state.entries.map((e) => e.text).at(-1)).toBe('[12:00:00] * bob timed out');
    expect(state.entries.at(-1)!.kind).toBe('system');
  });

  it('marks unverified messages before the name and its own messages as own', () => {
    const { state } = run(fresh(), ev(message('bob', 'I resign', 'not signed')), ev(message('ada', 'hi')));
    expect(state.entries.at(-2)).toEqual({
      kind: 'unverified',
      text: '[12:00:00] [unverified: not signed] bob: I resign',
    });
    expect(state.entries.at(-1)).toEqual({ kind: 'own', text: '[12:00:00] ada: hi' });
  });

  it('sends typed lines, runs the slash commands, and refuses a typo', () => {
    const { state, effects } = run(
      fresh(),
      ...typed('hello'),
      ...typed('/who'),
      ...typed('/hlep'),
      ...typed('//x'),
    );
    expect(effects).toEqual([
      { type: 'send', text: 'hello' },
      { type: 'send', text: '/x' },
    ]);
    const texts = state.entries.map((e) => e.text);
    expect(texts).toContain('[12:00:00] * present: ada, bob');
    expect(texts.some((t) => t.includes('unknown command /hlep'))).toBe(true);
    expect(run(state, ...typed('/quit')).effects).toEqual([{ type: 'quit' }]);
    expect(run(state, key({ name: 'interrupt' })).effects).toEqual([{ type: 'quit' }]);
  });

  it('recalls history with Up/Down and keeps the draft', () => {
    let { state } = run(fresh(), ...typed('one'), ...typed('two'), key({ name: 'char', char: 'd' }));
    state = run(state, key({ name: 'up' })).state;
    expect(state.input).toBe('two');
    state = run(state, key({ name: 'up' }), key({ name: 'up' })).state;
    expect(state.input).toBe('one');
    state = run(state, key({ name: 'down' }), key({ name: 'down' })).state;
    expect(state.input).toBe('d');
  });

  it('completes a name with Tab, addressing them at the start of a line', () => {
    const s = run(fresh(), ev({ kind: 'join', name: 'bea', rejoin: false })).state;
    expect(
      run(s, key({ name: 'char', char: 'b' }), key({ name: 'char', char: 'o' }), key({ name: 'tab' })).state
        .input,
    ).toBe('bob: ');
    const both = run(s, key({ name: 'char', char: 'b' }), key({ name: 'tab' })).state;
    expect(both.input).toBe('b');
    expect(both.entries.at(-1)!.text).toBe('[12:00:00] * bea bob');
  });

  it('scrolls back with PgUp, counts what arrives meanwhile, and PgDn returns', () => {
    let { state } = run(fresh(), ...Array.from({ length: 30 }, (_, i) => ev(message('bob', `m${i}`))));
    state = run(state, key({ name: 'pageUp' })).state;
    expect(state.scroll).toBeGreaterThan(0);
    state = run(state, ev(message('bob', 'new'))).state;
    expect(state.unread).toBe(1);
    expect(plain(composeFrame(state, false).status)).toContain('1 unread below: PgDn');
    state = run(state, key({ name: 'pageDown' }), key({ name: 'pageDown' })).state;
    expect(state.scroll).toBe(0);
    expect(state.unread).toBe(0);
  });

  it('follows the store going and coming back in the status line', () => {
    let { state } = run(fresh(), {
      type: 'status',
      message: 'store unreachable (refused); waiting',
      time: TIME,
    });
    expect(composeFrame(state, false).status).toContain('store unreachable, retrying');
    state = run(state, { type: 'status', message: 'store reachable again; carrying on', time: TIME }).state;
    expect(composeFrame(state, false).status).toContain('| connected |');
  });

  it('turn mode: shows whose turn, and holds a line typed out of turn until the queue lets it go', () => {
    let { state } = run(fresh(true), ev({ kind: 'turn', state: 'other', other: 'bob', turn: 3 }));
    state = run(state, { type: 'queue', queued: ['later \u001b[31mplease'] }).state;
    let frame = composeFrame(state, false);
    expect(frame.held).toHaveLength(1);
    expect(frame.held[0]!.trimEnd()).toBe('[waiting for your turn] later please');
    expect(frame.status).toContain("| bob's turn |");
    expect(frame.input.startsWith("(bob's turn)> ")).toBe(true);
    expect(frame.body.some((row) => row.includes('\u2502> bob'))).toBe(true);
    state = run(state, ev({ kind: 'turn', state: 'mine', turn: 4 }), { type: 'queue', queued: [] }).state;
    frame = composeFrame(state, false);
    expect(frame.held).toEqual([]);
    expect(frame.input.startsWith('your turn> ')).toBe(true);
  });

  it('lays every row out at exactly the screen width, wide characters included', () => {
    let { state } = run(fresh(), ev(message('bob', '\u4f60\u597d'.repeat(50))));
    state = run(state, { type: 'queue', queued: ['a', 'b', 'c', 'd', 'e'] }).state;
    // On their way to a store that is there: not shown (the pane would shift at every Enter).
    expect(composeFrame(state, false).held).toEqual([]);
    state = run(state, { type: 'status', message: 'store unreachable (refused); waiting', time: TIME }).state;
    for (const columns of [80, 36]) {
      const frame = composeFrame({ ...state, columns }, false);
      const rows = [...frame.body, ...frame.held, frame.status];
      expect(rows).toHaveLength(12 - 1);
      for (const row of rows) expect(stringWidth(plain(row))).toBe(columns);
      // Cut with an ellipsis where narrow.
      if (columns === 80) {
        expect(frame.held[0]).toContain('[not sent: store unreachable] a');
        expect(frame.held.at(-1)).toContain('and 3 more lines');
      }
    }
  });
});
