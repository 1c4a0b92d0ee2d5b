// Faults of a chat cluster, with the built `plainwire chat-server --redis` processes and a real redis-server:
// a chat node killed (SIGKILL) during chat, Redis killed during a load and restarted, a node started while
// Redis is down.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, type CliServer, spawnCli, startCliServer } from '../helpers/cli.js';
import { TestRedis } from '../helpers/redis.js';
import { RawClient } from './raw-client.js';

let redis: TestRedis;
const nodes: CliServer[] = [];
const clients: RawClient[] = [];
const sessions: CliProcess[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(sessions.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(nodes.splice(0).map((n) => n.stop('SIGKILL')));
  // Empty for the next test (no persistence): the killed nodes' leases would hold their names for a while.
  await redis.kill();
  await redis.restart();
});

async function node(...extra: string[]): Promise<CliServer> {
  const server = await startCliServer([
    'chat-server',
    '--port',
    '0',
    '--redis',
    redis.url,
    '--redis-lease',
    '2',
    ...extra,
  ]);
  nodes.push(server);
  return server;
}

async function join(port: number, name?: string): Promise<RawClient> {
  const c = await RawClient.join(port, name);
  clients.push(c);
  return c;
}

describe('chat cluster faults', () => {
  it("frees a killed node's names within its lease, and the others keep chatting", async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    const ada = await join(a.port, 'ada');
    const bob = await join(b.port, 'bob');
    await join(c.port, 'cyd');
    await ada.until('JOINED cyd');
    await bob.until('JOINED cyd');
    const started = Date.now();
    await c.stop('SIGKILL');
    // The survivors hear that cyd is gone once the dead node's lease (2 s) has run out...
    expect(await ada.until(/^LEFT /)).toBe('LEFT cyd');
    expect(await bob.until(/^LEFT /)).toBe('LEFT cyd');
    const freedAfter = Date.now() - started;
    // ...well within the 10 s the cluster promises (lease 2 s + a heartbeat; slack for a busy machine).
    expect(freedAfter).toBeLessThan(10_000);
    expect(await bob.reply('REGISTER cyd')).toBe('OK RENAMED bob cyd');
    // The rename reaches ada's node through Redis on its own way: her USERS below must come after it.
    expect(await ada.until(/^RENAMED /)).toBe('RENAMED bob cyd');
    expect(await ada.reply('MESSAGE still here')).toBe('OK SENT 1');
    expect(await bob.until(/^MESSAGE /)).toBe('MESSAGE ada still here');
    expect(await ada.reply('USERS')).toBe('OK USERS 2 ada cyd');
  });

  it('survives Redis killed during a load: local chat goes on, users are told, the cluster heals', async () => {
    const roomy = ['--flood-burst', '1000', '--flood-rate', '1000', '--flood-max-queued', '1000'];
    const [a, b] = [await node(...roomy), await node(...roomy)];
    const ada = await join(a.port, 'ada');
    const amy = await join(a.port, 'amy');
    const bob = await join(b.port, 'bob');
    await ada.until('JOINED bob');
    await amy.until('JOINED bob');
    // A load across the nodes while Redis dies: bob sends without pause until told the link is down.
    let sent = 0;
    const load = setInterval(() => {
      if (!bob.isClosed) bob.send(`MESSAGE load ${sent++}`);
    }, 5);
    await ada.until(/^MESSAGE bob load /);
    await redis.kill();
    expect(await ada.until(/^NOTICE /)).toMatch(/^NOTICE cluster link down: /);
    expect(await bob.until(/^NOTICE /)).toMatch(/^NOTICE cluster link down: /);
    clearInterval(load);
    // Both nodes are alive, and the users of one node still chat with each other.
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
    expect(await amy.reply('MESSAGE just us')).toBe('OK SENT 1');
    expect(await ada.until('MESSAGE amy just us')).toBe('MESSAGE amy just us');
    expect(await ada.reply('USERS')).toBe('OK USERS 2 ada amy');
    bob.send('PING alive');
    await bob.until('OK PONG alive');
    // Someone registers on a node while it is alone; the name is claimed when the link is back.
    const cal = await join(b.port, 'cal');
    await redis.restart();
    expect(await ada.until(/^NOTICE /)).toMatch(/^NOTICE cluster link up: /);
    expect(await cal.until(/^NOTICE /)).toMatch(/^NOTICE cluster link up: /);
    await expect.poll(async () => ada.reply('USERS'), { timeout: 30_000 }).toBe('OK USERS 4 ada amy bob cal');
    await expect.poll(async () => bob.reply('USERS'), { timeout: 30_000 }).toBe('OK USERS 4 ada amy bob cal');
    expect(await bob.reply('MESSAGE back')).toBe('OK SENT 3');
    expect(await ada.until('MESSAGE bob back')).toBe('MESSAGE bob back');
    expect(await amy.until('MESSAGE bob back')).toBe('MESSAGE bob back');
    const other = await join(a.port);
    expect(await other.reply('REGISTER cal')).toMatch(/^ERROR NAME_TAKEN /);
  });

  it('starts alone with a warning while Redis is down, and joins when it answers', async () => {
    const a = await node();
    const ada = await join(a.port, 'ada');
    await redis.kill();
    await ada.until(/^NOTICE cluster link down/);
    const b = await node();
    expect(b.stderr.text()).toMatch(/cannot reach Redis: running alone/);
    const bob = await join(b.port, 'bob');
    expect(await bob.reply('USERS')).toBe('OK USERS 1 bob');
    await redis.restart();
    await bob.until(/^NOTICE cluster link up/);
    await bob.until('JOINED ada');
    expect(await bob.reply('USERS')).toBe('OK USERS 2 ada bob');
  });

  it('after an outage, a name registered on two nodes meanwhile stays with one; the other holder is told', async () => {
    const [a, b] = [await node(), await node()];
    const ada = await join(a.port, 'ada');
    const bob = await join(b.port, 'bob');
    await redis.kill();
    await ada.until(/^NOTICE cluster link down/);
    await bob.until(/^NOTICE cluster link down/);
    const zedA = await join(a.port, 'zed');
    const zedB = await join(b.port, 'zed');
    await redis.restart();
    // Whichever node claims it first keeps it; the other zed gets BYE and is disconnected.
    const byes = await Promise.race([
      zedA.closed.then(() => [zedA, zedB] as const),
      zedB.closed.then(() => [zedB, zedA] as const),
    ]);
    const [loser, winner] = byes;
    expect(loser.lines.find((l) => l.startsWith('BYE '))).toMatch(
      /^BYE name taken: zed was registered on another node while the cluster link was down/,
    );
    expect(await winner.reply('MESSAGE still mine')).toMatch(/^OK SENT /);
    await expect.poll(async () => ada.reply('USERS'), { timeout: 30_000 }).toBe('OK USERS 3 ada bob zed');
  });

  it('plainwire chat with two nodes moves to the other when its node dies, under the same name, in its groups', async () => {
    const [a, b] = [await node(), await node()];
    const bob = await join(b.port, 'bob');
    const ada = spawnCli(['chat', `127.0.0.1:${a.port},127.0.0.1:${b.port}`, '--name', 'ada']);
    sessions.push(ada);
    await ada.stdout.waitFor(`connected to 127.0.0.1:${a.port} as ada`);
    await bob.until('JOINED ada');
    ada.child.stdin.write('before\n');
    expect(await bob.until(/^MESSAGE /)).toBe('MESSAGE ada before');
    // Replies come in order: once /users is answered, so is "before" (a reply lost with the node is an error).
    ada.child.stdin.write('/join ops\n');
    await ada.stdout.waitFor('you joined ops');
    ada.child.stdin.write('/users\n');
    await ada.stdout.waitFor('2 people here: ada bob');
    await a.stop('SIGKILL');
    await ada.stdout.waitFor(`lost the connection to 127.0.0.1:${a.port}`);
    // Back under the same name once the dead node's lease (2 s) has let it go.
    await ada.stdout.waitFor(`reconnected to 127.0.0.1:${b.port} as ada; 2 here; back in ops`);
    await bob.until('JOINED ada');
    ada.child.stdin.write('after\n');
    expect(await bob.until(/^MESSAGE /)).toBe('MESSAGE ada after');
    expect(await bob.reply('USERS')).toBe('OK USERS 2 ada bob');
    expect(await bob.reply('GROUPS')).toBe('OK GROUPS 1 ops:1');
    ada.child.stdin.end();
    expect(await ada.exited, `${ada.stdout.text()}\n${ada.stderr.text()}`).toBe(0);
  });

  it('counts a Redis that stops answering (connections open, nothing said) as down, and heals after', async () => {
    const [a, b] = [await node(), await node()];
    const ada = await join(a.port, 'ada');
    const bob = await join(b.port, 'bob');
    await ada.until('JOINED bob');
    redis.pause();
    try {
      expect(await ada.until(/^NOTICE /)).toMatch(/^NOTICE cluster link down: /);
      expect(await bob.until(/^NOTICE /)).toMatch(/^NOTICE cluster link down: /);
      expect(await ada.reply('USERS')).toBe('OK USERS 1 ada');
    } finally {
      redis.resume();
    }
    // Each node reconnects on its own.
    expect(await ada.until(/^NOTICE /)).toMatch(/^NOTICE cluster link up: /);
    expect(await bob.until(/^NOTICE /)).toMatch(/^NOTICE cluster link up: /);
    await expect.poll(async () => ada.reply('USERS'), { timeout: 30_000 }).toBe('OK USERS 2 ada bob');
    await expect.poll(async () => bob.reply('USERS'), { timeout: 30_000 }).toBe('OK USERS 2 ada bob');
    expect(await bob.reply('MESSAGE across again')).toBe('OK SENT 1');
    expect(await ada.until(/^MESSAGE /)).toBe('MESSAGE bob across again');
  });
});
