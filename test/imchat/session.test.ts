// ImchatSession in-process against a real `plainwire store` process: turn-mode races, vanishing, crash and restart.
import { describe, expect, it } from 'vitest';
import {
  cursorKey,
  logKey,
  logPrefix,
  parseCursorValue,
  parseLogValue,
  parseRoomKey,
} from '../../src/imchat/keys.js';
import {
  ImchatError,
  ImchatSession,
  type ImchatSessionOptions,
  type SessionEvent,
} from '../../src/imchat/session.js';
import { shareTestStore } from './store.js';

const shared = shareTestStore();

class Events {
  readonly list: SessionEvent[] = [];
  private waiters: Array<() => void> = [];

  readonly push = (event: SessionEvent) => {
    this.list.push(event);
    for (const w of this.waiters) w();
  };

  messages(): string[] {
    return this.list.flatMap((e) => (e.kind === 'message' ? [`${e.name}: ${e.text}`] : []));
  }

  waitFor(test: (e: SessionEvent) => boolean, what: string, timeoutMs = 10_000): Promise<SessionEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.list.find(test);
        if (!found) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.list)}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }
}

function join(name: string, room: string, events: Events, extra: Partial<ImchatSessionOptions> = {}) {
  return ImchatSession.start({ url: shared.store.url, name, room, onEvent: events.push, ...extra });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
  ]);
}

/** The room's logged messages in store order: [speaker, turn]. */
async function spoken(room: string): Promise<Array<[string, number | undefined, string]>> {
  const { items } = await shared.client.listAll(logPrefix(room));
  return items
    .sort((a, b) => a.version - b.version)
    .map((item) => {
      const key = parseRoomKey(room, item.key);
      const record = parseLogValue(item.value)!;
      return [key?.kind === 'log' ? key.name : '?', record.turn, record.text];
    });
}

describe('turn mode on a real store', () => {
  it('two users started at the same instant, 50 times: one speaker per turn, alternating, never stuck', async () => {
    // Five rooms at a time (each trial is its own room, so they do not interact) to keep the test short.
    const trial = async (n: number) => {
      const room = `pair${n}`;
      const [a, b] = await Promise.all([
        join('alice', room, new Events(), { turns: true }),
        join('bob', room, new Events(), { turns: true }),
      ]);
      a.send('a1');
      b.send('b1');
      await within(Promise.all([a.end(), b.end()]), 20_000, `trial ${n}: a client never finished (deadlock)`);
      const said = await spoken(room);
      expect(said, `trial ${n}`).toHaveLength(2);
      expect(said[1]![0], `trial ${n}: ${JSON.stringify(said)}`).not.toBe(said[0]![0]);
      expect(said[1]![1]!).toBeGreaterThan(said[0]![1]!);
    };
    for (let batch = 0; batch < 50; batch += 5)
      await Promise.all([0, 1, 2, 3, 4].map((i) => trial(batch + i)));
  }, 90_000);

  it('tells a third user the room is full', async () => {
    const a = await join('alice', 'full', new Events(), { turns: true });
    const b = await join('bob', 'full', new Events(), { turns: true });
    const third = join('carol', 'full', new Events(), { turns: true });
    await expect(third).rejects.toThrow(ImchatError);
    await expect(third).rejects.toThrow(/room "full" is full: alice and bob/);
    await Promise.all([a.close(), b.close()]);
  });

  it('a third user turned away is never shown to the two as joined or left', async () => {
    const room = 'turnaway';
    const aliceEvents = new Events();
    const bobEvents = new Events();
    const alice = await join('alice', room, aliceEvents, { turns: true });
    await aliceEvents.waitFor((e) => e.kind === 'turn' && e.state === 'mine', 'alice: your turn');
    const bob = await join('bob', room, bobEvents, { turns: true });
    await aliceEvents.waitFor((e) => e.kind === 'join' && e.name === 'bob', 'alice sees bob join');
    await expect(join('carol', room, new Events(), { turns: true })).rejects.toThrow(/is full/);
    // Said after carol left the store: once both have it, both have seen every change carol made.
    alice.send('marker');
    for (const events of [aliceEvents, bobEvents])
      await events.waitFor((e) => e.kind === 'message' && e.text === 'marker', 'the marker said after that');
    const aboutCarol = (events: Events) =>
      events.list.filter((e) => JSON.stringify(e).includes('carol')).map((e) => JSON.stringify(e));
    expect(aliceEvents.list.filter((e) => e.kind === 'join').map((e) => JSON.stringify(e))).toEqual([
      JSON.stringify({ kind: 'join', name: 'bob', rejoin: false }),
    ]);
    expect(aboutCarol(aliceEvents)).toEqual([]);
    expect(aboutCarol(bobEvents)).toEqual([]);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('passes the turn on when its holder vanishes, within 10 s', async () => {
    const aliceEvents = new Events();
    const bobEvents = new Events();
    const alice = await join('alice', 'vanish', aliceEvents, { turns: true, presenceTtlSeconds: 2 });
    await aliceEvents.waitFor((e) => e.kind === 'turn' && e.state === 'mine', 'alice: your turn');
    const bob = await join('bob', 'vanish', bobEvents, { turns: true, presenceTtlSeconds: 2 });
    await bobEvents.waitFor((e) => e.kind === 'turn' && e.state === 'other', 'bob: waiting for alice');
    alice.abandon(); // crashes without a word, holding the turn
    await bobEvents.waitFor(
      (e) => e.kind === 'leave' && e.name === 'alice' && e.timedOut,
      'alice timed out',
      10_000,
    );
    await bobEvents.waitFor((e) => e.kind === 'turn' && e.state === 'mine', 'bob: your turn', 10_000);
    bob.send('anyone?');
    await bob.end();
    expect((await spoken('vanish')).map(([who, , text]) => `${who}: ${text}`)).toEqual(['bob: anyone?']);
  });
});

describe('live mode on a real store', () => {
  it('shows joins and leaves, and a vanished user times out within 10 s', async () => {
    const aliceEvents = new Events();
    const alice = await join('alice', 'presence', aliceEvents, { presenceTtlSeconds: 2 });
    const bob = await join('bob', 'presence', new Events(), { presenceTtlSeconds: 2 });
    await aliceEvents.waitFor((e) => e.kind === 'join' && e.name === 'bob', 'bob joined');
    const carol = await join('carol', 'presence', new Events(), { presenceTtlSeconds: 2 });
    await aliceEvents.waitFor((e) => e.kind === 'join' && e.name === 'carol', 'carol joined');
    await bob.close();
    await aliceEvents.waitFor((e) => e.kind === 'leave' && e.name === 'bob' && !e.timedOut, 'bob left');
    carol.abandon();
    await aliceEvents.waitFor(
      (e) => e.kind === 'leave' && e.name === 'carol' && e.timedOut,
      'carol timed out',
      10_000,
    );
    expect(alice.present).toEqual(['alice']);
    await alice.close();
  });

  it('refuses a name a running client holds', async () => {
    const alice = await join('alice', 'names', new Events(), { presenceTtlSeconds: 1 });
    await expect(join('alice', 'names', new Events(), { presenceTtlSeconds: 1 })).rejects.toThrow(/in use/);
    await alice.close();
  });

  it('names are one rule, unique ignoring case: ALICE cannot join beside alice; rooms ignore case too', async () => {
    const aliceEvents = new Events();
    const alice = await join('alice', 'CaseRoom', aliceEvents, { presenceTtlSeconds: 1 });
    await expect(join('ALICE', 'caseroom', new Events(), { presenceTtlSeconds: 1 })).rejects.toThrow(
      /in use/,
    );
    // The shared rule allows '.', and a name is shown as its owner typed it.
    const dotted = await join('Bob.B', 'caseroom', new Events(), { presenceTtlSeconds: 1 });
    await aliceEvents.waitFor((e) => e.kind === 'join' && e.name === 'Bob.B', 'Bob.B joined, as typed');
    dotted.send('hi alice');
    await aliceEvents.waitFor((e) => e.kind === 'message' && e.name === 'Bob.B', 'a message from Bob.B');
    expect(aliceEvents.messages()).toEqual(['Bob.B: hi alice']);
    await expect(join('..', 'caseroom', new Events())).rejects.toThrow(/not allowed: use 1-32 letters/);
    await Promise.all([alice.close(), dotted.close()]);
  });

  it('a newcomer sees the last N messages; writers prune their own logs', async () => {
    const alice = await join('alice', 'history', new Events(), { history: 3 });
    for (let i = 1; i <= 6; i++) alice.send(`a${i}`);
    await alice.end();
    const late = new Events();
    const bob = await join('bob', 'history', late, { history: 3 });
    expect(late.messages()).toEqual(['alice: a4', 'alice: a5', 'alice: a6']);
    await bob.close();
    const deadline = Date.now() + 5000;
    while ((await spoken('history')).length > 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await spoken('history')).map(([, , text]) => text)).toEqual(['a4', 'a5', 'a6']);
  });

  it('a crashed client restarted with the same name shows exactly what it missed and continues its log', async () => {
    const room = 'crash';
    const aliceEvents = new Events();
    const bobEvents = new Events();
    const alice = await join('alice', room, aliceEvents);
    const bob = await join('bob', room, bobEvents);
    bob.send('b-before');
    for (let i = 1; i <= 5; i++) alice.send(`a${i}`);
    await bobEvents.waitFor((e) => e.kind === 'message' && e.text === 'a5', 'bob sees a5');
    // Kill outside the documented window: once bob's cursor has recorded a5 as shown.
    const a5 = (await shared.client.getEntry(logKey(room, 'alice', 5)))!.version;
    for (let i = 0; i < 100; i++) {
      const cursor = parseCursorValue((await shared.client.get(cursorKey(room, 'bob'))) ?? '');
      if (cursor && cursor.revision >= a5) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    bob.abandon();
    for (let i = 6; i <= 8; i++) alice.send(`a${i}`);
    await aliceEvents.waitFor((e) => e.kind === 'message' && e.text === 'a8', 'alice sees a8');
    const bobAgainEvents = new Events();
    const bobAgain = await join('bob', room, bobAgainEvents);
    expect(bobAgainEvents.messages()).toEqual(['alice: a6', 'alice: a7', 'alice: a8']);
    bobAgain.send('b-after');
    await aliceEvents.waitFor((e) => e.kind === 'message' && e.text === 'b-after', 'alice sees b-after');
    expect(aliceEvents.messages().filter((m) => m.startsWith('bob'))).toEqual([
      'bob: b-before',
      'bob: b-after',
    ]);
    expect((await shared.client.get(logKey(room, 'bob', 2))) ?? '').toContain('b-after');
    const shown = [...bobEvents.messages(), ...bobAgainEvents.messages()];
    expect(new Set(shown).size).toBe(shown.length);
    await Promise.all([alice.close(), bobAgain.close()]);
  });
  it('a store outage longer than the presence TTL does not show live users as timed out and joined again', async () => {
    const room = 'outage';
    const quick = { presenceTtlSeconds: 1 };
    const aliceEvents = new Events();
    const bobEvents = new Events();
    const alice = await join('alice', room, aliceEvents, quick);
    const bob = await join('bob', room, bobEvents, quick);
    await aliceEvents.waitFor((e) => e.kind === 'join' && e.name === 'bob', 'alice sees bob join');
    await shared.store.kill();
    // Down for twice the TTL: the store expires both presence keys when it is back.
    await new Promise((r) => setTimeout(r, 2000));
    await shared.store.restart();
    alice.send('after the outage');
    await bobEvents.waitFor((e) => e.kind === 'message' && e.text === 'after the outage', 'bob hears alice');
    // Longer than a heartbeat and the grace (333 ms + 2 s): a held "timed out" would have been shown by now.
    await new Promise((r) => setTimeout(r, 3000));
    const presence = (events: Events) =>
      events.list.flatMap((e) => (e.kind === 'join' || e.kind === 'leave' ? [`${e.kind} ${e.name}`] : []));
    expect(presence(aliceEvents)).toEqual(['join bob']);
    expect(presence(bobEvents)).toEqual([]);
    await Promise.all([alice.close(), bob.close()]);
  }, 20_000);
});
