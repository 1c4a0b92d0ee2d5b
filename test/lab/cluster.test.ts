// `plainwire lab --cluster`: two labs over one real etcd and one real Redis serve one store and one chat; each
// is stopped by a signal with nothing left listening. And the options' mistakes get a usage error.
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../chat/raw-client.js';
import { runCli } from '../helpers/cli.js';
import { EtcdCluster, etcdInstalled } from '../helpers/etcd.js';
import { TestRedis } from '../helpers/redis.js';
import { accepts, python, type RunningLab, startLab, URLLIB_GET, URLLIB_SET } from './helpers.js';

const SLOW = 180_000;

describe('plainwire lab --cluster: usage', () => {
  it('needs both --etcd and --redis, and they need --cluster', async () => {
    const none = await runCli(['lab', '--cluster']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('plainwire lab: --cluster needs --etcd URL,... and --redis URL');
    const half = await runCli(['lab', '--cluster', '--etcd', 'http://127.0.0.1:2379']);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--cluster needs --redis URL too');
    const stray = await runCli(['lab', '--redis', 'redis://127.0.0.1:6379']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--redis applies only with --cluster');
    const bad = await runCli([
      'lab',
      '--cluster',
      '--etcd',
      'http://127.0.0.1:2379',
      '--redis',
      'http://x:1',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('is not a Redis URL');
  });
});

describe.skipIf(!etcdInstalled())('plainwire lab --cluster: two labs, one store, one chat', () => {
  let etcd: EtcdCluster;
  let redis: TestRedis;
  const labs: RunningLab[] = [];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    [etcd, redis] = await Promise.all([EtcdCluster.start(1), TestRedis.start()]);
  }, SLOW);

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await Promise.all(labs.map((l) => l.stop('SIGKILL')));
    await Promise.all([etcd?.stop(), redis?.stop()]);
  }, SLOW);

  async function clusterLab(): Promise<RunningLab> {
    const args = ['--cluster', '--ports', 'auto', '--etcd', etcd.endpoints.join(','), '--redis', redis.url];
    const l = await startLab(args, { cwd: tmpdir() });
    labs.push(l);
    return l;
  }

  async function join(port: number, name: string): Promise<RawClient> {
    const client = await RawClient.join(port, name);
    clients.push(client);
    return client;
  }

  it(
    'a key set through one lab is read through the other, a chat message crosses from one to the other, and SIGINT stops each (130)',
    async () => {
      const [a, b] = [await clusterLab(), await clusterLab()];
      for (const l of [a, b]) {
        expect(l.rows.map((r) => r.service)).toEqual(['serve', 'store', 'chat-server', 'chat-web']);
        expect(l.stdout.text()).toContain(`data: the store's in etcd (${etcd.endpoints.join(',')})`);
        expect(l.stderr.text()).toMatch(/INFO \(store\): listening on .*etcd/);
      }
      const store = (l: RunningLab) => l.rows.find((r) => r.service === 'store')!.where;

      expect((await python(URLLIB_SET, store(a), 'shared', 'through a')).trim()).toMatch(/^200 \d+$/);
      expect(await python(URLLIB_GET, store(b), 'shared')).toBe('through a');

      const ada = await join(a.ports['chat-server']!, 'ada');
      const bob = await join(b.ports['chat-server']!, 'bob');
      // One name space: ada's name is taken on the other lab too.
      const imposter = await RawClient.connect(b.ports['chat-server']!);
      clients.push(imposter);
      expect(await imposter.next()).toMatch(/^HELLO /);
      expect(await imposter.ask('REGISTER ada')).toMatch(/^ERROR NAME_TAKEN/);
      expect(await ada.until(/^JOINED bob$/)).toBe('JOINED bob');
      expect(await ada.reply('MESSAGE hello across labs')).toMatch(/^OK SENT/);
      expect(await bob.until(/^MESSAGE /)).toBe('MESSAGE ada hello across labs');

      for (const l of [a, b]) {
        const ports = Object.values(l.ports);
        expect(await l.stop('SIGINT')).toBe(130);
        for (const port of ports) expect(await accepts(port)).toBe(false);
        expect(l.stderr.lines.at(-1)).toBe('plainwire lab: stopped');
      }
      labs.length = 0;
    },
    SLOW,
  );
});
