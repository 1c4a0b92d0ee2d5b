// The state machine of `plainwire chat --tui` and its screen, without a terminal or a socket: events, replies
// and keys in; state, the lines to send and the composed frame out.
import { describe, expect, it } from 'vitest';
import type { TuiKey } from '../../src/browser/tui/state.js';
import type { ChatEvent, Reply } from '../../src/chat/protocol.js';
import { composeFrame, sideWidth, wrapColumns } from '../../src/chat/tui/screen.js';
import {
  type ChatTuiEffect,
  type ChatTuiEvent,
  type ChatTuiState,
  initialState,
  startEffects,
  update,
} from '../../src/chat/tui/state.js';
import stringWidth from 'string-width';

const TIME = new Date(2026, 0, 1, 12, 0, 0);

function run(
  state: ChatTuiState,
  ...events: ChatTuiEvent[]
): { state: ChatTuiState; effects: ChatTuiEffect[] } {
  const effects: ChatTuiEffect[] = [];
  for (const event of events) {
    const result = update(state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

const ev = (event: ChatEvent): ChatTuiEvent => ({ type: 'event', event, time: TIME });
const key = (k: TuiKey): ChatTuiEvent => ({ type: 'key', key: k, time: TIME });
const typed = (text: string): ChatTuiEvent[] => [
  ...Array.from(text).map((char) => key({ name: 'char', char })),
  key({ name: 'enter' }),
];
const ok = (text: string): Reply => ({ ok: true, text }) as Reply;

function fresh(): ChatTuiState {
  return initialState('127.0.0.1:8090', 'ada', 80, 12);
}

/** Sends what the reducer asked to send, answering each with the given reply. */
function answer(state: ChatTuiState, effect: ChatTuiEffect, reply: Reply) {
  if (effect.type !== 'send') throw new Error(`expected a send, got ${effect.type}`);
  return run(state, {
    type: 'reply',
    line: effect.line,
    purpose: effect.purpose,
    reply,
    ...(effect.echo ? { echo: effect.echo } : {}),
    time: TIME,
  });
}

describe('chat --tui state', () => {
  it('fills the users pane from USERS page by page, then keeps it current from JOINED, LEFT and RENAMED', () => {
    const [users, groups] = startEffects();
    expect(users).toEqual({ type: 'send', line: 'USERS', purpose: 'fill-users' });
    expect(groups).toEqual({ type: 'send', line: 'GROUPS', purpose: 'fill-groups' });
    let step = answer(fresh(), users!, ok('USERS 5 ada Bea cy +2'));
    expect(step.state.users).toEqual(['ada', 'Bea', 'cy']);
    expect(step.state.usersTotal).toBe(5);
    // The next page starts after the last name shown; the pane's own listing shows nothing in the messages.
    expect(step.effects).toEqual([{ type: 'send', line: 'USERS cy', purpose: 'fill-users' }]);
    expect(step.state.entries).toEqual([]);
    step = answer(step.state, step.effects[0]!, ok('USERS 5 dan eve'));
    expect(step.effects).toEqual([]);
    expect(step.state.users).toEqual(['ada', 'Bea', 'cy', 'dan', 'eve']);

    const s = run(
      step.state,
      ev({ type: 'JOINED', name: 'bob' }),
      ev({ type: 'LEFT', name: 'cy' }),
      ev({ type: 'RENAMED', from: 'dan', to: 'Dora' }),
      ev({ type: 'JOINED', name: 'eve', group: 'ops' }),
    ).state;
    expect(s.users).toEqual(['ada', 'Bea', 'bob', 'Dora', 'eve']);
    expect(s.usersTotal).toBe(5);
    // Presence news is a system event, dimmed on screen.
    expect(s.entries.map((e) => [e.kind, e.text])).toEqual([
      ['system', '12:00:00 -- bob joined the chat'],
      ['system', '12:00:00 -- cy left the chat'],
      ['system', '12:00:00 -- dan is now Dora'],
      ['system', '12:00:00 -- eve joined ops'],
    ]);
  });

  it('fills the groups pane from GROUPS and marks the ones joined and left', () => {
    const groups = startEffects()[1]!;
    let step = answer(fresh(), groups, ok('GROUPS 2 dev:3 ops:1'));
    expect(step.state.groups).toEqual(['dev', 'ops']);
    step = run(step.state, ...typed('/join zoo'));
    expect(step.effects).toEqual([{ type: 'send', line: 'JOIN zoo', purpose: 'typed' }]);
    step = answer(step.state, step.effects[0]!, ok('JOINED zoo'));
    expect(step.state.groups).toEqual(['dev', 'ops', 'zoo']);
    expect(step.state.mine).toEqual(['zoo']);
    expect(step.state.entries.at(-1)?.text).toBe('12:00:00 -- you joined zoo');
    step = run(step.state, ...typed('/leave zoo'));
    step = answer(step.state, step.effects[0]!, ok('LEFT zoo'));
    expect(step.state.mine).toEqual([]);
  });

  it('sends what is typed with the line client parser, and shows own, private and group messages marked', () => {
    let step = run(fresh(), ...typed('hello all'));
    expect(step.state.input).toBe('');
    expect(step.effects).toEqual([
      { type: 'send', line: 'MESSAGE hello all', purpose: 'typed', echo: { to: 'all', text: 'hello all' } },
    ]);
    step = answer(step.state, step.effects[0]!, ok('SENT 1'));
    step = run(step.state, ...typed('/msg bob psst'));
    expect(step.effects[0]).toMatchObject({ line: 'PRIVATE bob psst' });
    step = answer(step.state, step.effects[0]!, ok('SENT 1'));
    step = run(
      step.state,
      ev({ type: 'PRIVATE', from: 'bob', text: 'hi \u001b[2Jthere' }),
      ev({ type: 'GROUP', group: 'ops', from: 'bob', text: 'deploy' }),
      ev({ type: 'MESSAGE', from: 'bob', text: 'to all' }),
      ev({ type: 'PING', token: 'x' }),
    );
    expect(step.state.entries.map((e) => [e.kind, e.text])).toEqual([
      ['own', '12:00:00 <ada> hello all'],
      ['own', '12:00:00 [to bob] <ada> psst'],
      // Network text is sanitised before it is stored: no escape sequence reaches the screen.
      ['private', '12:00:00 [private] <bob> hi there'],
      ['group', '12:00:00 [ops] <bob> deploy'],
      ['message', '12:00:00 <bob> to all'],
    ]);
  });

  it('shows refusals with slash-command hints, usage errors without sending, and /help locally', () => {
    let step = run(fresh(), ...typed('/msg'));
    expect(step.effects).toEqual([]);
    expect(step.state.entries.at(-1)).toEqual({
      kind: 'error',
      text: '12:00:00 !! usage: /msg name[,name...] text',
    });
    step = run(step.state, ...typed('/g ops hi'));
    step = answer(step.state, step.effects[0]!, {
      ok: false,
      code: 'NOT_MEMBER',
      text: 'not a member of ops: JOIN ops first',
    } as Reply);
    expect(step.state.entries.at(-1)?.kind).toBe('error');
    expect(step.state.entries.at(-1)?.text).toContain('/join ops');
    step = run(step.state, ...typed('/help'));
    expect(step.effects).toEqual([]);
    expect(step.state.entries.some((e) => e.text.includes('/msg name[,name...] text'))).toBe(true);
    expect(step.state.entries.at(-1)?.text).toContain('Tab completes a name');
  });

  it('/nick renames you in the status and the users pane', () => {
    let step = run(fresh(), ...typed('/nick ada2'));
    expect(step.effects).toEqual([{ type: 'send', line: 'REGISTER ada2', purpose: 'typed' }]);
    step = answer(step.state, step.effects[0]!, ok('RENAMED ada ada2'));
    expect(step.state.name).toBe('ada2');
    expect(step.state.users).toEqual(['ada2']);
  });

  it('/quit and Ctrl-C quit', () => {
    expect(run(fresh(), ...typed('/quit bye now')).effects).toEqual([{ type: 'quit', line: 'QUIT bye now' }]);
    expect(run(fresh(), key({ name: 'interrupt' })).effects).toEqual([{ type: 'quit', line: 'QUIT' }]);
  });

  it('recalls input history with Up and Down, keeping the line being typed', () => {
    let s = run(fresh(), ...typed('one'), ...typed('two')).state;
    s = run(s, key({ name: 'char', char: 'x' }), key({ name: 'up' })).state;
    expect(s.input).toBe('two');
    s = run(s, key({ name: 'up' }), key({ name: 'up' })).state;
    expect(s.input).toBe('one');
    s = run(s, key({ name: 'down' })).state;
    expect(s.input).toBe('two');
    s = run(s, key({ name: 'down' })).state;
    expect(s.input).toBe('x');
  });

  it('completes names and groups with Tab: one match in full, several to their common prefix', () => {
    let s = answer(fresh(), startEffects()[0]!, ok('USERS 4 ada bob bobby carl')).state;
    s = answer(s, startEffects()[1]!, ok('GROUPS 1 crew:2')).state;
    s = run(
      s,
      ...Array.from('/msg ca').map((char) => key({ name: 'char', char })),
      key({ name: 'tab' }),
    ).state;
    expect(s.input).toBe('/msg carl ');
    s = run(s, key({ name: 'clearLine' }), key({ name: 'char', char: 'b' }), key({ name: 'tab' })).state;
    expect(s.input).toBe('bob');
    expect(s.entries.at(-1)?.text).toBe('12:00:00 -- bob bobby');
    s = run(
      s,
      key({ name: 'clearLine' }),
      ...Array.from('/msg carl,cr').map((char) => key({ name: 'char', char })),
      key({ name: 'tab' }),
    ).state;
    expect(s.input).toBe('/msg carl,crew ');
    // Your own name is not offered.
    s = run(s, key({ name: 'clearLine' }), key({ name: 'char', char: 'a' }), key({ name: 'tab' })).state;
    expect(s.input).toBe('a');
  });

  it('scrolls with PgUp/PgDn, counts what arrives meanwhile as unread, and follows again at the bottom', () => {
    let s = fresh();
    for (let i = 0; i < 30; i++) s = run(s, ev({ type: 'MESSAGE', from: 'bob', text: `line ${i}` })).state;
    s = run(s, key({ name: 'pageUp' })).state;
    expect(s.scroll).toBeGreaterThan(0);
    expect(composeFrame(s, false).body.join('\n')).not.toContain('line 29');
    s = run(
      s,
      ev({ type: 'PRIVATE', from: 'bob', text: 'psst' }),
      ev({ type: 'MESSAGE', from: 'bob', text: 'x' }),
    ).state;
    expect([s.unread, s.unreadPrivate]).toEqual([2, 1]);
    expect(composeFrame(s, false).status).toContain('2 unread (1 private) below: PgDn');
    s = run(s, key({ name: 'pageDown' }), key({ name: 'pageDown' })).state;
    expect(s.scroll).toBe(0);
    expect(s.unread).toBe(0);
    expect(composeFrame(s, false).body.join('\n')).toContain('<bob> x');
  });
});

describe('chat --tui screen', () => {
  it('lays out the message pane, the side pane, the status and the input line at the screen width', () => {
    let s = answer(fresh(), startEffects()[0]!, ok('USERS 2 ada bob')).state;
    s = run(
      s,
      ev({ type: 'MESSAGE', from: 'bob', text: 'hi' }),
      ...Array.from('draft').map((char) => key({ name: 'char', char })),
    ).state;
    const frame = composeFrame(s, false);
    expect(frame.body).toHaveLength(10);
    for (const row of frame.body) expect(stringWidth(row)).toBe(80);
    expect(frame.body[0]).toContain('\u2502Users (2)');
    expect(frame.body[1]).toContain('\u2502*ada');
    expect(frame.body[2]).toContain('\u2502 bob');
    expect(frame.body.at(-1)).toMatch(/^12:00:00 <bob> hi +\u2502/);
    expect(frame.status).toContain('127.0.0.1:8090 | ada | connected');
    expect(frame.input).toContain('> draft');
    // Typing is on its own line: a message arriving changes the body only.
    const after = composeFrame(run(s, ev({ type: 'MESSAGE', from: 'bob', text: 'again' })).state, false);
    expect(after.input).toBe(frame.input);
  });

  it('wraps wide characters without splitting them and re-lays out on resize', () => {
    expect(wrapColumns('日本語です', 5)).toEqual(['日本', '語で', 'す']);
    let s = run(fresh(), ev({ type: 'MESSAGE', from: 'bob', text: '日本語 '.repeat(20) })).state;
    s = run(s, { type: 'resize', columns: 30, rows: 8 }).state;
    expect(sideWidth(30)).toBe(0);
    const frame = composeFrame(s, false);
    expect(frame.body).toHaveLength(6);
    for (const row of frame.body) expect(stringWidth(row)).toBe(30);
  });

  it('dims system lines and colours private and group messages; under NO_COLOR only the status is inverse', () => {
    const s = run(
      fresh(),
      ev({ type: 'JOINED', name: 'bob' }),
      ev({ type: 'PRIVATE', from: 'bob', text: 'psst' }),
      ev({ type: 'GROUP', group: 'ops', from: 'bob', text: 'hi' }),
    ).state;
    const body = composeFrame(s, true).body.join('\n');
    expect(body).toMatch(/\u001b\[2m12:00:00 -- bob joined the chat/);
    expect(body).toMatch(/\u001b\[35m12:00:00 \[private\] <bob> psst/);
    expect(body).toMatch(/\u001b\[34m12:00:00 \[ops\] <bob> hi/);
    const plain = composeFrame(s, false);
    expect(plain.body.join('\n')).not.toContain('\u001b');
    expect(plain.status.startsWith('\u001b[7m')).toBe(true);
  });

  it('shows a move to another node: the notice, the status, then the new node, its groups and fresh listings', () => {
    const before = run(
      fresh(),
      { type: 'event', event: { type: 'JOINED', name: 'bob' }, time: TIME },
      {
        type: 'moving',
        text: 'lost the connection to 127.0.0.1:8090 (closed); moving to another node',
        time: TIME,
      },
    ).state;
    expect(composeFrame(before, false).status).toContain('| moving to another node');
    expect(before.entries.at(-1)?.text).toBe(
      '12:00:00 -- lost the connection to 127.0.0.1:8090 (closed); moving to another node',
    );
    const after = update(before, {
      type: 'moved',
      server: '127.0.0.1:8091',
      text: 'reconnected to 127.0.0.1:8091 as ada; 2 here; back in ops',
      mine: ['ops'],
      time: TIME,
    });
    expect(composeFrame(after.state, false).status).toMatch(
      /^\u001b\[7m 127\.0\.0\.1:8091 \| ada \| connected/,
    );
    expect(after.state.mine).toEqual(['ops']);
    // The side pane is filled again from the new node, as at the start.
    expect(after.state.users).toEqual(['ada']);
    expect(after.effects).toEqual(startEffects());
  });

  it('shows a closed connection in the status line', () => {
    const s = run(fresh(), { type: 'closed', reason: 'server-closed', time: TIME }).state;
    expect(composeFrame(s, false).status).toContain('| disconnected');
  });
});
