// A node's change log over a real 3-member etcd, watched without etcd's previous values: a deleted key's lease comes
// from what the node saw put (or, for keys put before its log starts, from a keys-only read at that revision), so an
// expiry is still an expire and an unset an unset; and every node's log holds each change once, in order, whatever
// lease lookups it waited for.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/store/engine.js';
import { etcdInstalled } from '../helpers/etcd.js';
import { changeSeen, changesBetween, etcdNodes } from './engine-helpers.js';

describe.skipIf(!etcdInstalled())('the change log of a node over etcd', () => {
  const { open } = etcdNodes();
  let n = 0;

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
});
