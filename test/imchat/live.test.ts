import { describe, expect, it } from 'vitest';
import { formatLogValue, formatPresenceValue, logKey, presenceKey } from '../../src/imchat/keys.js';
import {
  type EntryCheck,
  type RoomChange,
  type RoomEntry,
  RoomView,
  seqsToPrune,
} from '../../src/imchat/live.js';

const room = 'r';
/** Every entry checks out (signatures are tested in forgery.test.ts); `forged` entries fail. */
const trustAll: EntryCheck = (_name, _seq, record) =>
  record.text.startsWith('forged') ? 'not signed' : undefined;
const msg = (name: string, seq: number, version: number, text = `${name}${seq}`): RoomEntry => ({
  key: logKey(room, name, seq),
  value: formatLogValue({ at: 1000 + version, text }),
  version,
});
const set = (entry: RoomEntry): RoomChange => ({ type: 'set', ...entry, revision: entry.version });
const here = (name: string, session: string, version: number): RoomEntry => ({
  key: presenceKey(room, name),
  value: formatPresenceValue({ session, since: 1 }),
  version,
});
const texts = (events: ReturnType<RoomView['apply']>) =>
  events.map((e) => (e.kind === 'message' ? e.text : `${e.kind} ${e.name}`));

describe('RoomView', () => {
  it('shows a newcomer the last N messages of the room, in store order', () => {
    const view = new RoomView(room, 'me', trustAll);
    const items = [msg('a', 1, 3), msg('b', 1, 4), msg('a', 2, 5), msg('b', 2, 8), here('a', 's', 9)];
    const loaded = view.load(items, 10, { history: 3 });
    expect(texts(loaded.events)).toEqual(['b1', 'a2', 'b2']);
    expect(loaded.present).toEqual(['a']);
  });

  it('after a restart shows exactly what came after its cursor', () => {
    const view = new RoomView(room, 'me', trustAll);
    const items = [msg('a', 1, 3), msg('b', 1, 4), msg('a', 2, 5), msg('b', 2, 8)];
    expect(texts(view.load(items, 10, { history: 100, shownUpTo: 4 }).events)).toEqual(['a2', 'b2']);
  });

  it('shows each message once, in each sender order, whatever the watch repeats', () => {
    const view = new RoomView(room, 'me', trustAll);
    view.load([msg('a', 1, 3)], 3, { history: 10 });
    expect(texts(view.apply(set(msg('a', 1, 3))))).toEqual([]);
    expect(texts(view.apply(set(msg('a', 2, 6))))).toEqual(['a2']);
    expect(texts(view.apply(set(msg('a', 2, 6))))).toEqual([]);
    expect(texts(view.apply(set(msg('b', 1, 7))))).toEqual(['b1']);
    // A listing that ran past its revision repeats entries at higher revisions: still shown once.
    const again = new RoomView(room, 'me', trustAll);
    expect(texts(again.load([msg('a', 1, 3), msg('a', 2, 12)], 10, { history: 10 }).events)).toEqual([
      'a1',
      'a2',
    ]);
    expect(texts(again.apply(set(msg('a', 2, 12))))).toEqual([]);
    // Pruning (unset of old log keys) shows nothing.
    expect(view.apply({ type: 'unset', key: logKey(room, 'a', 1), version: 0, revision: 20 })).toEqual([]);
  });

  it('reports joins, rejoins after a restart, leaves and timeouts, but not the viewer itself', () => {
    const view = new RoomView(room, 'me', trustAll);
    view.load([], 1, { history: 10 });
    expect(texts(view.apply(set(here('me', 'x', 2))))).toEqual([]);
    expect(texts(view.apply(set(here('bob', 's1', 3))))).toEqual(['join bob']);
    expect(texts(view.apply(set(here('bob', 's1', 4))))).toEqual([]); // heartbeat
    expect(view.apply(set(here('bob', 's2', 5)))).toEqual([{ kind: 'join', name: 'bob', rejoin: true }]);
    expect(view.apply({ type: 'expire', key: presenceKey(room, 'bob'), version: 0, revision: 6 })).toEqual([
      { kind: 'leave', name: 'bob', timedOut: true },
    ]);
    expect(view.apply(set(here('carol', 's', 7)))).toHaveLength(1);
    expect(view.apply({ type: 'unset', key: presenceKey(room, 'carol'), version: 0, revision: 8 })).toEqual([
      { kind: 'leave', name: 'carol', timedOut: false },
    ]);
    expect(view.present).toEqual(['me']);
  });

  it('ignores what it cannot parse', () => {
    const view = new RoomView(room, 'me', trustAll);
    view.load([], 1, { history: 10 });
    expect(
      view.apply({ type: 'set', key: logKey(room, 'a', 1), value: 'junk', version: 2, revision: 2 }),
    ).toEqual([]);
    expect(
      view.apply({ type: 'set', key: 'imchat/r/whatever', value: 'x', version: 3, revision: 3 }),
    ).toEqual([]);
  });

  it('marks entries that fail their check, counts the gaps in a sender sequence, and is never silenced by a fake', () => {
    const view = new RoomView(room, 'me', trustAll);
    const loaded = view.load([msg('a', 1, 3), msg('a', 3, 5)], 5, { history: 10 });
    expect(loaded.events.map((e) => (e.kind === 'missing' ? `missing ${e.count}` : e.kind))).toEqual([
      'message',
      'missing 1',
      'message',
    ]);
    // A fake far ahead is shown marked, and neither hides a's next messages nor counts as missing ones.
    const fake = view.apply(set(msg('a', 9, 6, 'forged I resign')));
    expect(fake).toMatchObject([{ kind: 'message', text: 'forged I resign', unverified: 'not signed' }]);
    expect(texts(view.apply(set(msg('a', 4, 7))))).toEqual(['a4']);
    const fake5 = view.apply(set(msg('a', 5, 8, 'forged 5')));
    expect(fake5).toHaveLength(1);
    expect(view.apply(set(msg('a', 6, 9))).map((e) => e.kind)).toEqual(['message']);
    expect(view.apply(set(msg('a', 8, 10))).map((e) => (e.kind === 'missing' ? e.count : e.kind))).toEqual([
      1,
      'message',
    ]);
  });

  it('shows a sender whose numbering started again (their log deleted), but not a replay of an old entry', () => {
    const view = new RoomView(room, 'me', trustAll);
    view.load([msg('a', 1, 3), msg('a', 2, 4)], 4, { history: 10 });
    // The same signed entry written again after it was deleted: same time, so nothing new.
    expect(view.apply(set({ ...msg('a', 2, 4), version: 9 }))).toEqual([]);
    // A's log and cursor were wiped and a numbers from 1 again: later times, so shown (and no gap counted).
    expect(
      texts(
        view.apply(set({ ...msg('a', 1, 10, 'again'), value: formatLogValue({ at: 5000, text: 'again' }) })),
      ),
    ).toEqual(['again']);
    expect(texts(view.apply(set(msg('a', 2, 5011, 'again2'))))).toEqual(['again2']);
  });

  it('prunes all but the newest N of its own log', () => {
    expect(seqsToPrune([1, 2, 3, 4, 5], 5, 2)).toEqual([1, 2, 3]);
    expect(seqsToPrune([4, 5], 5, 2)).toEqual([]);
  });
});
