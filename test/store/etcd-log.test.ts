// A node's change log over a real 3-member etcd, watched without etcd's previous values: a deleted key's lease comes
// from what the node saw put (or, for keys put before its log starts, from a keys-only read at that revision), so an
// expiry is still an expire and an unset an unset; and every node's log holds each change once, in order, whatever
// lease lookups it waited for. A node watches only while it has watchers, and one that stopped catches up from
// etcd's history when a watcher comes; history bigger than a gRPC answer is asked for in parts.
import { describe, expect, it } from 'vitest';
import { StoreClient } from '../../src/store/client.js';
import type { Change } from '../../src/store/engine.js';
import type { EtcdEngine } from '../../src/store/etcd.js';
import { startStoreServer } from '../../src/store/server.js';
import { etcdInstalled } from '../helpers/etcd.js';
import { changeSeen, changesBetween, etcdNodes } from './engine-helpers.js';

/** Resolves when `engine`'s watch next reports `watching` (given to the node as onWatching). */
function watchState() {
  const waiting: { want: boolean; resolve: () => void }[] = [];
  return {
    onWatching(watching: boolean) {
      for (const w of waiting.splice(0)) {
        if (w.want === watching) w.resolve();
        else waiting.push(w);
      }
    },
    next(want: boolean): Promise<void> {
      return new Promise((resolve) => waiting.push({ want, resolve }));
    },
  };
}

describe.skipIf(!etcdInstalled())('the change log of a node over etcd', () => {
  const { open, cluster } = etcdNodes();
  let n = 0;

  /** Node a, and node b which stops watching as soon as it has no watchers, once it has. */
  async function nodeThatStopped(): Promise<{
    a: EtcdEngine;
    b: EtcdEngine;
    state: ReturnType<typeof watchState>;
  }> {
    const prefix = `log-${++n}/`;
    const a = await open(prefix);
    const state = watchState();
    const stopped = state.next(false);
    const b = await open(prefix, { watchIdleMs: 0, onWatching: state.onWatching });
    await stopped;
    return { a, b, state };
  }

  it('a key put with a TTL before a node started its log expires as an expire on that node', async () => {
    const prefix = `log-${++n}/`;
    const a = await open(prefix);
    await a.set('early', 'v', { ttlMs: 1000 });
    const plain = await a.set('plain', 'v');
    // Later revisions, so that a node keeping 3 revisions starts its log after both puts.
    for (let i = 0; i < 5; i++) await a.set(`filler-${i}`, 'v');
    const b = await open(prefix, { logRetention: 3 });
    expect(b.oldestRevision).toBeGreaterThanOrEqual(plain.revision);
    const expired = changeSeen(b, (c) => c.key === 'early');
    const unset = changeSeen(b, (c) => c.key === 'plain');
    await a.unset('plain');
    expect(await unset).toMatchObject({ type: 'unset', key: 'plain' });
    expect(await expired).toMatchObject({ type: 'expire', key: 'early', version: 0 });
  }, 30_000);

  it('a key set again without a TTL is unset, not expired, after its old lease runs out', async () => {
    const prefix = `log-${++n}/`;
    const a = await open(prefix);
    const b = await open(prefix);
    await a.set('k', 'with ttl', { ttlMs: 1000 });
    await a.set('k', 'without');
    // A key with the same TTL, set after: once it expired, so has the first lease.
    await a.set('clock', 'v', { ttlMs: 1000 });
    await changeSeen(b, (c) => c.key === 'clock' && c.type === 'expire');
    const unset = changeSeen(b, (c) => c.key === 'k');
    await a.unset('k');
    expect(await unset).toMatchObject({ type: 'unset', key: 'k' });
    // And a leased key unset while its lease lives is an unset too.
    await a.set('live', 'v', { ttlMs: 60_000 });
    const liveUnset = changeSeen(b, (c) => c.key === 'live' && c.type !== 'set');
    await a.unset('live');
    expect(await liveUnset).toMatchObject({ type: 'unset', key: 'live' });
  }, 30_000);

  it('every node logs each change once and in order, across deletes that wait for a lease lookup', async () => {
    const prefix = `log-${++n}/`;
    const a = await open(prefix);
    const b = await open(prefix);
    const start = (await a.revision()).revision;
    const batches: Change[][] = [];
    b.onChanges((changes) => batches.push(changes));
    const done = changeSeen(b, (c) => c.key === 'done');
    // Concurrent writes share transactions (group commit): leased keys set and unset (each unset asks etcd about
    // the lease) mixed with plain sets, so answers that must wait and answers that need not arrive together.
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await a.set(`lease-${i}`, 'v', { ttlMs: 60_000 });
        await a.set(`plain-${i}`, `v${i}`);
        await a.unset(`lease-${i}`);
        await a.set(`plain-${i}`, `w${i}`);
      }),
    );
    await a.set('done', 'v');
    const last = (await done).revision;
    const onA = await changesBetween(a, start, last);
    const onB = await changesBetween(b, start, last);
    expect(onA).toHaveLength(161);
    expect(onB).toEqual(onA);
    expect(batches.flat()).toEqual(onA);
    const revisions = onB.map((c) => c.revision);
    expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    expect(onB.filter((c) => c.type === 'unset')).toHaveLength(40);
    expect(onB.some((c) => c.type === 'expire')).toBe(false);
  }, 60_000);

  it('a node without watchers stops watching; a watcher later gets every change made meanwhile, once and in order', async () => {
    const { a, b, state } = await nodeThatStopped();
    expect(b.watching).toBe(false);
    const start = (await a.revision()).revision;
    // Meanwhile: plain sets, unsets, a key under a lease unset, and one whose lease runs out.
    await a.set('dies', 'v', { ttlMs: 1000 });
    await a.set('leased', 'v', { ttlMs: 60_000 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => a.set(`k-${i}`, `v${i}`)));
    for (let i = 0; i < 10; i++) await a.unset(`k-${i}`);
    await a.unset('leased');
    await changeSeen(a, (c) => c.key === 'dies' && c.type === 'expire');
    const last = (await a.set('done', 'v')).revision;
    expect(b.watching).toBe(false);
    const onA = await changesBetween(a, start, last);
    const onB = await changesBetween(b, start, last);
    expect(onA).toHaveLength(45);
    expect(onB).toEqual(onA);
    expect(onB.find((c) => c.key === 'dies' && c.type !== 'set')?.type).toBe('expire');
    expect(onB.find((c) => c.key === 'leased' && c.type !== 'set')?.type).toBe('unset');
    // And it stops again once nobody wants its changes.
    if (b.watching) await state.next(false);
    expect(b.watching).toBe(false);
  }, 60_000);

  it('a long-poller on a node that stopped watching is woken by the next change made through another node', async () => {
    const { a, b: engine, state } = await nodeThatStopped();
    const server = await startStoreServer({ host: '127.0.0.1', port: 0, engine });
    const client = new StoreClient(server.url);
    try {
      const from = (await a.set('before', 'v')).revision;
      const watching = state.next(true);
      const poll = client.watchOnce({ key: 'wanted', after: from, timeoutSeconds: 60 });
      await watching;
      // The poll is waiting on the hub now (the node watches again for it); the change arrives through node a.
      const set = await a.set('wanted', 'now');
      const answer = await poll;
      expect(answer.changes).toEqual([
        { type: 'set', key: 'wanted', value: 'now', version: set.revision, revision: set.revision },
      ]);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('a node catches up over history bigger than one gRPC answer, asking etcd for it in parts', async () => {
    const prefix = `log-${++n}/`;
    const a = await open(prefix);
    const start = (await a.revision()).revision;
    // 300 revisions of 20 keys of 1 KB: about 6 MB of history, over the 2 MiB the node below accepts in one answer.
    const value = 'x'.repeat(1000);
    let last = start;
    for (let r = 0; r < 300; r += 10) {
      const writes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          Promise.all(Array.from({ length: 20 }, (_, k) => a.set(`r${r + i}-${k}`, value))),
        ),
      );
      for (const batch of writes) for (const w of batch) last = Math.max(last, w.revision);
    }
    const b = await open(prefix, { maxReceiveBytes: 2 * 1024 * 1024, logRetention: 1_000_000 });
    const onB = await changesBetween(b, start, last);
    expect(onB).toHaveLength(6000);
    expect(new Set(onB.map((c) => c.key)).size).toBe(6000);
    expect(onB).toEqual(await changesBetween(a, start, last));
  }, 120_000);

  it('a watch whose etcd member dies goes on from what the node has seen: no change lost or repeated', async () => {
    const prefix = `log-${++n}/`;
    const etcd = cluster();
    const [m0, m1, m2] = etcd.endpoints as [string, string, string];
    // The writer talks to the member that stays up; the watching node only to the two that die in turn, so its
    // watch stream breaks at least once, wherever it was.
    const a = await open(prefix, { endpoints: [m2] });
    const b = await open(prefix, { endpoints: [m0, m1] });
    const batches: Change[][] = [];
    b.onChanges((changes) => batches.push(changes));
    const start = (await a.revision()).revision;
    let writing = true;
    let written = 0;
    let acked = 0;
    const writer = (async () => {
      // A write may time out while the cluster elects a new leader: it then may or may not land, and a's log,
      // which is the reference below, says which.
      while (writing)
        await a.set(`k-${written % 50}`, `v${written++}`).then(
          () => acked++,
          () => {},
        );
    })();
    const writtenPast = async (count: number) => {
      const target = written + count;
      while (written < target) await changeSeen(a, () => true);
    };
    try {
      await writtenPast(30);
      await etcd.kill(0);
      await writtenPast(30);
      await etcd.restart(0);
      await writtenPast(30);
      await etcd.kill(1);
      await writtenPast(30);
      await etcd.restart(1);
      await writtenPast(30);
    } finally {
      writing = false;
      await writer;
    }
    const done = changeSeen(b, (c) => c.key === 'done');
    const last = (await a.set('done', 'v')).revision;
    await done;
    const onA = await changesBetween(a, start, last);
    expect(onA.length).toBeGreaterThan(acked);
    expect(batches.flat().filter((c) => c.revision > start)).toEqual(onA);
  }, 120_000);
});
