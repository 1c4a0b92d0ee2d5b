// The engine contract, one suite run unchanged against every engine: lmdb (real files in a temp dir), memory, and
// etcd (a real 3-member cluster, test/helpers/etcd.ts). Revisions are compared with the revision the store had when
// the test began, since an etcd cluster does not start at 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Change, Engine } from '../../src/store/engine.js';
import { compareKeys } from '../../src/store/expiry.js';
import { LmdbEngine } from '../../src/store/lmdb.js';
import { MemoryEngine } from '../../src/store/memory.js';
import { openEtcdEngine } from '../../src/store/etcd.js';
import { EtcdCluster, etcdInstalled } from '../helpers/etcd.js';
import { changeSeen, TestClock } from './engine-helpers.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plainwire-engine-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface EngineUnderTest {
  /** A new, empty store. */
  make(): Promise<Engine>;
  /** Moves the engine's clock (engines without one, like etcd, just let real time pass). */
  advance(ms: number): void;
  stop?(): Promise<void>;
}

type Setup = () => Promise<EngineUnderTest>;

const clockedSetup =
  (open: (clock: () => number) => Engine): Setup =>
  async () => {
    const clock = new TestClock();
    return { make: async () => open(clock.now), advance: (ms) => clock.advance(ms) };
  };

/** A real 3-member etcd cluster; each test's store lives under its own key prefix, so each starts empty. */
const etcdSetup: Setup = async () => {
  const cluster = await EtcdCluster.start(3);
  let n = 0;
  return {
    make: () => openEtcdEngine({ endpoints: cluster.endpoints, prefix: `contract-${++n}/` }),
    advance: () => {},
    stop: () => cluster.stop(),
  };
};

const engines: [string, Setup][] = [
  ['lmdb', clockedSetup((clock) => new LmdbEngine({ path: tempDir(), clock }))],
  ['memory', clockedSetup((clock) => new MemoryEngine({ clock }))],
];
if (etcdInstalled()) engines.push(['etcd', etcdSetup]);
else it.skip('etcd engine (etcd is not installed: apt-get install etcd-server)', () => {});

describe.each(engines)('%s engine', (_name, setup) => {
  let under: EngineUnderTest;
  let engine: Engine;
  let base: number;
  beforeAll(async () => {
    under = await setup();
  }, 90_000);
  afterAll(async () => {
    await under?.stop?.();
  });
  const open = async (): Promise<Engine> => {
    engine = await under.make();
    base = (await engine.revision()).revision;
    return engine;
  };
  afterEach(async () => {
    await engine?.close();
  });

  it('sets, gets and unsets with versions that are revisions', async () => {
    await open();
    expect((await engine.get('a')).entry).toBeUndefined();
    const r1 = await engine.set('a', 'one');
    expect(r1).toEqual({ ok: true, version: base + 1, revision: base + 1 });
    await engine.set('b', 'two');
    const r3 = await engine.set('a', 'three');
    expect(r3.version).toBe(base + 3);
    const read = await engine.get('a');
    expect(read.entry).toMatchObject({ key: 'a', value: 'three', version: base + 3 });
    expect(read.revision).toBe(base + 3);
    expect(read.stale).toBeFalsy();
    expect((await engine.revision()).revision).toBe(base + 3);
    expect(engine.knownRevision).toBe(base + 3);
    expect(await engine.unset('a')).toEqual({ ok: true, version: 0, revision: base + 4 });
    expect((await engine.get('a')).entry).toBeUndefined();
    // Unsetting a missing key changes nothing, not even the revision.
    expect(await engine.unset('a')).toEqual({ ok: true, version: 0, revision: base + 4 });
    expect((await engine.revision()).revision).toBe(base + 4);
  });

  it('compare-and-set: ifVersion must match; 0 means absent', async () => {
    await open();
    expect((await engine.set('k', 'v1', { ifVersion: 0 })).ok).toBe(true);
    const refused = await engine.set('k', 'v2', { ifVersion: 0 });
    expect(refused).toMatchObject({ ok: false, version: base + 1 });
    expect(await engine.set('k', 'v2', { ifVersion: base + 1 })).toMatchObject({
      ok: true,
      version: base + 2,
    });
    expect(await engine.unset('k', { ifVersion: base + 1 })).toMatchObject({ ok: false, version: base + 2 });
    expect(await engine.unset('k', { ifVersion: base + 2 })).toMatchObject({ ok: true });
    expect(await engine.unset('k', { ifVersion: base + 5 })).toMatchObject({ ok: false, version: 0 });
    expect(await engine.unset('k', { ifVersion: 0 })).toMatchObject({ ok: true });
    expect((await engine.get('k')).entry).toBeUndefined();
  });

  it('concurrent compare-and-set writers: exactly one wins each round', async () => {
    await open();
    await engine.set('n', '0');
    for (let round = 0; round < 5; round++) {
      const current = (await engine.get('n')).entry!;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          engine.set('n', `${round}-${i}`, { ifVersion: current.version }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    }
  });

  it('keys and list are in UTF-8 byte order with prefix, cursor and limit', async () => {
    await open();
    const keys = ['b', 'a/2', 'a/1', 'a b', 'é', '😀', '\uffff', 'a', 'a/10'];
    for (const k of keys) await engine.set(k, `v:${k}`);
    const sorted = [...keys].sort(compareKeys);
    expect(sorted.indexOf('\uffff')).toBeLessThan(sorted.indexOf('😀'));
    expect(await engine.keys()).toEqual(sorted);
    const page1 = await engine.list({ prefix: 'a/', limit: 2 });
    expect(page1.items.map((e) => e.key)).toEqual(['a/1', 'a/10']);
    expect(page1.next).toBe('a/10');
    expect(page1.revision).toBe(base + keys.length);
    const page2 = await engine.list({ prefix: 'a/', limit: 2, after: page1.next! });
    expect(page2.items.map((e) => e.key)).toEqual(['a/2']);
    expect(page2.next).toBeNull();
    // A cursor before the prefix starts at the prefix.
    expect((await engine.list({ prefix: 'a/', limit: 10, after: 'a' })).items).toHaveLength(3);
    const all = await engine.list({ limit: 100 });
    expect(all.items.map((e) => [e.key, e.value])).toEqual(sorted.map((k) => [k, `v:${k}`]));
    expect((await engine.list({ prefix: 'zz', limit: 10 })).items).toEqual([]);
  });

  it('counts its keys', async () => {
    await open();
    expect((await engine.count()).count).toBe(0);
    await engine.set('x', '1');
    await engine.set('y', '2');
    await engine.set('x', '3');
    expect(await engine.count()).toMatchObject({ count: 2, revision: base + 3 });
    await engine.unset('x');
    expect((await engine.count()).count).toBe(1);
  });

  it('logs every change in order; clear is one revision of unsets', async () => {
    await open();
    const seen: Change[] = [];
    engine.onChanges((c) => seen.push(...c));
    await engine.set('p/a', '1');
    await engine.set('q', '2');
    await engine.set('p/b', '3');
    await engine.unset('p/a');
    const { revision } = await engine.clear();
    expect(revision).toBe(base + 5);
    expect(await engine.keys()).toEqual([]);
    const all = await engine.changesAfter(base, { prefix: '' }, 1000);
    expect(all).toMatchObject({ kind: 'changes', revision: base + 5 });
    if (all.kind !== 'changes') return;
    expect(all.changes).toEqual(seen);
    expect(all.changes.map((c) => [c.type, c.key, c.revision - base])).toEqual([
      ['set', 'p/a', 1],
      ['set', 'q', 2],
      ['set', 'p/b', 3],
      ['unset', 'p/a', 4],
      ['unset', 'p/b', 5],
      ['unset', 'q', 5],
    ]);
    expect(all.changes[0]).toEqual({
      type: 'set',
      key: 'p/a',
      value: '1',
      version: base + 1,
      revision: base + 1,
    });
    const prefixed = await engine.changesAfter(base + 2, { prefix: 'p/' }, 1000);
    expect(prefixed.kind === 'changes' && prefixed.changes.map((c) => c.revision - base)).toEqual([3, 4, 5]);
    const oneKey = await engine.changesAfter(base, { key: 'q' }, 1000);
    expect(oneKey.kind === 'changes' && oneKey.changes.map((c) => c.type)).toEqual(['set', 'unset']);
    // A clear of an empty store changes nothing.
    expect((await engine.clear()).revision).toBe(base + 5);
    expect((await engine.changesAfter(base + 6, { prefix: '' }, 10)).kind).toBe('future');
    // Nothing new: an empty answer at the current revision.
    expect(await engine.changesAfter(base + 5, { prefix: '' }, 10)).toEqual({
      kind: 'changes',
      changes: [],
      revision: base + 5,
    });
  });

  it('answers at most the limit, cut at a revision boundary', async () => {
    await open();
    for (let i = 0; i < 10; i++) await engine.set(`k${i}`, 'v');
    const first = await engine.changesAfter(base, { prefix: '' }, 3);
    expect(first).toMatchObject({ kind: 'changes', revision: base + 3 });
    const rest = await engine.changesAfter(base + 3, { prefix: '' }, 100);
    expect(rest.kind === 'changes' && rest.changes.length).toBe(7);
  });

  it('expires keys: reads never see them, the log records an expire', async () => {
    await open();
    const expired = changeSeen(engine, (c) => c.type === 'expire' && c.key === 'lease');
    await engine.set('lease', 'me', { ttlMs: 1000 });
    expect((await engine.get('lease')).entry?.value).toBe('me');
    await engine.set('keep', 'forever');
    await engine.set('renewed', 'x', { ttlMs: 1000 });
    await engine.set('renewed', 'y');
    under.advance(1100);
    expect(await expired).toMatchObject({ type: 'expire', key: 'lease', version: 0 });
    expect((await engine.get('lease')).entry).toBeUndefined();
    expect(await engine.keys()).toEqual(['keep', 'renewed']);
    expect((await engine.get('renewed')).entry?.value).toBe('y');
    // A set with ifVersion=0 succeeds on an expired key: it is absent.
    const gone = changeSeen(engine, (c) => c.type === 'expire' && c.key === 'lease2');
    await engine.set('lease2', 'a', { ttlMs: 1000 });
    under.advance(1100);
    await gone;
    expect((await engine.set('lease2', 'b', { ifVersion: 0 })).ok).toBe(true);
  });
});
