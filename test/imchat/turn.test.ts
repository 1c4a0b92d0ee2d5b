// TurnMachine against a model of the store's compare-and-set, under random interleavings of two clients'
// steps and of the watch's delivery: never two speakers in one turn, never a deadlock. (The real store and real
// processes are exercised in session.test.ts and cli.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatLogValue,
  formatPresenceValue,
  formatTurnValue,
  logKey,
  parseLogValue,
  parseRoomKey,
  presenceKey,
  seatKey,
  turnKey,
} from '../../src/imchat/keys.js';
import type { RoomChange } from '../../src/imchat/live.js';
import { TurnMachine } from '../../src/imchat/turn.js';

const room = 'r';

class ModelStore {
  revision = 0;
  readonly data = new Map<string, { value: string; version: number }>();
  readonly changes: RoomChange[] = [];

  set(key: string, value: string, ifVersion?: number): number | 'conflict' {
    if (ifVersion !== undefined && (this.data.get(key)?.version ?? 0) !== ifVersion) return 'conflict';
    const version = ++this.revision;
    this.data.set(key, { value, version });
    this.changes.push({ type: 'set', key, value, version, revision: version });
    return version;
  }

  unset(key: string, ifVersion?: number, type: 'unset' | 'expire' = 'unset'): number | 'conflict' {
    if (ifVersion !== undefined && (this.data.get(key)?.version ?? 0) !== ifVersion) return 'conflict';
    const revision = ++this.revision;
    this.data.delete(key);
    this.changes.push({ type, key, version: 0, revision });
    return revision;
  }

  items() {
    return [...this.data].map(([key, e]) => ({ key, ...e }));
  }
}

class SimClient {
  machine: TurnMachine;
  delivered = 0;
  started = false;
  done = false;
  seq = 0;
  lastSpokenTurn: number | undefined;

  constructor(
    readonly store: ModelStore,
    readonly name: string,
    readonly lines: string[],
  ) {
    this.machine = new TurnMachine(room, name);
  }

  start(): void {
    this.store.set(presenceKey(room, this.name), formatPresenceValue({ session: this.name, since: 0 }));
    this.machine.load(this.store.items(), this.store.revision);
    this.delivered = this.store.changes.length;
    this.started = true;
    // As the session does on start: our newest log entry says which turn we last spoke in.
    let newest = 0;
    for (const item of this.store.items()) {
      const key = parseRoomKey(room, item.key);
      if (key?.kind === 'log' && key.name === this.name && key.seq > newest) {
        newest = key.seq;
        this.lastSpokenTurn = parseLogValue(item.value)?.turn;
      }
    }
    this.seq = Math.max(this.seq, newest);
  }

  /** SIGKILL: the machine's memory is gone; the store keeps our presence until it expires. */
  crash(): void {
    this.machine = new TurnMachine(room, this.name);
    this.started = false;
  }

  deliver(): boolean {
    const change = this.store.changes[this.delivered];
    if (!change) return false;
    this.delivered++;
    this.machine.apply(change);
    return true;
  }

  /** One decision, executed atomically against the store; false when it was a wait. */
  act(): boolean {
    const action = this.machine.decide({
      hasLine: this.lines.length > 0,
      leaving: true,
      lastSpokenTurn: this.lastSpokenTurn,
    });
    const s = this.store;
    const applied = (key: string, r: number | 'conflict', value?: string) => {
      if (r === 'conflict') {
        this.machine.refresh(key, s.data.get(key));
        return true;
      }
      this.machine.applyWrite(
        value === undefined
          ? { type: 'unset', key, version: 0, revision: r }
          : { type: 'set', key, value, version: r, revision: r },
      );
      return true;
    };
    switch (action.kind) {
      case 'claim-seat': {
        const key = seatKey(room, action.seat);
        const r = s.set(key, this.name, action.ifVersion);
        applied(key, r, this.name);
        if (r !== 'conflict') this.machine.seated(action.seat);
        return true;
      }
      case 'confirm-turn': {
        const value = formatTurnValue(action.turn);
        return applied(turnKey(room), s.set(turnKey(room), value, action.ifVersion), value);
      }
      case 'set-turn': {
        const value = formatTurnValue(action.turn);
        return applied(turnKey(room), s.set(turnKey(room), value, action.ifVersion), value);
      }
      case 'release-seat':
        return applied(seatKey(room, action.seat), s.unset(seatKey(room, action.seat), action.ifVersion));
      case 'speak':
        s.set(
          logKey(room, this.name, ++this.seq),
          formatLogValue({ at: 0, turn: action.turn, text: this.lines.shift()! }),
          0,
        );
        this.lastSpokenTurn = action.turn;
        return true;
      case 'done':
        s.unset(presenceKey(room, this.name));
        this.done = true;
        return true;
      case 'room-full':
        throw new Error(`room full for ${this.name}`);
      case 'wait':
        return false;
    }
  }
}

/** The spoken messages in store order as [speaker, turn]. */
function spoken(store: ModelStore): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const c of store.changes) {
    const key = parseRoomKey(room, c.key);
    if (c.type === 'set' && key?.kind === 'log') out.push([key.name, parseLogValue(c.value!)!.turn!]);
  }
  return out;
}

function checkAlternation(messages: Array<[string, number]>, total: number): void {
  expect(messages).toHaveLength(total);
  for (let i = 1; i < messages.length; i++) {
    expect(messages[i]![1]).toBeGreaterThan(messages[i - 1]![1]); // one speaker per turn
    expect(messages[i]![0]).not.toBe(messages[i - 1]![0]); // they alternate
  }
}

/** alice and bob, each with n lines to say (a0.., b0..). */
function aliceAndBob(store: ModelStore, n: number): [SimClient, SimClient] {
  const lines = (prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  return [new SimClient(store, 'alice', lines('a')), new SimClient(store, 'bob', lines('b'))];
}

/** A fair round-robin after the random steps: if it cannot finish within `rounds`, that is a deadlock. */
function runFairly(clients: SimClient[], rounds: number): void {
  for (let round = 0; round < rounds && !clients.every((c) => c.done); round++)
    for (const c of clients) {
      if (!c.started && !c.done) c.start();
      while (c.deliver());
      if (!c.done) c.act();
    }
}

describe('TurnMachine', () => {
  it('two clients in any interleaving: one speaker per turn, alternating, both finish', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(5), { minLength: 400, maxLength: 400 }),
        fc.integer({ min: 1, max: 4 }),
        (schedule, n) => {
          const store = new ModelStore();
          const clients = aliceAndBob(store, n);
          const [a, b] = clients;
          let steps = 0;
          // Random steps first, then a fair round-robin: if that cannot finish, it is a deadlock.
          for (const pick of schedule) {
            const c = clients[pick % 2]!;
            if (!c.started) c.start();
            else if (!c.done) pick >= 4 ? c.deliver() : c.act();
            steps++;
          }
          runFairly(clients, 1000);
          expect(a.done && b.done, `deadlock after ${steps} steps: ${JSON.stringify(spoken(store))}`).toBe(
            true,
          );
          checkAlternation(spoken(store), 2 * n);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with crashes, restarts and expiring presence: turn numbers only grow, no line lost or repeated, no deadlock', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(9), { minLength: 300, maxLength: 300 }),
        fc.integer({ min: 1, max: 3 }),
        (schedule, n) => {
          const store = new ModelStore();
          const clients = aliceAndBob(store, n);
          const [a, b] = clients;
          let crashes = 0;
          for (const pick of schedule) {
            const c = clients[pick % 2]!;
            if (c.done) continue;
            if (!c.started) {
              const presence = presenceKey(room, c.name);
              if (pick < 4) c.start();
              // While it is down, its presence TTL may run out.
              else if (pick >= 6 && store.data.has(presence)) store.unset(presence, undefined, 'expire');
            } else if (pick >= 8 && crashes < 3) {
              c.crash();
              crashes++;
            } else if (pick >= 4) c.deliver();
            else c.act();
          }
          runFairly(clients, 2000);
          const said = spoken(store);
          // A vanished user's turn goes to the other, so one may run out of lines first and leave; the other then
          // rightly waits for a partner. Anything else left unfinished is a deadlock.
          for (const c of clients) {
            if (c.done) continue;
            const waiting = c.machine.decide({
              hasLine: c.lines.length > 0,
              leaving: true,
              lastSpokenTurn: c.lastSpokenTurn,
            });
            const partnerLeft = clients.find((x) => x !== c)!.done;
            expect(
              partnerLeft && waiting.kind === 'wait' && waiting.reason === 'partner',
              `stuck: ${JSON.stringify(said)}`,
            ).toBe(true);
          }
          expect(said.length + a.lines.length + b.lines.length).toBe(2 * n);
          for (let i = 1; i < said.length; i++) expect(said[i]![1]).toBeGreaterThan(said[i - 1]![1]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a third client is told the room is full', () => {
    const store = new ModelStore();
    const a = new SimClient(store, 'alice', ['x']);
    const b = new SimClient(store, 'bob', ['y']);
    a.start();
    b.start();
    for (let i = 0; i < 3; i++)
      for (const x of [a, b]) {
        while (x.deliver());
        x.act();
      }
    const c = new TurnMachine(room, 'carol');
    store.set(presenceKey(room, 'carol'), formatPresenceValue({ session: 'c', since: 0 }));
    c.load(store.items(), store.revision);
    expect(c.decide({ hasLine: true, leaving: false, lastSpokenTurn: undefined })).toEqual({
      kind: 'room-full',
      holders: ['alice', 'bob'],
    });
  });

  it('the turn passes on when its holder vanishes, and the vanished seat is freed', () => {
    const store = new ModelStore();
    const a = new SimClient(store, 'alice', ['x', 'y']);
    const b = new SimClient(store, 'bob', ['z', 'w']);
    a.start();
    b.start();
    for (let i = 0; i < 20 && spoken(store).length < 2; i++)
      for (const c of [a, b])
        if (spoken(store).length < 2) {
          while (c.deliver());
          c.act();
        }
    while (b.deliver());
    b.act(); // bob hands the turn back to alice's seat
    // alice holds seat 1 and spoke first; bob spoke; now alice's presence expires (she crashed).
    expect(spoken(store).map(([who]) => who)).toEqual(['alice', 'bob']);
    store.unset(presenceKey(room, 'alice'), undefined, 'expire');
    while (b.deliver());
    const ctx = { hasLine: true, leaving: false, lastSpokenTurn: b.lastSpokenTurn };
    expect(b.machine.decide(ctx)).toMatchObject({
      kind: 'set-turn',
      turn: { seat: 2, n: 4 },
      why: 'vanished',
    });
    b.act();
    expect(b.machine.decide(ctx)).toMatchObject({ kind: 'release-seat', seat: 1, holder: 'alice' });
    b.act();
    // Our own compare-and-set moved the turn to us: that already confirms it.
    expect(b.machine.decide(ctx)).toEqual({ kind: 'speak', turn: 4 });
  });

  it('a restarted speaker whose message landed but whose hand-over did not, hands over without speaking again', () => {
    const m = new TurnMachine(room, 'alice');
    m.load(
      [
        { key: seatKey(room, 1), value: 'alice', version: 1 },
        { key: seatKey(room, 2), value: 'bob', version: 2 },
        { key: turnKey(room), value: '1 4', version: 3 },
        {
          key: presenceKey(room, 'alice'),
          value: formatPresenceValue({ session: 'new', since: 0 }),
          version: 5,
        },
        { key: presenceKey(room, 'bob'), value: formatPresenceValue({ session: 'b', since: 0 }), version: 6 },
      ],
      6,
    );
    const ctx = { hasLine: true, leaving: false, lastSpokenTurn: 4 };
    expect(m.decide(ctx)).toEqual({ kind: 'claim-seat', seat: 1, ifVersion: 1 });
    m.applyWrite({ type: 'set', key: seatKey(room, 1), value: 'alice', version: 7, revision: 7 });
    m.seated(1);
    expect(m.decide(ctx)).toEqual({ kind: 'set-turn', turn: { seat: 2, n: 5 }, ifVersion: 3, why: 'pass' });
  });
});
