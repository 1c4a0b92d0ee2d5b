// `?action=keys` on a real `plainwire store` process with tens of thousands of keys, read by a client that keeps
// up: other clients' gets are answered while the listing runs, not after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LmdbEngine } from '../../src/store/lmdb.js';
import { type CliServer, startCliServer } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'plainwire-keys-listing-'));
let server: CliServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const KEYS = 30_000;
const keyName = (i: number) => `user/${String(i).padStart(6, '0')}/profile`;

function get(port: number, agent: Agent, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, agent, path: `/?action=get&key=${encodeURIComponent(key)}` },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

it('answers other clients between the batches of a listing its reader keeps up with', {
  timeout: 120_000,
}, async () => {
  const engine = new LmdbEngine({ path: dir });
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < KEYS; i++) writes.push(engine.set(keyName(i), `value ${i}`));
  await Promise.all(writes);
  await engine.close();
  server = await startCliServer(['store', '--data', dir, '--port', '0']);
  const port = server.port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  await get(port, agent, keyName(0)); // the get connection is open before the listing starts

  let lines = 0;
  let listing = true;
  let answeredDuring = 0;
  let getting: Promise<void> | undefined;
  const listed = new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/?action=keys', agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        // Once the listing is under way, a get at a time until it ends.
        getting ??= (async () => {
          for (let i = 1; listing; i++) {
            await get(port, agent, keyName((i * 7919) % KEYS));
            if (listing) answeredDuring++;
          }
        })();
      });
      res.on('end', () => {
        listing = false;
        resolve();
      });
    });
    req.on('error', reject);
    req.end();
  });
  await listed;
  await getting;
  agent.destroy();
  expect(lines).toBe(KEYS);
  expect(answeredDuring).toBeGreaterThan(0);
});
