// One behaviour suite run against both engines (lmdb on real files in a temp dir, and memory), plus lmdb restarts.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Change, Engine } from '../../src/store/engine.js';
import { EngineOpenError } from '../../src/store/engine.js';
import { compareKeys } from '../../src/store/expiry.js';
import { LmdbEngine } from '../../src/store/lmdb.js';
import { MemoryEngine } from '../../src/store/memory.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plainwire-engine-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A clock the test moves by hand, so expiry never races a busy machine. */
class TestClock {
  time = Date.UTC(2026, 0, 1);
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Resolves once `engine` announces a change for which `match` holds. */
function changeSeen(engine: Engine, match: (c: Change) => boolean): Promise<Change> {
  return new Promise((resolve) => {
    const stop = engine.onChanges((changes) => {
      const found = changes.find(match);
      if (found) {
        stop();
        resolve(found);
      }
    });
  });
}

/** Checks `check` after each turn of timers until it holds; the test's own timeout bounds the wait. */
async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

type Factory = (opts?: { logRetention?: number; pruneIntervalMs?: number; clock?: () => number }) => Engine;
const engines: [string, Factory][] = [
  ['lmdb', (o) => new LmdbEngine({ path: tempDir(), ...o })],
  ['memory', (o) => new MemoryEngine(o)],
];

describe.each(engines)('%s engine', (_name, make) => {
  let engine: Engine;
  afterEach(async () => {
    await engine?.close();
  });

  it('sets, gets and unsets with versions that are revisions', async () => {
    engine = make();
    expect(engine.revision).toBe(0);
    expect(engine.get('a')).toBeUndefined();
    const r1 = await engine.set('a', 'one');
    expect(r1).toEqual({ ok: true, version: 1, revision: 1 });
    await engine.set('b', 'two');
    const r3 = await engine.set('a', 'three');
    expect(r3.version).toBe(3);
    expect(engine.get('a')).toMatchObject({ key: 'a', value: 'three', version: 3 });
    expect(engine.revision).toBe(3);
    expect(await engine.unset('a')).toEqual({ ok: true, version: 0, revision: 4 });
    expect(engine.get('a')).toBeUndefined();
    // Unsetting a missing key changes nothing, not even the revision.
    expect(await engine.unset('a')).toEqual({ ok: true, version: 0, revision: 4 });
    expect(engine.revision).toBe(4);
  });

  it('compare-and-set: ifVersion must match; 0 means absent', async () => {
    engine = make();
    expect((await engine.set('k', 'v1', { ifVersion: 0 })).ok).toBe(true);
    const refused = await engine.set('k', 'v2', { ifVersion: 0 });
    expect(refused).toMatchObject({ ok: false, version: 1 });
    expect(await engine.set('k', 'v2', { ifVersion: 1 })).toMatchObject({ ok: true, version: 2 });
    expect(await engine.unset('k', { ifVersion: 1 })).toMatchObject({ ok: false, version: 2 });
    expect(await engine.unset('k', { ifVersion: 2 })).toMatchObject({ ok: true });
    expect(await engine.unset('k', { ifVersion: 5 })).toMatchObject({ ok: false, version: 0 });
    expect(await engine.unset('k', { ifVersion: 0 })).toMatchObject({ ok: true });
    expect(engine.get('k')).toBeUndefined();
  });

  it('concurrent compare-and-set writers: exactly one wins each round', async () => {
    engine = make();
    await engine.set('n', '0');
    for (let round = 0; round < 5; round++) {
      const current = engine.get('n')!;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          engine.set('n', `${round}-${i}`, { ifVersion: current.version }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    }
  });

  it('keys and list are in UTF-8 byte order with prefix, cursor and limit', async () => {
    engine = make();
    const keys = ['b', 'a/2', 'a/1', 'a b', 'é', '😀', '\uffff', 'a', 'a/10'];
    for (const k of keys) await engine.set(k, `v:${k}`);
    const sorted = [...keys].sort(compareKeys);
    expect(sorted.indexOf('\uffff')).toBeLessThan(sorted.indexOf('😀'));
    expect(engine.keys()).toEqual(sorted);
    const page1 = engine.list({ prefix: 'a/', limit: 2 });
    expect(page1.items.map((e) => e.key)).toEqual(['a/1', 'a/10']);
    expect(page1.next).toBe('a/10');
    const page2 = engine.list({ prefix: 'a/', limit: 2, after: page1.next! });
    expect(page2.items.map((e) => e.key)).toEqual(['a/2']);
    expect(page2.next).toBeNull();
    expect(engine.list({ limit: 100 }).items).toHaveLength(keys.length);
    expect(engine.list({ prefix: 'zz', limit: 10 }).items).toEqual([]);
  });

  it('counts its keys', async () => {
    engine = make();
    expect(engine.count()).toBe(0);
    await engine.set('x', '1');
    await engine.set('y', '2');
    await engine.set('x', '3');
    expect(engine.count()).toBe(2);
    await engine.unset('x');
    expect(engine.count()).toBe(1);
  });

  it('logs every change in order; clear is one revision of unsets', async () => {
    engine = make();
    const seen: Change[] = [];
    engine.onChanges((c) => seen.push(...c));
    await engine.set('p/a', '1');
    await engine.set('q', '2');
    await engine.set('p/b', '3');
    await engine.unset('p/a');
    const { revision } = await engine.clear();
    expect(revision).toBe(5);
    expect(engine.keys()).toEqual([]);
    const all = engine.changesAfter(0, { prefix: '' }, 1000);
    expect(all).toMatchObject({ kind: 'changes', revision: 5 });
    if (all.kind !== 'changes') return;
    expect(all.changes).toEqual(seen);
    expect(all.changes.map((c) => [c.type, c.key, c.revision])).toEqual([
      ['set', 'p/a', 1],
      ['set', 'q', 2],
      ['set', 'p/b', 3],
      ['unset', 'p/a', 4],
      ['unset', 'p/b', 5],
      ['unset', 'q', 5],
    ]);
    const prefixed = engine.changesAfter(2, { prefix: 'p/' }, 1000);
    expect(prefixed.kind === 'changes' && prefixed.changes.map((c) => c.revision)).toEqual([3, 4, 5]);
    const oneKey = engine.changesAfter(0, { key: 'q' }, 1000);
    expect(oneKey.kind === 'changes' && oneKey.changes.map((c) => c.type)).toEqual(['set', 'unset']);
    // A clear of an empty store changes nothing.
    expect((await engine.clear()).revision).toBe(5);
    expect(engine.changesAfter(6, { prefix: '' }, 10).kind).toBe('future');
  });

  it('a revision written but not yet synced is not "the future" for a watcher', async () => {
    engine = make();
    const writing = engine.set('a', '1');
    // A reader can see a commit before its sync finishes; asking for changes after it must wait, not fail.
    expect(engine.changesAfter(1, { prefix: '' }, 10)).toEqual({ kind: 'changes', changes: [], revision: 1 });
    expect(engine.changesAfter(2, { prefix: '' }, 10).kind).toBe('future');
    await writing;
    expect(engine.list({ limit: 10 }).revision).toBe(1);
  });

  it('answers at most the limit, cut at a revision boundary', async () => {
    engine = make();
    for (let i = 0; i < 10; i++) await engine.set(`k${i}`, 'v');
    const first = engine.changesAfter(0, { prefix: '' }, 3);
    expect(first).toMatchObject({ kind: 'changes', revision: 3 });
    const rest = engine.changesAfter(3, { prefix: '' }, 100);
    expect(rest.kind === 'changes' && rest.changes.length).toBe(7);
  });

  it('expires keys: reads never see them, the log records an expire', async () => {
    const clock = new TestClock();
    engine = make({ clock: clock.now });
    await engine.set('lease', 'me', { ttlMs: 400 });
    expect(engine.get('lease')?.value).toBe('me');
    await engine.set('keep', 'forever');
    await engine.set('renewed', 'x', { ttlMs: 400 });
    await engine.set('renewed', 'y');
    const expired = changeSeen(engine, (c) => c.type === 'expire' && c.key === 'lease');
    clock.advance(450);
    expect(engine.get('lease')).toBeUndefined();
    expect(engine.keys()).toEqual(['keep', 'renewed']);
    expect(await expired).toMatchObject({ type: 'expire', key: 'lease', version: 0 });
    expect(engine.get('renewed')?.value).toBe('y');
    // A set with ifVersion=0 succeeds on an expired key: it is absent.
    await engine.set('lease2', 'a', { ttlMs: 20 });
    clock.advance(40);
    expect((await engine.set('lease2', 'b', { ifVersion: 0 })).ok).toBe(true);
  });

  it('prunes the log and reports compacted revisions', async () => {
    engine = make({ logRetention: 10, pruneIntervalMs: 20 });
    for (let i = 0; i < 40; i++) await engine.set(`k${i % 3}`, String(i));
    await waitUntil(() => engine.oldestRevision > 0);
    expect(engine.changesAfter(0, { prefix: '' }, 1000)).toMatchObject({ kind: 'compacted' });
    const recent = engine.changesAfter(engine.revision - 10, { prefix: '' }, 1000);
    expect(recent.kind === 'changes' && recent.changes.length).toBe(10);
  });
});

describe('lmdb engine on disk', () => {
  it('keeps keys, versions, revision, expiry and the log across a reopen', async () => {
    const path = tempDir();
    const clock = new TestClock();
    const first = new LmdbEngine({ path, clock: clock.now });
    await first.set('a', 'one');
    await first.set('b', 'two', { ttlMs: 150 });
    await first.set('c', 'three', { ttlMs: 60_000 });
    await first.unset('a');
    await first.close();
    clock.advance(1000);
    const second = new LmdbEngine({ path, clock: clock.now });
    // The expiry time survived: b, due while the store was closed, expires on the new engine's timer.
    const expired = changeSeen(second, (c) => c.type === 'expire' && c.key === 'b');
    try {
      expect(second.revision).toBe(4);
      expect(second.get('a')).toBeUndefined();
      expect(second.get('b')).toBeUndefined();
      expect(second.get('c')).toMatchObject({ value: 'three', version: 3 });
      expect(await expired).toMatchObject({ revision: 5 });
      expect((await second.set('d', 'four')).version).toBe(6);
      const log = second.changesAfter(0, { prefix: '' }, 100);
      expect(log.kind === 'changes' && log.changes.map((c) => c.type)).toEqual([
        'set',
        'set',
        'set',
        'unset',
        'expire',
        'set',
      ]);
    } finally {
      await second.close();
    }
  });

  it('opens a data directory whose name has a dot in it (data.v2, mktemp -d) as a directory', async () => {
    const path = join(tempDir(), 'data.v2');
    const first = new LmdbEngine({ path });
    await first.set('k', 'v');
    await first.close();
    expect(statSync(path).isDirectory()).toBe(true);
    const second = new LmdbEngine({ path });
    try {
      expect(second.get('k')).toMatchObject({ value: 'v' });
    } finally {
      await second.close();
    }
  });

  it('refuses a data directory another live engine holds, with a clear message', async () => {
    const path = tempDir();
    const first = new LmdbEngine({ path });
    try {
      expect(() => new LmdbEngine({ path })).toThrow(EngineOpenError);
      expect(() => new LmdbEngine({ path })).toThrow(/is another store using it/);
    } finally {
      await first.close();
    }
    const again = new LmdbEngine({ path });
    await again.close();
  });

  it('says what is wrong when the directory cannot be created', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    expect(() => new LmdbEngine({ path: join(file, 'store') })).toThrow(/cannot create the data directory/);
    // Node 20's recursive mkdir never returns under /proc; this must be an error, not a hang.
    expect(() => new LmdbEngine({ path: '/proc/plainwire-test/store' })).toThrow(
      /cannot create the data directory/,
    );
  });
});
