// Faults under load, on real processes: an etcd member SIGKILLed (nothing acknowledged is lost, writes go on with
// two of three), a store node SIGKILLed (the other serves on, nothing acknowledged lost), and the quorum lost
// (writes get a 504 saying so, reads say they may be stale, and all is well once the members are back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliServer, startCliServer } from '../helpers/cli.js';
import { EtcdCluster, etcdInstalled } from '../helpers/etcd.js';
import { http, q } from './http.js';

interface Acked {
  value: string;
  version: number;
}

/** Writers putting unique keys through the nodes `targets()` names; every 200 is recorded as acknowledged. */
class WriteLoad {
  readonly acked = new Map<string, Acked>();
  failed = 0;
  private running = true;
  private readonly loops: Promise<void>[];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(
    private readonly targets: () => string[],
    writers: number,
    private readonly tag: string,
  ) {
    this.loops = Array.from({ length: writers }, (_, i) => this.writer(i));
  }

  /** Resolves once `more` further writes have been acknowledged. */
  more(more: number): Promise<void> {
    const count = this.acked.size + more;
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async writer(i: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const nodes = this.targets();
      const node = nodes[(i + n) % nodes.length]!;
      const key = `${this.tag}/${i}-${n}`;
      const value = `value ${i} ${n}`;
      try {
        const reply = await http(`${node}/kv/${encodeURIComponent(key)}`, { method: 'PUT', body: value });
        if (reply.status !== 200) {
          this.failed++;
          continue;
        }
        this.acked.set(key, { value, version: Number(reply.headers.get('x-plainwire-version')) });
        this.waiters = this.waiters.filter((w) => {
          if (this.acked.size < w.count) return true;
          w.resolve();
          return false;
        });
      } catch {
        // The node is gone (killed): not acknowledged, nothing to check.
        this.failed++;
      }
    }
  }
}

/** Every key under `prefix` through `node`, with value and version. */
async function listAll(node: string, prefix: string): Promise<Map<string, Acked>> {
  const all = new Map<string, Acked>();
  let cursor: string | null = null;
  do {
    const reply = await http(
      `${node}/?${q({ action: 'list', prefix, limit: 10000, ...(cursor ? { cursor } : {}) })}`,
    );
    const page = JSON.parse(reply.text) as {
      items: { key: string; value: string; version: number }[];
      cursor: string | null;
    };
    for (const item of page.items) all.set(item.key, { value: item.value, version: item.version });
    cursor = page.cursor;
  } while (cursor);
  return all;
}

function expectAllPresent(acked: Map<string, Acked>, stored: Map<string, Acked>): void {
  const missing = [...acked].filter(([key, a]) => {
    const s = stored.get(key);
    return !s || s.value !== a.value || s.version !== a.version;
  });
  expect(missing).toEqual([]);
}

/** The index of the member that leads the cluster now. */
async function leaderIndex(cluster: EtcdCluster): Promise<number> {
  for (const [i, member] of cluster.members.entries()) {
    try {
      const res = await fetch(`${member.clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}' });
      const status = (await res.json()) as { header: { member_id: string }; leader: string };
      if (status.header.member_id === status.leader) return i;
    } catch {
      // Down: not the leader.
    }
  }
  throw new Error('no etcd member says it leads');
}

describe.skipIf(!etcdInstalled())('store nodes over etcd, under faults', () => {
  let cluster: EtcdCluster;
  let a: CliServer;
  let b: CliServer;
  const startNode = () =>
    startCliServer(['store', '--etcd', cluster.endpoints.join(','), '--port', '0', '--etcd-timeout', '3000']);
  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
    [a, b] = await Promise.all([startNode(), startNode()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await cluster?.stop();
  });

  it('the etcd leader SIGKILLed during writes: nothing acknowledged is lost, writes go on with two members', async () => {
    const load = new WriteLoad(() => [a.url, b.url], 16, 'member-kill');
    try {
      await load.more(200);
      const leader = await leaderIndex(cluster);
      await cluster.kill(leader);
      const ackedAtKill = load.acked.size;
      // Writes go on with two members, once they have elected a new leader.
      await load.more(300);
      expect(load.acked.size).toBeGreaterThan(ackedAtKill);
      await load.stop();
      // Both nodes' watches carry on past the kill (the one attached to the dead member moved to another).
      for (const [writer, watcher] of [
        [a, b],
        [b, a],
      ] as const) {
        const after = JSON.parse((await http(`${watcher.url}/?action=revision`)).text).revision;
        const watching = http(
          `${watcher.url}/?${q({ action: 'watch', key: 'after-kill', after, timeout: 60 })}`,
        );
        const set = await http(
          `${writer.url}/?${q({ action: 'set', key: 'after-kill', value: writer.url })}`,
        );
        expect(set.status).toBe(200);
        expect(JSON.parse((await watching).text).changes).toEqual([
          expect.objectContaining({ type: 'set', key: 'after-kill', value: writer.url }),
        ]);
      }
      expectAllPresent(load.acked, await listAll(b.url, 'member-kill/'));
      expectAllPresent(load.acked, await listAll(a.url, 'member-kill/'));
      await cluster.restart(leader);
    } finally {
      await load.stop();
    }
  }, 180_000);

  it('a store node SIGKILLed during writes: the other node serves on, nothing acknowledged is lost', async () => {
    let nodes = [a.url, b.url];
    const load = new WriteLoad(() => nodes, 16, 'node-kill');
    try {
      await load.more(200);
      await a.stop('SIGKILL');
      nodes = [b.url];
      const ackedAtKill = load.acked.size;
      await load.more(200);
      expect(load.acked.size).toBeGreaterThan(ackedAtKill);
      await load.stop();
      expectAllPresent(load.acked, await listAll(b.url, 'node-kill/'));
      // A node started again (stateless) serves everything at once.
      a = await startNode();
      expectAllPresent(load.acked, await listAll(a.url, 'node-kill/'));
    } finally {
      await load.stop();
    }
  }, 180_000);

  it('with one member of three left: writes get a 504 saying there is no quorum and the write may yet land, reads say they may be stale', async () => {
    const set = await http(`${a.url}/?${q({ action: 'set', key: 'before', value: 'the outage' })}`);
    expect(set.status).toBe(200);
    // Both nodes' watches and connections are on the survivors; kill two members.
    await cluster.kill(0);
    await cluster.kill(1);
    const write = await http(`${a.url}/?${q({ action: 'set', key: 'during', value: 'the outage' })}`, {
      signal: AbortSignal.timeout(30_000),
    });
    // 504, not 503: the write was sent to etcd and may still be applied, so a client reads back before resending.
    expect(write.status).toBe(504);
    expect(write.text).toMatch(
      /^the set was not confirmed within 3 s \(.+\): the etcd cluster has no quorum or cannot be reached \(writes need a majority of its members up\), so the set may or may not have been applied; restart the stopped etcd members/,
    );
    expect(write.headers.get('retry-after')).toBe('2');
    const read = await http(`${b.url}/kv/before`, { signal: AbortSignal.timeout(30_000) });
    expect(read.status).toBe(200);
    expect(read.text).toBe('the outage');
    expect(read.headers.get('x-plainwire-stale')).toBe('possible');
    // The members come back: writes work again, and reads are no longer marked.
    await cluster.restart(0, { waitHealthy: false });
    await cluster.restart(1, { waitHealthy: false });
    await Promise.all([0, 1, 2].map((i) => cluster.waitHealthy(i)));
    let status = 0;
    for (let attempt = 0; attempt < 30 && status !== 200; attempt++)
      status = (await http(`${a.url}/?${q({ action: 'set', key: 'after', value: 'the outage' })}`)).status;
    expect(status).toBe(200);
    const fresh = await http(`${b.url}/kv/after`);
    expect(fresh.text).toBe('the outage');
    expect(fresh.headers.get('x-plainwire-stale')).toBeNull();
  }, 180_000);
});

describe.skipIf(!etcdInstalled())('a store over an etcd that is out of space', () => {
  let cluster: EtcdCluster;
  let node: CliServer;
  beforeAll(async () => {
    // A quota a few large values fill up: etcd then raises its NOSPACE alarm and refuses every write.
    cluster = await EtcdCluster.start(1, ['--quota-backend-bytes=4194304']);
    node = await startCliServer(['store', '--etcd', cluster.endpoints.join(','), '--port', '0']);
  }, 120_000);
  afterAll(async () => {
    await node?.stop('SIGKILL');
    await cluster?.stop();
  });

  it('refuses writes with 507 and says what to do; reads go on', async () => {
    const value = 'x'.repeat(1_000_000);
    let refused: Awaited<ReturnType<typeof http>> | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const reply = await http(`${node.url}/kv/big-${i}`, { method: 'PUT', body: value });
      if (reply.status !== 200) refused = reply;
    }
    expect(refused?.status).toBe(507);
    expect(refused?.text).toMatch(
      /^etcd is out of space \(its --quota-backend-bytes; etcdctl alarm list shows NOSPACE\); nothing of this set was stored/,
    );
    const read = await http(`${node.url}/kv/big-0`);
    expect(read.status).toBe(200);
    expect(read.text).toHaveLength(1_000_000);
  }, 120_000);
});
