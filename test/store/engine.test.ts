// What the lmdb and memory engines do beyond the contract (engine-contract.test.ts): their own change log (pruning,
// writes not yet synced) and, for lmdb, files on disk across reopens.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EngineOpenError } from '../../src/store/engine.js';
import { LmdbEngine } from '../../src/store/lmdb.js';
import { MemoryEngine } from '../../src/store/memory.js';
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

/** Checks `check` after each turn of timers until it holds; the test's own timeout bounds the wait. */
async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

type LoggingEngine = LmdbEngine | MemoryEngine;
type Factory = (opts?: { logRetention?: number; pruneIntervalMs?: number }) => LoggingEngine;
const engines: [string, Factory][] = [
  ['lmdb', (o) => new LmdbEngine({ path: tempDir(), ...o })],
  ['memory', (o) => new MemoryEngine(o)],
];

describe.each(engines)('%s engine', (_name, make) => {
  let engine: LoggingEngine;
  afterEach(async () => {
    await engine?.close();
  });

  it('a revision written but not yet synced is not "the future" for a watcher', async () => {
    engine = make();
    const writing = engine.set('a', '1');
    // A reader can see a commit before its sync finishes; asking for changes after it must wait, not fail.
    expect(await engine.changesAfter(1, { prefix: '' }, 10)).toEqual({
      kind: 'changes',
      changes: [],
      revision: 1,
    });
    expect((await engine.changesAfter(2, { prefix: '' }, 10)).kind).toBe('future');
    await writing;
    expect((await engine.list({ limit: 10 })).revision).toBe(1);
  });

  it('prunes the log and reports compacted revisions', async () => {
    engine = make({ logRetention: 10, pruneIntervalMs: 20 });
    for (let i = 0; i < 40; i++) await engine.set(`k${i % 3}`, String(i));
    await waitUntil(() => engine.oldestRevision > 0);
    expect(await engine.changesAfter(0, { prefix: '' }, 1000)).toMatchObject({ kind: 'compacted' });
    const recent = await engine.changesAfter(engine.knownRevision - 10, { prefix: '' }, 1000);
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
      expect((await second.revision()).revision).toBe(4);
      expect((await second.get('a')).entry).toBeUndefined();
      expect((await second.get('b')).entry).toBeUndefined();
      expect((await second.get('c')).entry).toMatchObject({ value: 'three', version: 3 });
      expect(await expired).toMatchObject({ revision: 5 });
      expect((await second.set('d', 'four')).version).toBe(6);
      const log = await second.changesAfter(0, { prefix: '' }, 100);
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
      expect((await second.get('k')).entry).toMatchObject({ value: 'v' });
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
