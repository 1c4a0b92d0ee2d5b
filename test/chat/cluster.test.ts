// Chat nodes joined by a real redis-server (started by the test on a free loopback port): names unique
// across nodes, messages, private and group messages and presence news crossing nodes, USERS and GROUPS
// cluster-wide, one group's spelling, one sender's order kept under a burst, and nothing of a resync's reads
// kept after it.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisLink } from '../../src/chat/cluster/redis-link.js';
import { ChatServer, type ChatServerOptions } from '../../src/chat/server.js';
import { TestRedis } from '../helpers/redis.js';
import { RawClient } from './raw-client.js';

let redis: TestRedis;
let run = 0;
const servers: ChatServer[] = [];
const clients: RawClient[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** Nodes of one chat (a fresh key prefix per test, so tests do not see each other's users). */
async function cluster(count: number, options: ChatServerOptions = {}): Promise<number[]> {
  const prefix = `test${++run}:`;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = new ChatServer({
      ...options,
      cluster: new RedisLink({ url: redis.url, prefix, leaseMs: 1500, nodeId: `n${i}` }),
    });
    servers.push(server);
    ports.push((await server.start({ port: 0 })).port);
  }
  return ports;
}

/** Another live node's state, written straight into Redis: its lease, its place in the set and one user. */
async function writeOtherNode(prefix: string, name: string): Promise<void> {
  const other = new Redis(redis.url);
  await other
    .multi()
    .set(`${prefix}node:other`, '1', 'PX', 60_000)
    .sadd(`${prefix}nodes`, 'other')
    .set(`${prefix}name:${name}`, 'other')
    .hset(`${prefix}users:other`, '~seq', '1', name, JSON.stringify({ name, groups: [] }))
    .exec();
  await other.quit();
}

async function join(port: number, name?: string): Promise<RawClient> {
  const c = await RawClient.join(port, name);
  clients.push(c);
  return c;
}

describe('chat nodes over Redis', () => {
  it('keeps names unique across nodes, ignoring case, and frees them when their holder leaves', async () => {
    const [a, b] = await cluster(2);
    const ada = await join(a!, 'Ada');
    const bob = await join(b!, 'bob');
    const other = await join(b!);
    expect(await other.reply('REGISTER ada')).toBe('ERROR NAME_TAKEN ada is taken; choose another name');
    expect(await other.reply('REGISTER ADA')).toMatch(/^ERROR NAME_TAKEN /);
    // Two nodes asked at once for one name: exactly one of them gets it.
    const x = await join(a!);
    const y = await join(b!);
    x.send('REGISTER cyd');
    y.send('REGISTER Cyd');
    const answers = [await x.next(), await y.next()].sort();
    expect(answers[0]).toMatch(/^ERROR NAME_TAKEN /);
    expect(answers[1]).toMatch(/^OK REGISTERED [cC]yd$/);
    expect(await ada.reply('QUIT')).toBe('OK BYE');
    await ada.closed;
    // The name is free once Ada's node said LEFT.
    await bob.until('LEFT Ada');
    expect(await other.reply('REGISTER ada')).toBe('OK REGISTERED ada');
    // A rename gives the old name back to the whole cluster.
    expect(await other.reply('REGISTER ida')).toBe('OK RENAMED ada ida');
    const again = await join(a!);
    await bob.until('RENAMED ada ida');
    expect(await again.reply('REGISTER ada')).toBe('OK REGISTERED ada');
  });

  it('carries messages, private and group messages and presence news between nodes', async () => {
    const [a, b] = await cluster(2);
    const ada = await join(a!, 'ada');
    const bob = await join(b!, 'bob');
    expect(await ada.until(/^JOINED /)).toBe('JOINED bob');
    expect(await ada.reply('MESSAGE hello, bob')).toBe('OK SENT 1');
    expect(await bob.until(/^MESSAGE /)).toBe('MESSAGE ada hello, bob');
    expect(await bob.reply('PRIVATE ada psst')).toBe('OK SENT 1');
    expect(await ada.until(/^PRIVATE /)).toBe('PRIVATE bob psst');
    expect(await bob.reply('PRIVATE ada,nobody psst')).toMatch(/^ERROR NO_SUCH_USER .*"nobody"/);
    expect(await ada.reply('JOIN Devs')).toBe('OK JOINED Devs');
    // bob's node learns of Devs from the bus: JOIN keeps the creator's spelling across nodes.
    await expect.poll(async () => bob.reply('GROUPS'), { timeout: 30_000 }).toBe('OK GROUPS 1 Devs:1');
    expect(await bob.reply('GROUP devs hi')).toBe('ERROR NOT_MEMBER join Devs first: JOIN Devs');
    expect(await bob.reply('JOIN devs')).toBe('OK JOINED Devs');
    expect(await ada.until(/^JOINED /)).toBe('JOINED bob Devs');
    expect(await bob.reply('GROUP devs the build is green')).toBe('OK SENT 1');
    expect(await ada.until(/^GROUP /)).toBe('GROUP Devs bob the build is green');
    expect(await ada.reply('REGISTER ida')).toBe('OK RENAMED ada ida');
    expect(await bob.until(/^RENAMED /)).toBe('RENAMED ada ida');
    expect(await ada.reply('LEAVE devs')).toBe('OK LEFT Devs');
    expect(await bob.until(/^LEFT /)).toBe('LEFT ida Devs');
    ada.destroy();
    expect(await bob.until(/^LEFT /)).toBe('LEFT ida');
  });

  it('spells a group created on two nodes at once one way everywhere: the first claim wins', async () => {
    const [a, b] = await cluster(2);
    const ada = await join(a!, 'ada');
    const bob = await join(b!, 'bob');
    await ada.until('JOINED bob');
    // Several rounds, each with a new group asked for on both nodes in the same moment, spelt differently.
    for (const [i, [onA, onB]] of [
      ['Ops', 'ops'],
      ['TEAM', 'Team'],
      ['qa', 'QA'],
    ].entries()) {
      ada.send(`JOIN ${onA}`);
      bob.send(`JOIN ${onB}`);
      const [replyA, replyB] = [await ada.until(/^OK JOINED /), await bob.until(/^OK JOINED /)];
      // Both were told the one spelling, whichever node claimed it first.
      expect(replyA).toBe(replyB);
      const spelling = replyA.slice('OK JOINED '.length);
      expect([onA, onB]).toContain(spelling);
      // Every node lists it and names it in group messages that way.
      await expect.poll(async () => ada.reply('GROUPS'), { timeout: 30_000 }).toContain(` ${spelling}:2`);
      await expect.poll(async () => bob.reply('GROUPS'), { timeout: 30_000 }).toContain(` ${spelling}:2`);
      expect(await ada.reply(`GROUP ${onB} round ${i}`)).toBe('OK SENT 1');
      expect(await bob.until(/^GROUP /)).toBe(`GROUP ${spelling} ada round ${i}`);
      expect(await bob.reply(`GROUP ${onA} back ${i}`)).toBe('OK SENT 1');
      expect(await ada.until(/^GROUP /)).toBe(`GROUP ${spelling} bob back ${i}`);
    }
  });

  it('lists USERS and GROUPS across the cluster, a page at a time', async () => {
    const [a, b, c] = await cluster(3, { listLimit: 2 });
    const names = ['ann', 'Bea', 'cal', 'dee', 'Eve'];
    const users: RawClient[] = [];
    for (const [i, name] of names.entries()) users.push(await join([a, b, c][i % 3]!, name));
    const watcher = users[0]!;
    // News from different nodes may come in any order.
    const expected = new Set(names.slice(1).map((name) => `JOINED ${name}`));
    while (expected.size > 0) expected.delete(await watcher.next());
    await users[1]!.reply('JOIN zeta');
    await users[2]!.reply('JOIN alpha');
    await users[3]!.reply('JOIN alpha');
    const asker = await join(c!);
    await expect.poll(async () => asker.reply('USERS'), { timeout: 30_000 }).toBe('OK USERS 5 ann Bea +3');
    expect(await asker.reply('USERS bea')).toBe('OK USERS 5 cal dee +1');
    expect(await asker.reply('USERS dee')).toBe('OK USERS 5 Eve');
    await expect
      .poll(async () => users[4]!.reply('GROUPS'), { timeout: 30_000 })
      .toBe('OK GROUPS 2 alpha:2 zeta:1');
  });

  it("keeps nothing of another node's users hash once its resync has read it into the view", async () => {
    const prefix = `test${++run}:`;
    const marker = `m${randomBytes(6).toString('hex')}`;
    await writeOtherNode(prefix, marker);
    const server = new ChatServer({
      cluster: new RedisLink({ url: redis.url, prefix, leaseMs: 60_000, nodeId: 'n0' }),
    });
    servers.push(server);
    const { port } = await server.start({ port: 0 });
    const ada = await join(port, 'ada');
    expect(await ada.reply('USERS')).toBe(`OK USERS 2 ada ${marker}`);
    // The record's text as Redis gave it is garbage once parsed; a heap snapshot collects first.
    const file = path.join(tmpdir(), `plainwire-resync-${marker}.heapsnapshot`);
    writeHeapSnapshot(file);
    try {
      const kept = readFileSync(file, 'utf8').includes(`${marker}\\",\\"groups`);
      expect(kept, "the hash's text is still on the heap").toBe(false);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("keeps one sender's order across nodes under a burst", async () => {
    const [a, b] = await cluster(2, { flood: { burst: 1000, ratePerSecond: 1000, maxQueued: 1000 } });
    const listener = await join(b!, 'listener');
    const sender = await join(a!, 'sender');
    await listener.until('JOINED sender');
    const count = 500;
    for (let i = 0; i < count; i++) sender.send(`MESSAGE m${i}`);
    const seen: string[] = [];
    while (seen.length < count) {
      const line = await listener.next();
      if (line.startsWith('MESSAGE sender ')) seen.push(line.slice('MESSAGE sender '.length));
    }
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
  });

  it('a node that stops politely gives its names back at once, and the others hear LEFT', async () => {
    const [a, b] = await cluster(2);
    const ada = await join(a!, 'ada');
    await join(b!, 'bob');
    await ada.until('JOINED bob');
    await servers[1]!.stop();
    expect(await ada.until(/^LEFT /)).toBe('LEFT bob');
    const again = await join(a!);
    expect(await again.reply('REGISTER bob')).toBe('OK REGISTERED bob');
    expect(await ada.reply('USERS')).toBe('OK USERS 2 ada bob');
  });

  it('keeps flood control per node: a flooder is cut off, and the cluster goes on', async () => {
    const [a, b] = await cluster(2, { flood: { burst: 2, ratePerSecond: 1, maxQueued: 3 } });
    const ada = await join(a!, 'ada');
    const flooder = await join(b!, 'fred');
    await ada.until('JOINED fred');
    for (let i = 0; i < 10; i++) flooder.send(`MESSAGE spam ${i}`);
    await flooder.closed;
    expect(flooder.lines.some((l) => l.startsWith('ERROR FLOOD '))).toBe(true);
    // Its node says LEFT across the cluster, and the name is free again.
    await ada.until('LEFT fred');
    const again = await join(b!);
    expect(await again.reply('REGISTER fred')).toBe('OK REGISTERED fred');
  });
});
