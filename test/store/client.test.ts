// StoreClient against the real store server (in this process, on an ephemeral port, in memory): every
// operation, awkward keys, POSTed values, compare-and-set conflicts, paging, watch order, the dict facade.
import { describe, expect, it } from 'vitest';
import { StoreError, VersionConflictError } from '../../src/store/client-errors.js';
import { type Change, StoreClient } from '../../src/store/client.js';
import { startStoreServer } from '../../src/store/server.js';
import { sharedMemoryStore } from './memory-store.js';

const store = sharedMemoryStore({ clearEachTest: true });

const AWKWARD = [
  'a/b',
  'x&y=z',
  '1+1=2',
  'why?',
  '#tag',
  '100%',
  '%41',
  'two  words ',
  'héllo wörld',
  '日本語',
  '😀',
  '<script>',
];

describe('StoreClient', () => {
  it('sets, gets and unsets keys and values holding / & = + ? # %, spaces and unicode', async () => {
    for (const [i, text] of AWKWARD.entries()) await store.client.set(text, `${text}|${i}`);
    for (const [i, text] of AWKWARD.entries()) expect(await store.client.get(text)).toBe(`${text}|${i}`);
    expect((await store.client.keys()).sort()).toEqual([...AWKWARD].sort());
    await store.client.unset('x&y=z');
    expect(await store.client.get('x&y=z')).toBeUndefined();
    expect(await store.client.keys()).not.toContain('x&y=z');
  });

  it('tells an empty value from a missing key, and reports versions', async () => {
    expect(await store.client.get('nothing')).toBeUndefined();
    expect(await store.client.getEntry('nothing')).toBeUndefined();
    const first = await store.client.set('empty', '');
    expect(await store.client.get('empty')).toBe('');
    expect(await store.client.getEntry('empty')).toEqual({ key: 'empty', value: '', version: first.version });
    const second = await store.client.set('empty', 'now full');
    expect(second.version).toBeGreaterThan(first.version);
    expect(second.revision).toBe(second.version);
    expect(await store.client.revision()).toBe(second.revision);
    const gone = await store.client.unset('empty');
    expect(gone.revision).toBeGreaterThan(second.revision);
  });

  it('sends long values as a POST body and gets them back byte for byte', async () => {
    const value = `${'long line with & and = and %\n'.repeat(7000)}日本語😀`;
    await store.client.set('big', value);
    expect(await store.client.get('big')).toBe(value);
  });

  it('fails a compare-and-set with a VersionConflictError carrying expected and actual versions', async () => {
    const created = await store.client.set('cas', 'one', { ifVersion: 0 });
    const conflict = await store.client.set('cas', 'again', { ifVersion: 0 }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(conflict).toMatchObject({
      code: 'VERSION_CONFLICT',
      key: 'cas',
      expected: 0,
      actual: created.version,
    });
    const updated = await store.client.set('cas', 'two', { ifVersion: created.version });
    await expect(store.client.unset('cas', { ifVersion: created.version })).rejects.toMatchObject({
      expected: created.version,
      actual: updated.version,
    });
    await store.client.unset('cas', { ifVersion: updated.version });
    await expect(store.client.set('cas', 'x', { ifVersion: updated.version })).rejects.toMatchObject({
      actual: 0,
    });
    expect(await store.client.get('cas')).toBeUndefined();
  });

  it('lists sorted entries by prefix, page by page, and listAll follows the cursors', async () => {
    for (const key of ['p/c', 'p/a', 'q/z', 'p/b', 'p/d', 'p/e'])
      await store.client.set(key, key.toUpperCase());
    const first = await store.client.list({ prefix: 'p/', limit: 2 });
    expect(first.items.map((e) => e.key)).toEqual(['p/a', 'p/b']);
    expect(first.cursor).not.toBeNull();
    const second = await store.client.list({ prefix: 'p/', limit: 2, cursor: first.cursor! });
    expect(second.items.map((e) => e.key)).toEqual(['p/c', 'p/d']);
    const all = await store.client.listAll('p/');
    expect(all.items.map((e) => [e.key, e.value])).toEqual([
      ['p/a', 'P/A'],
      ['p/b', 'P/B'],
      ['p/c', 'P/C'],
      ['p/d', 'P/D'],
      ['p/e', 'P/E'],
    ]);
    expect(all.revision).toBe(await store.client.revision());
    expect((await store.client.listAll()).items).toHaveLength(6);
  });

  it('clears the store', async () => {
    await store.client.set('a', '1');
    await store.client.set('b', '2');
    await store.client.clear();
    expect(await store.client.keys()).toEqual([]);
    expect((await store.client.listAll()).items).toEqual([]);
  });

  it('turns a 4xx into a coded StoreError with the store.server explanation', async () => {
    const err = await store.client.set('k'.repeat(2000), 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).status).toBe(413);
    expect((err as StoreError).code).toBe('TOO_LARGE');
    expect((err as Error).message.length).toBeGreaterThan(0);
  });

  it('delivers every change once, in order, to every watcher, across many short polls', async () => {
    const after = await store.client.revision();
    const stop = new AbortController();
    const collect = async (opts: { key?: string; prefix?: string }, count: number) => {
      const seen: Change[] = [];
      for await (const change of store.client.watch({
        ...opts,
        after,
        timeoutSeconds: 1,
        signal: stop.signal,
      })) {
        seen.push(change);
        if (seen.length === count) break;
      }
      return seen;
    };
    const watchers = [
      collect({ prefix: 'w/' }, 31),
      collect({ prefix: 'w/' }, 31),
      collect({ key: 'w/1' }, 2),
    ];
    for (let i = 0; i < 30; i++) {
      await store.client.set(`w/${i % 3}`, `value ${i}`);
      await store.client.set(`other/${i}`, 'not watched');
      if (i === 10) await new Promise((resolve) => setTimeout(resolve, 1200)); // let a poll time out mid-way
    }
    await store.client.unset('w/2');
    const [all, again, one] = (await Promise.all(watchers)) as [Change[], Change[], Change[]];
    stop.abort();
    expect(all.map((c) => `${c.type} ${c.key} ${c.value ?? ''}`)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `set w/${i % 3} value ${i}`),
      'unset w/2 ',
    ]);
    const revisions = all.map((c) => c.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(again).toEqual(all);
    expect(one.map((c) => c.value)).toEqual(['value 1', 'value 4']);
  });

  it('sees a clear as one unset per key, and expiry as an expire change', async () => {
    await store.client.set('c/a', '1');
    await store.client.set('c/b', '2');
    const after = await store.client.revision();
    await store.client.clear();
    const cleared = await store.client.watchOnce({ prefix: 'c/', after, timeoutSeconds: 5 });
    expect(cleared.changes.map((c) => `${c.type} ${c.key}`).sort()).toEqual(['unset c/a', 'unset c/b']);
    expect(new Set(cleared.changes.map((c) => c.revision)).size).toBe(1);

    await store.client.set('lease', 'here', { ttl: 1 });
    const leased = await store.client.revision();
    const stop = new AbortController();
    for await (const change of store.client.watch({ key: 'lease', after: leased, signal: stop.signal })) {
      expect(change).toMatchObject({ type: 'expire', key: 'lease' });
      break;
    }
    expect(await store.client.get('lease')).toBeUndefined();
  });

  it('offers a Map-like dict with async methods, scoped by a prefix', async () => {
    const room = store.client.dict('room1/');
    await room.set('alice', 'hi');
    await room.set('bob', 'hello & welcome');
    await store.client.set('room2/carol', 'elsewhere');
    expect(await room.get('bob')).toBe('hello & welcome');
    expect(await room.has('alice')).toBe(true);
    expect(await room.has('carol')).toBe(false);
    expect(await room.keys()).toEqual(['alice', 'bob']);
    expect(await room.entries()).toEqual([
      ['alice', 'hi'],
      ['bob', 'hello & welcome'],
    ]);
    const iterated: Array<[string, string]> = [];
    for await (const entry of room) iterated.push(entry);
    expect(iterated).toEqual(await room.entries());
    await room.delete('alice');
    expect(await room.size()).toBe(1);
    await room.clear();
    expect(await room.keys()).toEqual([]);
    expect(await store.client.get('room2/carol')).toBe('elsewhere');
    const whole = store.client.dict();
    expect(await whole.keys()).toEqual(['room2/carol']);
  });
});

describe('StoreClient with a token', () => {
  it('sends the token as a bearer header, and maps a refusal to UNAUTHORIZED', async () => {
    const guarded = await startStoreServer({ host: '127.0.0.1', port: 0, memory: true, token: 's3cret' });
    const base = `http://127.0.0.1:${guarded.port}/`;
    const anonymous = new StoreClient(base);
    const owner = new StoreClient(base, { token: 's3cret' });
    try {
      await expect(anonymous.set('k', 'v')).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      await owner.set('k', 'v');
      expect(await anonymous.get('k')).toBe('v');
    } finally {
      anonymous.close();
      owner.close();
      await guarded.stop();
    }
  });
});
