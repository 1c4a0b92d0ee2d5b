// Starts a real `plainwire store` process on a fresh data directory for imchat's tests, and restarts it there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { StoreClient } from '../../src/store/client.js';
import { type CliServer, startCliServer } from '../helpers/cli.js';

// Signing keys and pinned keys go to a fresh config directory for each test file, never the user's own (child
// processes inherit the variable); a file's store port may be another earlier file's, so no pins are shared.
process.env.PLAINWIRE_CONFIG_DIR = mkdtempSync(join(tmpdir(), 'plainwire-imchat-config-'));

export interface TestStore {
  server: CliServer;
  url: string;
  dataDir: string;
  /** SIGKILLs the store process (as a crash would). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestStore(): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plainwire-imchat-'));
  const launch = (port: number) => startCliServer(['store', '--port', String(port), '--data', dataDir]);
  const store: TestStore = {
    server: await launch(0),
    url: '',
    dataDir,
    async kill() {
      await store.server.stop('SIGKILL');
    },
    async restart() {
      const port = store.server.port;
      // The port was just freed by the killed process; retry briefly in case the kernel is slow to let it go.
      for (let attempt = 0; ; attempt++) {
        try {
          store.server = await launch(port);
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    async stop() {
      await store.server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  store.url = store.server.url;
  return store;
}

/** One store and a StoreClient on it for a whole test file: started before its tests, stopped after them. */
export function shareTestStore(): { store: TestStore; client: StoreClient } {
  const shared = {} as { store: TestStore; client: StoreClient };
  beforeAll(async () => {
    shared.store = await startTestStore();
    shared.client = new StoreClient(shared.store.url);
  });
  afterAll(async () => {
    shared.client?.close();
    await shared.store?.stop();
  });
  return shared;
}
