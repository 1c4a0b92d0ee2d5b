// Durability of the real `plainwire store`: writers send writes, the process is killed with SIGKILL at random
// moments and restarted on the same data directory, 20 times; every write that was acknowledged must be there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { afterAll, expect, it } from 'vitest';
import { type CliServer, startCliServer } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'plainwire-durable-'));
let current: CliServer | undefined;
afterAll(async () => {
  await current?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** One keep-alive GET; resolves with status and headers, or undefined when the server is gone. */
function get(
  agent: Agent,
  port: number,
  path: string,
): Promise<{ status: number; version: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          version: Number(res.headers['x-plainwire-version'] ?? -1),
          body,
        }),
      );
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Every entry, following list cursors. */
async function listAll(agent: Agent, port: number): Promise<Map<string, { value: string; version: number }>> {
  const all = new Map<string, { value: string; version: number }>();
  let cursor: string | null = null;
  do {
    const reply = await get(
      agent,
      port,
      `/?action=list&format=json&limit=10000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    const page = JSON.parse(reply!.body) as {
      items: { key: string; value: string; version: number }[];
      cursor: string | null;
    };
    for (const item of page.items) all.set(item.key, { value: item.value, version: item.version });
    cursor = page.cursor;
  } while (cursor);
  return all;
}

it('keeps every acknowledged write through 20 SIGKILLs', { timeout: 90_000 }, async () => {
  const acknowledged = new Map<string, { value: string; version: number }>();
  let maxVersion = 0;
  let seq = 0;
  for (let round = 0; round < 20; round++) {
    current = await startCliServer(['store', '--data', dir, '--port', '0']);
    const server = current;
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    // Everything acknowledged before this restart is still there, with the version it was acknowledged with.
    const stored = await listAll(agent, server.port);
    for (const [key, want] of acknowledged) expect(stored.get(key), key).toEqual(want);
    const rev = await get(agent, server.port, '/?action=revision');
    expect(JSON.parse(rev!.body).revision).toBeGreaterThanOrEqual(maxVersion);

    let killed = false;
    const writer = async (w: number) => {
      while (!killed) {
        const key = `r${round}/w${w}/${seq++}`;
        const value = `value ${key} ${'x'.repeat(seq % 200)}`;
        const reply = await get(
          agent,
          server.port,
          `/?action=set&key=${encodeURIComponent(key)}&value=${encodeURIComponent(value)}`,
        );
        if (reply?.status === 200) {
          acknowledged.set(key, { value, version: reply.version });
          maxVersion = Math.max(maxVersion, reply.version);
        } else if (!reply) return;
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 300));
    server.child.kill('SIGKILL');
    killed = true;
    await server.exited;
    await Promise.all(writers);
    agent.destroy();
  }
  // Last check after the final kill.
  current = await startCliServer(['store', '--data', dir, '--port', '0']);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const keys = new Set((await get(agent, current.port, '/?action=keys'))!.body.split('\n'));
  for (const key of acknowledged.keys()) expect(keys.has(key), key).toBe(true);
  expect(acknowledged.size).toBeGreaterThan(100);
  agent.destroy();
});
