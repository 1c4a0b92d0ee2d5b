// A watch iteration outlives its store: the real `plainwire store` process is killed and restarted on the same
// port and data directory, and the iterator goes on to deliver later changes, each once, in order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CompactedError, type StoreUnavailableError } from '../../src/store/client-errors.js';
import { type Change, StoreClient } from '../../src/store/client.js';
import { startStoreServer } from '../../src/store/server.js';
import { type CliServer, startCliServer } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'plainwire-watch-restart-'));
const running: CliServer[] = [];
afterAll(async () => {
  for (const server of running) await server.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function startStore(port: number): Promise<CliServer> {
  const server = await startCliServer([
    'store',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data',
    dataDir,
  ]);
  running.push(server);
  return server;
}

it('keeps a watch going across a store killed with SIGKILL and restarted', async () => {
  const port = await freePort();
  let store = await startStore(port);
  const client = new StoreClient(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 });
  const stop = new AbortController();
  const seen: Change[] = [];
  const outages: StoreUnavailableError[] = [];
  let notify: () => void = () => {};
  const iteration = (async () => {
    for await (const change of client.watch({
      prefix: 'r/',
      after: await client.revision(),
      timeoutSeconds: 2,
      signal: stop.signal,
      onRetry: (err) => outages.push(err),
    })) {
      seen.push(change);
      notify();
    }
  })();
  const until = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw ${seen.length} of ${count} changes`)), 60_000);
      notify = () => {
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      };
      notify();
    });

  try {
    await client.set('r/1', 'before');
    await client.set('r/2', 'before too');
    await until(2);

    await store.stop('SIGKILL');
    // While it is down the iterator retries; give it time to fail a few times.
    await new Promise((resolve) => setTimeout(resolve, 500));
    store = await startStore(port);

    await client.set('r/3', 'after restart');
    await client.unset('r/1');
    await until(4);
  } finally {
    stop.abort();
    await iteration;
    client.close();
  }
  expect(seen.map((c) => `${c.type} ${c.key}`)).toEqual(['set r/1', 'set r/2', 'set r/3', 'unset r/1']);
  expect(outages.length).toBeGreaterThan(0);
  expect(outages[0]!.code).toBe('UNAVAILABLE');
  expect(await new StoreClient(`http://127.0.0.1:${port}/`).get('r/2')).toBe('before too');
});

it('ends a watch with CompactedError when the store comes back without its history (--memory)', async () => {
  const port = await freePort();
  let store = await startStoreServer({ host: '127.0.0.1', port, memory: true });
  const client = new StoreClient(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 });
  const seen: Change[] = [];
  try {
    const iteration = (async () => {
      for await (const change of client.watch({
        prefix: '',
        after: 0,
        timeoutSeconds: 2,
      })) {
        seen.push(change);
        if (seen.length === 3) {
          await store.stop();
          store = await startStoreServer({ host: '127.0.0.1', port, memory: true });
        }
      }
    })();
    for (const key of ['a', 'b', 'c']) await client.set(key, key);
    const err = await iteration.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompactedError);
    expect((err as Error).message).toMatch(/went back from 3 to 0/);
    expect(seen.map((c) => c.key)).toEqual(['a', 'b', 'c']);
  } finally {
    client.close();
    await store.stop();
  }
});
