// No lost update: 20 clients (each with its own connections) increment one counter 50 times with
// compare-and-set retries against the real, durable store; the counter ends at exactly 1000.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { VersionConflictError } from '../../src/store/client-errors.js';
import { StoreClient } from '../../src/store/client.js';
import { startStoreServer } from '../../src/store/server.js';

const CLIENTS = 20;
const INCREMENTS = 50;

async function increment(client: StoreClient, key: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const entry = await client.getEntry(key);
    const next = Number(entry?.value ?? '0') + 1;
    try {
      await client.set(key, String(next), { ifVersion: entry?.version ?? 0 });
      return attempt;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      if (attempt > 10_000) throw new Error('no progress after 10000 attempts');
    }
  }
}

// The run ends when the work does; the generous timeout only catches a hang (durable writes on a loaded machine
// took more than the default 30 s).
it('ends at exactly 1000 when 20 clients each increment one counter 50 times', {
  timeout: 300_000,
}, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plainwire-concurrency-'));
  const server = await startStoreServer({ host: '127.0.0.1', port: 0, dataDir });
  const url = `http://127.0.0.1:${server.port}/`;
  const clients = Array.from({ length: CLIENTS }, () => new StoreClient(url));
  try {
    const attempts = await Promise.all(
      clients.map(async (client) => {
        let total = 0;
        for (let i = 0; i < INCREMENTS; i++) total += await increment(client, 'counter');
        return total;
      }),
    );
    const final = await clients[0]!.getEntry('counter');
    expect(final?.value).toBe(String(CLIENTS * INCREMENTS));
    // The contention was real: some writes lost a race and were retried instead of overwriting.
    expect(attempts.reduce((a, b) => a + b, 0)).toBeGreaterThan(CLIENTS * INCREMENTS);
  } finally {
    for (const client of clients) client.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
