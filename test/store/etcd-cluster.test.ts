// Two `plainwire store --etcd` processes over one real 3-member etcd cluster behave as one store: what one node
// writes the other reads, compare-and-set and watches see the other node's writes, expiry and clear reach both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliServer, runCli, spawnCli, startCliServer } from '../helpers/cli.js';
import { EtcdCluster, etcdInstalled } from '../helpers/etcd.js';
import { StoreClient } from '../../src/store/client.js';
import { freePort } from '../helpers/ports.js';
import { http, q } from './http.js';

describe.skipIf(!etcdInstalled())('store nodes over etcd', () => {
  let cluster: EtcdCluster;
  let a: CliServer;
  let b: CliServer;
  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
    const args = ['store', '--etcd', cluster.endpoints.join(','), '--etcd-prefix', 'nodes/', '--port', '0'];
    [a, b] = await Promise.all([startCliServer(args), startCliServer(args)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await cluster?.stop();
  });

  async function revision(node: CliServer): Promise<number> {
    return JSON.parse((await http(`${node.url}/?action=revision`)).text).revision;
  }

  it('a write through one node is read through the other, with the same version', async () => {
    const set = await http(`${a.url}/?${q({ action: 'set', key: 'greeting', value: 'hello from A' })}`);
    expect(set.status).toBe(200);
    const version = Number(set.headers.get('x-plainwire-version'));
    expect(version).toBeGreaterThan(0);
    const got = await http(`${b.url}/kv/greeting`);
    expect(got).toMatchObject({ status: 200, text: 'hello from A' });
    expect(Number(got.headers.get('x-plainwire-version'))).toBe(version);
    expect(Number(got.headers.get('x-plainwire-revision'))).toBeGreaterThanOrEqual(version);
    expect(got.headers.get('x-plainwire-stale')).toBeNull();
    const listed = JSON.parse((await http(`${b.url}/?action=list&prefix=greet`)).text);
    expect(listed.items).toEqual([{ key: 'greeting', value: 'hello from A', version }]);
  });

  it("compare-and-set on one node sees the other node's write (409)", async () => {
    const first = await http(`${a.url}/kv/counter?ifVersion=0`, { method: 'PUT', body: '1' });
    expect(first.status).toBe(200);
    const v1 = Number(first.headers.get('x-plainwire-version'));
    const second = await http(`${a.url}/kv/counter?ifVersion=${v1}`, { method: 'PUT', body: '2' });
    const v2 = Number(second.headers.get('x-plainwire-version'));
    // B still holds the first version: refused, and told the current one.
    const stale = await http(`${b.url}/kv/counter?ifVersion=${v1}`, { method: 'PUT', body: 'from B' });
    expect(stale.status).toBe(409);
    expect(Number(stale.headers.get('x-plainwire-version'))).toBe(v2);
    expect(stale.text).toMatch(
      /version conflict: "counter" is at version \d+, not \d+: read it again and retry/,
    );
    const absent = await http(`${b.url}/?${q({ action: 'set', key: 'counter', value: 'x', ifVersion: 0 })}`);
    expect(absent.status).toBe(409);
    expect((await http(`${b.url}/kv/counter?ifVersion=${v2}`, { method: 'PUT', body: '3' })).status).toBe(
      200,
    );
    expect((await http(`${a.url}/kv/counter`)).text).toBe('3');
  });

  it("a watcher on one node sees the other node's write", async () => {
    const after = await revision(b);
    const watching = http(`${b.url}/?${q({ action: 'watch', key: 'news', after, timeout: 60 })}`);
    const set = await http(`${a.url}/?${q({ action: 'set', key: 'news', value: 'extra' })}`);
    const version = Number(set.headers.get('x-plainwire-version'));
    const answer = JSON.parse((await watching).text);
    expect(answer.changes).toEqual([
      { type: 'set', key: 'news', value: 'extra', version, revision: version },
    ]);
    expect(answer.revision).toBeGreaterThanOrEqual(version);
  });

  it('a TTL expiry is seen on both nodes as an expire', async () => {
    const after = await revision(a);
    const watchA = http(`${a.url}/?${q({ action: 'watch', key: 'lease', after, timeout: 60 })}`);
    const watchB = http(`${b.url}/?${q({ action: 'watch', key: 'lease', after, timeout: 60 })}`);
    expect(
      (await http(`${a.url}/?${q({ action: 'set', key: 'lease', value: 'mine', ttl: 1 })}`)).status,
    ).toBe(200);
    for (const watching of [watchA, watchB]) {
      let changes = JSON.parse((await watching).text).changes as { type: string; revision: number }[];
      // The set may come alone; then watch on for the expiry.
      if (changes.length === 1 && changes[0]!.type === 'set') {
        const node = watching === watchA ? a : b;
        const next = changes[0]!.revision;
        changes = JSON.parse(
          (await http(`${node.url}/?${q({ action: 'watch', key: 'lease', after: next, timeout: 60 })}`)).text,
        ).changes;
        expect(changes.map((c) => c.type)).toEqual(['expire']);
      } else {
        expect(changes.map((c) => c.type)).toEqual(['set', 'expire']);
      }
    }
    expect((await http(`${a.url}/kv/lease`)).status).toBe(404);
    expect((await http(`${b.url}/kv/lease`)).status).toBe(404);
  });

  it("clear on one node empties the store for both, and leaves etcd keys outside the store's prefix alone", async () => {
    const etcd = new Etcd3({ hosts: cluster.endpoints });
    try {
      await etcd.put('elsewhere/config').value('keep me');
      await http(`${a.url}/?${q({ action: 'set', key: 'one', value: '1' })}`);
      await http(`${a.url}/?${q({ action: 'set', key: 'two', value: '2' })}`);
      const after = await revision(a);
      const watching = http(`${a.url}/?${q({ action: 'watch', prefix: '', after, timeout: 60 })}`);
      expect((await http(`${b.url}/?action=clear`)).status).toBe(200);
      const cleared = JSON.parse((await watching).text).changes as { type: string; revision: number }[];
      expect(cleared.length).toBeGreaterThanOrEqual(2);
      expect(new Set(cleared.map((c) => c.type))).toEqual(new Set(['unset']));
      // One revision for the whole clear.
      expect(new Set(cleared.map((c) => c.revision)).size).toBe(1);
      expect((await http(`${a.url}/?action=keys`)).text).toBe('');
      expect(JSON.parse((await http(`${b.url}/?action=list`)).text).items).toEqual([]);
      expect(await etcd.get('elsewhere/config').string()).toBe('keep me');
      // The store's keys are plain etcd keys under the prefix.
      await http(`${a.url}/?${q({ action: 'set', key: 'visible', value: 'to etcdctl' })}`);
      expect(await etcd.get('nodes/visible').string()).toBe('to etcdctl');
    } finally {
      etcd.close();
    }
  });

  it('the HTML page and the keys listing work over etcd', async () => {
    await http(`${b.url}/?${q({ action: 'set', key: 'page<key>', value: '<b>bold</b>' })}`);
    const page = await http(`${a.url}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('page&lt;key&gt;');
    expect(page.text).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect((await http(`${a.url}/?action=keys`)).text).toContain('page<key>\n');
  });

  it("a node started later answers watches from before it started (etcd's history); after etcd compacts it, 410", async () => {
    // A watcher on node a all along, so that a watches etcd through what follows (a node without watchers stops).
    const watching = new AbortController();
    const keeper = new StoreClient(a.url);
    let heard = () => {};
    const heardOn = new Promise<void>((resolve) => {
      heard = resolve;
    });
    const watchFrom = await revision(a);
    void (async () => {
      const options = { key: 'keep-watching', after: watchFrom, signal: watching.signal };
      for await (const change of keeper.watch(options)) if (change.type === 'set') heard();
    })().catch(() => {});
    await http(`${b.url}/?${q({ action: 'set', key: 'keep-watching', value: 'on' })}`);
    await heardOn;
    const from = await revision(a);
    const set = await http(`${a.url}/?${q({ action: 'set', key: 'history', value: 'old news' })}`);
    const version = Number(set.headers.get('x-plainwire-version'));
    const args = ['store', '--etcd', cluster.endpoints.join(','), '--etcd-prefix', 'nodes/', '--port', '0'];
    const late = await startCliServer(args);
    try {
      const answer = await http(
        `${late.url}/?${q({ action: 'watch', key: 'history', after: from, timeout: 0 })}`,
      );
      expect(JSON.parse(answer.text).changes).toEqual([
        { type: 'set', key: 'history', value: 'old news', version, revision: version },
      ]);
    } finally {
      await late.stop('SIGKILL');
    }
    // etcd compacts its history up to now: a node started after that cannot know what happened before.
    const etcd = new Etcd3({ hosts: cluster.endpoints });
    try {
      await etcd.kv.compact({ revision: await revision(a), physical: true });
    } finally {
      etcd.close();
    }
    const later = await startCliServer(args);
    try {
      const answer = await http(
        `${later.url}/?${q({ action: 'watch', key: 'history', after: from, timeout: 0 })}`,
      );
      expect(answer.status).toBe(410);
      expect(answer.text).toMatch(
        /^revision \d+ is older than the change log \(it starts after \d+\): list again/,
      );
      // A node that was watching all along still has the changes in its own log.
      const kept = await http(`${a.url}/?${q({ action: 'watch', key: 'history', after: from, timeout: 0 })}`);
      expect(JSON.parse(kept.text).changes).toHaveLength(1);
    } finally {
      watching.abort();
      keeper.close();
      await later.stop('SIGKILL');
    }
  });

  it('imchat runs unchanged over it: a live room with users on different store nodes', async () => {
    const config = mkdtempSync(join(tmpdir(), 'plainwire-etcd-imchat-'));
    const users = [
      ['ann', a],
      ['bob', b],
      ['cat', b],
    ] as const;
    const procs = users.map(([name, node]) =>
      spawnCli(['imchat', node.url, '--name', name, '--room', 'across'], {
        env: { PLAINWIRE_CONFIG_DIR: config },
      }),
    );
    try {
      await Promise.all(procs.map((p) => p.stdout.waitFor(/\* joined room /, 60_000)));
      for (const [i, proc] of procs.entries())
        proc.child.stdin.write(Array.from({ length: 20 }, (_, n) => `${users[i]![0]}-${n + 1}\n`).join(''));
      const message = /^\[\d\d:\d\d:\d\d\] ([a-z]+): (.*)$/;
      await Promise.all(
        procs.map((proc) => {
          let count = 0;
          return proc.stdout.waitFor((line) => message.test(line) && ++count === 60, 60_000);
        }),
      );
      for (const proc of procs) {
        const seen = proc.stdout.lines.flatMap((line) => {
          const m = message.exec(line);
          return m ? [`${m[1]}: ${m[2]}`] : [];
        });
        expect(seen).toHaveLength(60);
        for (const [name] of users)
          expect(seen.filter((m) => m.startsWith(`${name}:`))).toEqual(
            Array.from({ length: 20 }, (_, n) => `${name}: ${name}-${n + 1}`),
          );
      }
      for (const proc of procs) proc.child.stdin.end();
      expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0]);
    } finally {
      await Promise.all(procs.map((p) => p.stop('SIGKILL')));
      rmSync(config, { recursive: true, force: true });
    }
  });

  it('a store whose etcd cannot be reached says so and exits 1, without a stack trace', async () => {
    const port = await freePort();
    const result = await runCli([
      'store',
      '--etcd',
      `127.0.0.1:${port}`,
      '--port',
      '0',
      '--etcd-timeout',
      '2000',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `plainwire store: cannot reach the etcd cluster at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (is etcd running, with a majority of its members up? check --etcd, and "etcdctl --endpoints=http://127.0.0.1:${port} endpoint health")\n`,
    );
  });

  it('refuses --etcd with --data or --memory (usage error, exit 2)', async () => {
    const result = await runCli(['store', '--etcd', 'http://127.0.0.1:2379', '--memory']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^plainwire store: with --etcd the data lives in etcd, so --memory does not apply/,
    );
  });
});
