// One in-memory store server and a StoreClient for a test file: started before its tests, stopped after, and
// (with clearEachTest) emptied before each, so every test starts from an empty store.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { StoreClient } from '../../src/store/client.js';
import { type StoreServer, startStoreServer } from '../../src/store/server.js';

export interface SharedStore {
  server: StoreServer;
  /** http://127.0.0.1:PORT/ */
  url: string;
  client: StoreClient;
}

export function sharedMemoryStore(options: { clearEachTest?: boolean } = {}): SharedStore {
  const store = {} as SharedStore;
  beforeAll(async () => {
    store.server = await startStoreServer({ host: '127.0.0.1', port: 0, memory: true });
    store.url = `http://127.0.0.1:${store.server.port}/`;
    store.client = new StoreClient(store.url);
  });
  afterAll(async () => {
    store.client?.close();
    await store.server?.stop();
  });
  if (options.clearEachTest) beforeEach(() => store.client.clear());
  return store;
}
