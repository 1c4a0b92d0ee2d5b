// Group commit over a real 3-member etcd: plain writes that arrive together go to etcd as one transaction and share
// its revision, yet each is acknowledged with its own version, read back, and seen exactly once by watchers on
// another node; one key's writes keep their order; a batch etcd refuses whole is split so each write gets its own
// answer; compare-and-set writes keep their own outcome among batched ones.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, WriteResult } from '../../src/store/engine.js';
import { EngineWriteError } from '../../src/store/engine.js';
import type { EtcdEngine } from '../../src/store/etcd.js';
import type { EtcdEngineOptions } from '../../src/store/etcd-options.js';
import { type CliServer, startCliServer } from '../helpers/cli.js';
import { etcdInstalled } from '../helpers/etcd.js';
import { changesBetween, etcdNodes } from './engine-helpers.js';
import { http, q } from './http.js';

describe.skipIf(!etcdInstalled())('batched writes over etcd', () => {
  const { cluster, open } = etcdNodes();
  let n = 0;

  /** Two nodes over one fresh prefix: `a` writes, `b` reads and watches. */
  async function nodes(options: Partial<EtcdEngineOptions> = {}): Promise<[EtcdEngine, EtcdEngine]> {
    const prefix = `batch-${++n}/`;
    return Promise.all([open(prefix, options), open(prefix, options)]);
  }

  it('many concurrent sets to distinct keys: all acknowledged, readable, seen once each by a watcher on another node', async () => {
    const [a, b] = await nodes();
    const before = (await b.revision()).revision;
    const pushed: Change[] = [];
    b.onChanges((changes) => pushed.push(...changes));
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    const results = await Promise.all(keys.map((key) => a.set(key, `value of ${key}`)));
    for (const r of results) expect(r).toMatchObject({ ok: true });
    const versions = results.map((r) => r.version);
    // They went as batches: fewer revisions than writes (300 writes cannot fit in one 128-op transaction).
    const revisions = new Set(versions);
    expect(revisions.size).toBeLessThan(keys.length);
    expect(revisions.size).toBeGreaterThan(1);
    const newest = Math.max(...versions);
    for (const [i, key] of keys.entries()) {
      const read = await b.get(key);
      expect(read.entry).toEqual({ key, value: `value of ${key}`, version: versions[i] });
    }
    const logged = await changesBetween(b, before, newest);
    expect(logged.map((c) => c.key).sort()).toEqual([...keys].sort());
    for (const change of logged) expect(change.version).toBe(versions[keys.indexOf(change.key)]);
    // Whole revisions, in order: a reader never sees a revision split or going back.
    for (let i = 1; i < logged.length; i++)
      expect(logged[i]!.revision).toBeGreaterThanOrEqual(logged[i - 1]!.revision);
    expect(
      pushed
        .filter((c) => keys.includes(c.key))
        .map((c) => c.key)
        .sort(),
    ).toEqual([...keys].sort());
  });

  it('concurrent sets to one key keep their order: each gets a later version, a watcher sees every value in order', async () => {
    const [a, b] = await nodes();
    const before = (await b.revision()).revision;
    const writes: Promise<WriteResult>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(a.set('same', `v${i}`));
      writes.push(a.set(`other-${i}`, 'x'));
    }
    writes.push(a.unset('same'));
    writes.push(a.set('same', 'last'));
    const results = await Promise.all(writes);
    const same = [...results.filter((_, i) => i % 2 === 0 && i < 40), results[40]!, results[41]!];
    for (let i = 1; i < same.length; i++) expect(same[i]!.revision).toBeGreaterThan(same[i - 1]!.revision);
    expect((await b.get('same')).entry).toMatchObject({ value: 'last', version: same.at(-1)!.version });
    const seen = (await changesBetween(b, before, same.at(-1)!.revision)).filter((c) => c.key === 'same');
    expect(seen.map((c) => (c.type === 'set' ? c.value : c.type))).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `v${i}`),
      'unset',
      'last',
    ]);
  });

  it('a compare-and-set among batched writes keeps its own outcome; an unset of an absent key is its own too', async () => {
    const [a, b] = await nodes();
    const first = await a.set('cas', 'one');
    const plain = Array.from({ length: 40 }, (_, i) => a.set(`p${i}`, 'x'));
    const [good, stale, unsetAbsent, unsetPresent] = await Promise.all([
      a.set('cas', 'two', { ifVersion: first.version }),
      a.set('cas', 'three', { ifVersion: 0 }),
      a.unset('never-set'),
      a.unset('p0'),
      ...plain,
    ]);
    expect(good).toMatchObject({ ok: true });
    expect(stale).toMatchObject({ ok: false, conflict: true });
    expect(unsetAbsent).toMatchObject({ ok: true, version: 0 });
    expect(unsetPresent).toMatchObject({ ok: true, version: 0 });
    expect((await b.get('cas')).entry?.value).toBe('two');
  });

  it('a set with a TTL shares a batch and still expires', async () => {
    const [a, b] = await nodes();
    const [leased] = await Promise.all([
      a.set('brief', 'here', { ttlMs: 1000 }),
      ...Array.from({ length: 20 }, (_, i) => a.set(`stay${i}`, 'x')),
    ]);
    expect(leased).toMatchObject({ ok: true });
    const expired = new Promise<Change>((resolve) =>
      b.onChanges((changes) => {
        for (const c of changes) if (c.key === 'brief' && c.type === 'expire') resolve(c);
      }),
    );
    expect((await expired).type).toBe('expire');
    expect((await b.get('stay3')).entry?.value).toBe('x');
  });

  it("a batch over etcd's request size is split: each write gets its own answer, a write too large alone gets its own error", async () => {
    // Limits far above etcd's, so the batcher builds transactions etcd must refuse.
    const [a, b] = await nodes({ writeBatch: { maxBytes: 64 * 1024 * 1024, maxOps: 1000 } });
    const big = 'b'.repeat(600 * 1024);
    const tooBig = 't'.repeat(1700 * 1024);
    const small = Array.from({ length: 200 }, (_, i) => a.set(`s${i}`, 'x'));
    const outcomes = await Promise.allSettled([
      a.set('big1', big),
      a.set('big2', big),
      a.set('big3', big),
      a.set('too-big', tooBig),
      ...small,
    ]);
    const [big1, big2, big3, tooBigOutcome, ...rest] = outcomes;
    for (const o of [big1, big2, big3, ...rest])
      expect(o).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    expect(tooBigOutcome!.status).toBe('rejected');
    const err = (tooBigOutcome as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(EngineWriteError);
    expect(err.message).toMatch(/max-request-bytes/);
    expect((await b.get('big2')).entry?.value.length).toBe(big.length);
    expect((await b.get('s199')).entry?.value).toBe('x');
    expect((await b.get('too-big')).entry).toBeUndefined();
  });

  it('a node catching up with more than 1000 revisions of history (etcd sends them in chunks) logs every one', async () => {
    // etcd hands a watcher that starts in the past at most 1000 revisions per answer, each headed with the current
    // revision: the log must not take that header for "seen up to here" and drop the chunks that follow.
    const prefix = `history-${++n}/`;
    const raw = new Etcd3({ hosts: cluster().endpoints });
    try {
      const first = await raw.put(`${prefix}start`).value('0').exec();
      const keys = Array.from({ length: 1500 }, (_, i) => `h${i}`);
      for (let i = 0; i < keys.length; i += 50)
        await Promise.all(keys.slice(i, i + 50).map((key) => raw.put(`${prefix}${key}`).value(key).exec()));
      const late = await open(prefix);
      const newest = (await late.revision()).revision;
      const logged = await changesBetween(late, Number(first.header.revision), newest);
      expect(logged.map((c) => c.key).sort()).toEqual([...keys].sort());
    } finally {
      raw.close();
    }
  });

  it('concurrent gets are answered from batched reads with their own keys', async () => {
    const [a, b] = await nodes();
    await Promise.all(Array.from({ length: 50 }, (_, i) => a.set(`r${i}`, `value ${i}`)));
    const reads = await Promise.all(Array.from({ length: 200 }, (_, i) => b.get(`r${i % 60}`)));
    for (const [i, read] of reads.entries()) {
      if (i % 60 < 50) expect(read.entry?.value).toBe(`value ${i % 60}`);
      else expect(read.entry).toBeUndefined();
      expect(read.stale).toBe(false);
    }
  });

  it("gets whose batched answer is over gRPC's message limit are read one by one", async () => {
    const [a, b] = await nodes();
    const value = 'v'.repeat(1000 * 1024);
    for (let i = 0; i < 6; i++) await a.set(`large${i}`, value);
    // Six such values in one answer are over grpc-js's 4 MiB limit on a received message.
    const reads = await Promise.all(Array.from({ length: 6 }, (_, i) => b.get(`large${i}`)));
    for (const read of reads) {
      expect(read.entry?.value.length).toBe(value.length);
      expect(read.stale).toBe(false);
    }
  });

  describe('through store nodes over HTTP', () => {
    let x: CliServer;
    let y: CliServer;
    beforeAll(async () => {
      const args = [
        'store',
        '--etcd',
        cluster().endpoints.join(','),
        '--etcd-prefix',
        'http-batch/',
        '--port',
        '0',
      ];
      [x, y] = await Promise.all([startCliServer(args), startCliServer(args)]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([x?.stop('SIGKILL'), y?.stop('SIGKILL')]);
    });

    it('a long-poller on one node sees every one of many concurrent sets on the other exactly once', async () => {
      const after = JSON.parse((await http(`${y.url}/?action=revision`)).text).revision as number;
      const keys = Array.from({ length: 120 }, (_, i) => `room/${i}`);
      const sets = await Promise.all(
        keys.map((key) => http(`${x.url}/?${q({ action: 'set', key, value: key })}`)),
      );
      for (const s of sets) expect(s.status).toBe(200);
      const newest = Math.max(...sets.map((s) => Number(s.headers.get('x-plainwire-version'))));
      const seen: string[] = [];
      let at = after;
      while (at < newest) {
        const answer = JSON.parse(
          (await http(`${y.url}/?${q({ action: 'watch', prefix: 'room/', after: at, timeout: 30 })}`)).text,
        );
        for (const c of answer.changes) seen.push(c.key);
        at = answer.revision;
      }
      expect(seen.sort()).toEqual([...keys].sort());
    });
  });
});
