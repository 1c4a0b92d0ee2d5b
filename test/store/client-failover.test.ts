// StoreClient given the URLs of several store nodes: real store processes killed with SIGKILL, and tiny real
// servers that cut a request off after reading it or answer 503. The nodes here are independent stores (the
// shared one, `store --etcd`, has its own tests); what is checked is where the client sends what, and when not.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  NotAStoreError,
  StoreError,
  StoreUnavailableError,
  VersionConflictError,
  WriteOutcomeUnknownError,
} from '../../src/store/client-errors.js';
import { failoverDelay } from '../../src/store/client-nodes.js';
import { StoreClient } from '../../src/store/client.js';
import { startStoreServer } from '../../src/store/server.js';
import { type CliServer, startCliServer } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storeProcess(): Promise<CliServer> {
  const node = await startCliServer(['store', '--port', '0', '--memory']);
  cleanups.push(() => node.stop('SIGKILL').then(() => {}));
  return node;
}

async function storeInProcess(): Promise<{ url: string; client: StoreClient }> {
  const server = await startStoreServer({ host: '127.0.0.1', port: 0, memory: true });
  const url = `http://127.0.0.1:${server.port}/`;
  const client = new StoreClient(url);
  cleanups.push(() => server.stop());
  cleanups.push(() => client.close());
  return { url, client };
}

function clientOf(urls: string | string[], options: ConstructorParameters<typeof StoreClient>[1] = {}) {
  const client = new StoreClient(urls, options);
  cleanups.push(() => client.close());
  return client;
}

/**
 * A node that reads each request to its end and then destroys the connection without answering: the request
 * reached it, and the client cannot know what it did. Returns its URL and the request lines it saw.
 */
async function cuttingNode(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      seen.push(head.slice(0, head.indexOf('\r\n')));
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, seen };
}

/** A node answering 503 as a stopping store does (before doing anything). */
async function busyNode(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(503, { 'retry-after': '1', 'x-plainwire-revision': '0' });
    res.end('the store is stopping: retry in a moment\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanups.push(() => server.closeAllConnections());
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, seen };
}

const setsIn = (seen: string[]) => seen.filter((line) => line.includes('action=set'));

describe('StoreClient with several nodes', () => {
  it('stays on the node that works, and carries on against B when A is SIGKILLed mid-sequence', async () => {
    const [a, b] = [await storeProcess(), await storeProcess()];
    const [onA, onB] = [clientOf(a.url), clientOf(b.url)];
    const client = clientOf([a.url, b.url]);
    await client.set('k1', 'one');
    expect(await onA.get('k1')).toBe('one');
    expect(await onB.get('k1')).toBeUndefined();
    expect(client.url).toBe(`${a.url}/`);

    await a.stop('SIGKILL');
    await client.set('k2', 'two');
    expect(client.url).toBe(`${b.url}/`);
    expect(await client.get('k2')).toBe('two');
    const created = await client.set('k3', 'three', { ifVersion: 0 });
    expect(await onB.getEntry('k3')).toEqual({ key: 'k3', value: 'three', version: created.version });
    expect((await client.listAll()).items.map((e) => e.key)).toEqual(['k2', 'k3']);
  });

  it('moves a watch to B, resuming after the last revision it delivered', async () => {
    const [a, b] = [await storeProcess(), await storeProcess()];
    const [onA, onB] = [clientOf(a.url), clientOf(b.url)];
    // B is further on than A, as a node of one shared store would be: the watch's `after` is valid there.
    for (const n of [1, 2, 3]) await onB.set(`other/${n}`, 'x');
    const client = clientOf([a.url, b.url]);
    const stop = new AbortController();
    const seen: Array<{ key: string; revision: number }> = [];
    const retries: string[] = [];
    let firstSeen: () => void = () => {};
    const first = new Promise<void>((resolve) => (firstSeen = resolve));
    const watching = (async () => {
      for await (const change of client.watch({
        prefix: 'w/',
        after: 0,
        signal: stop.signal,
        onRetry: (err) => retries.push(err.message),
      })) {
        seen.push({ key: change.key, revision: change.revision });
        if (seen.length === 1) firstSeen();
        if (seen.length === 2) stop.abort();
      }
    })();
    cleanups.push(() => {
      stop.abort();
      return watching.catch(() => {});
    });
    await onA.set('w/1', 'on A');
    await first;
    await a.stop('SIGKILL');
    await onB.set('w/2', 'on B');
    await watching;
    expect(seen).toEqual([
      { key: 'w/1', revision: 1 },
      { key: 'w/2', revision: 4 },
    ]);
    expect(client.url).toBe(`${b.url}/`);
    // The move happened inside one poll: the iteration never saw the store as unreachable.
    expect(retries).toEqual([]);
  });

  it('names every node tried when none answers', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const urls = [`http://127.0.0.1:${p1}/`, `http://127.0.0.1:${p2}/`];
    const err = await clientOf(urls, { failoverMs: 300 })
      .get('k')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^cannot reach any of the store's 2 nodes \\(tried for \\d+\\.\\d s\\): ${urls[0]} connection refused; ${urls[1]} connection refused$`,
      ),
    );
  });

  it('sends a write to the next node after a 503, which comes before the node does anything', async () => {
    const busy = await busyNode();
    const b = await storeInProcess();
    const client = clientOf([busy.url, b.url]);
    const written = await client.set('k', 'v', { ifVersion: 0 });
    expect(await b.client.getEntry('k')).toEqual({ key: 'k', value: 'v', version: written.version });
    expect(setsIn(busy.seen)).toHaveLength(1);
  });

  it('moves on from a node that accepts but never answers, after the request timeout', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of held) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;
    const b = await storeInProcess();
    await b.client.set('k', 'on B');
    const client = clientOf([silentUrl, b.url], { timeoutMs: 300 });
    expect(await client.get('k')).toBe('on B');
    expect(client.url).toBe(b.url);
    // A compare-and-set sent to the silent node may have landed there: it is settled, not resent blindly.
    const fresh = clientOf([silentUrl, b.url], { timeoutMs: 300 });
    const { version } = (await b.client.getEntry('k'))!;
    const written = await fresh.set('k', 'cas', { ifVersion: version });
    expect(await b.client.getEntry('k')).toEqual({ key: 'k', value: 'cas', version: written.version });
  });

  it('sends a plain set again on the next node when its connection is cut after sending', async () => {
    const cut = await cuttingNode();
    const b = await storeInProcess();
    await clientOf([cut.url, b.url]).set('k', 'v');
    expect(await b.client.get('k')).toBe('v');
    expect(setsIn(cut.seen)).toHaveLength(1);
  });
});

describe('a write whose connection is cut after it was sent', () => {
  it('is not sent again when nothing can settle it: "may or may not have been applied"', async () => {
    const cut = await cuttingNode();
    const err = await clientOf(cut.url)
      .set('k', 'v', { ifVersion: 3 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteOutcomeUnknownError);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ code: 'OUTCOME_UNKNOWN', operation: 'set', key: 'k' });
    expect((err as Error).message).toMatch(
      new RegExp(
        `^the set of "k" \\(if at version 3\\) may or may not have been applied: cannot reach ${cut.url}: connection (reset by the server|closed before an answer); read the key to see, then decide whether to write again$`,
      ),
    );
    expect(setsIn(cut.seen)).toHaveLength(1);
  });

  it('with two nodes neither of which settles it, is still sent once', async () => {
    const cut = await cuttingNode();
    const dead = `http://127.0.0.1:${await freePort()}/`;
    const client = clientOf([cut.url, dead], { failoverMs: 300 });
    for (const write of [
      () => client.set('k', 'v', { ifVersion: 0 }),
      () => client.unset('k', { ifVersion: 5 }),
      () => client.unset('k'),
      () => client.clear(),
    ]) {
      const err = await write().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WriteOutcomeUnknownError);
      expect((err as Error).message).toMatch(/may or may not have been applied/);
    }
    expect(cut.seen.filter((line) => !line.includes('action=get') && !line.includes('action=watch'))).toEqual(
      [
        expect.stringContaining('action=set'),
        expect.stringContaining('action=unset'),
        expect.stringContaining('action=unset'),
        expect.stringContaining('action=clear'),
      ],
    );
  });

  it("is sent again on the next node when the key's changes show it did not land", async () => {
    const cut = await cuttingNode();
    const b = await storeInProcess();
    const { version } = await b.client.set('k', 'old');
    const written = await clientOf([cut.url, b.url]).set('k', 'new', { ifVersion: version });
    expect(await b.client.getEntry('k')).toEqual({ key: 'k', value: 'new', version: written.version });
    expect(written.version).toBeGreaterThan(version);
    expect(setsIn(cut.seen)).toHaveLength(1);
  });

  it("counts as applied when the key's first change after the expected version is this very write", async () => {
    const cut = await cuttingNode();
    const b = await storeInProcess();
    const before = await b.client.set('k', 'old');
    // What the cut-off copy would have done on a shared store: the same set, landed.
    const landed = await b.client.set('k', 'mine', { ifVersion: before.version });
    const revision = await b.client.revision();
    const written = await clientOf([cut.url, b.url]).set('k', 'mine', { ifVersion: before.version });
    expect(written).toEqual({ version: landed.version, revision: landed.version });
    expect(await b.client.revision()).toBe(revision);
  });

  it('is a version conflict when another change came first', async () => {
    const cut = await cuttingNode();
    const b = await storeInProcess();
    const before = await b.client.set('k', 'old');
    const theirs = await b.client.set('k', 'theirs');
    const err = await clientOf([cut.url, b.url])
      .set('k', 'mine', { ifVersion: before.version })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err).toMatchObject({ expected: before.version, actual: theirs.version });
    expect(await b.client.get('k')).toBe('theirs');
  });

  it('settles a compare-and-set unset by the changes after its version, then sends it once more', async () => {
    const cut = await cuttingNode();
    const b = await storeInProcess();
    const { version } = await b.client.set('k', 'v');
    const { revision } = await clientOf([cut.url, b.url]).unset('k', { ifVersion: version });
    expect(await b.client.getEntry('k')).toBeUndefined();
    expect(revision).toBe(await b.client.revision());
    expect(cut.seen.filter((line) => line.includes('action=unset'))).toHaveLength(1);
  });

  it('settles an unset by reading back: absent is done, present is unknown', async () => {
    const cut = await cuttingNode();
    const b = await storeInProcess();
    const client = clientOf([cut.url, b.url]);
    const { revision } = await client.unset('absent');
    expect(revision).toBe(await b.client.revision());
    await b.client.set('present', 'v');
    // The client now uses B; a fresh one starts on the cutting node again.
    const err = await clientOf([cut.url, b.url])
      .unset('present')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteOutcomeUnknownError);
    expect(await b.client.get('present')).toBe('v');
  });
});

describe('several URLs, checked', () => {
  it('does not move on from a node that is not a store: the list is wrong, and the error names it', async () => {
    const web = http.createServer((_req, res) => res.end('<html>hello</html>'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => web.close(() => resolve())));
    cleanups.push(() => web.closeAllConnections());
    const webUrl = `http://127.0.0.1:${(web.address() as net.AddressInfo).port}/`;
    const b = await storeInProcess();
    const err = await clientOf([webUrl, b.url])
      .set('k', 'v')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotAStoreError);
    expect((err as Error).message).toContain(webUrl);
    expect(await b.client.get('k')).toBeUndefined();
  });

  it('names the bad one in a list', () => {
    expect(() => new StoreClient(['http://127.0.0.1:1/', 'ftp://x/'])).toThrow(
      new StoreError('BAD_URL', 'store URL 2 of 2: "ftp://x/" is not an http:// or https:// URL'),
    );
    expect(() => new StoreClient(['127.0.0.1:1', 'http://127.0.0.1:1/'])).toThrow(/listed twice/);
    expect(() => new StoreClient([])).toThrow(/no store URL given/);
  });

  it('waits between rounds, a little more each round, with jitter, capped', () => {
    expect([1, 2, 3, 10].map((round) => failoverDelay(round, () => 0))).toEqual([25, 50, 100, 500]);
    expect([1, 2, 3, 10].map((round) => failoverDelay(round, () => 1))).toEqual([50, 100, 200, 1000]);
  });
});
