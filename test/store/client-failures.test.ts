// StoreClient against peers that are not a working store: nothing listening, a server that never answers,
// one that hangs up, one that floods. Real sockets; the client must turn each into a typed error, never hang.
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { NotAStoreError, StoreError, StoreUnavailableError } from '../../src/store/client-errors.js';
import { StoreClient } from '../../src/store/client.js';
import { freePort } from '../helpers/ports.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

function client(port: number, options: ConstructorParameters<typeof StoreClient>[1] = {}): StoreClient {
  const c = new StoreClient(`http://127.0.0.1:${port}/`, options);
  cleanups.push(() => c.close());
  return c;
}

describe('StoreClient when the store is not working', () => {
  it('reports a refused connection as StoreUnavailableError naming the store', async () => {
    const port = await freePort();
    const err = await client(port)
      .get('k')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toBe(`cannot reach http://127.0.0.1:${port}/: connection refused`);
  });

  it('gives up on a store that accepts but never answers, after timeoutMs', async () => {
    const port = await tcpServer(() => {});
    const err = await client(port, { timeoutMs: 300 })
      .set('k', 'v')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/no answer within 300 ms/);
  });

  it('reports a store that hangs up mid-request as unavailable', async () => {
    const port = await tcpServer((socket) => socket.once('data', () => socket.destroy()));
    await expect(client(port).keys()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('refuses an answer larger than maxResponseBytes instead of buffering it', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'x-plainwire-version': '1', 'x-plainwire-revision': '1' });
      res.end(Buffer.alloc(100_000, 'a'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    server.closeIdleConnections?.();
    const port = (server.address() as net.AddressInfo).port;
    const err = await client(port, { maxResponseBytes: 10_000 })
      .get('k')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('BAD_RESPONSE');
    server.closeAllConnections();
  });

  it('keeps a watch retrying with capped backoff while nothing listens, and ends it on abort', async () => {
    const port = await freePort();
    const stop = new AbortController();
    const delays: number[] = [];
    const changes: unknown[] = [];
    const iteration = (async () => {
      for await (const change of client(port).watch({
        prefix: '',
        signal: stop.signal,
        onRetry: (err, attempt, delayMs) => {
          expect(err).toBeInstanceOf(StoreUnavailableError);
          expect(attempt).toBe(delays.length + 1);
          delays.push(delayMs);
          if (delays.length === 6) stop.abort();
        },
      })) {
        changes.push(change);
      }
    })();
    await iteration;
    expect(changes).toEqual([]);
    expect(delays).toEqual([100, 200, 400, 800, 1600, 2000]);
  }, 15_000);

  it('ends a running watch iteration when the client is closed', async () => {
    const port = await tcpServer(() => {}); // a long poll that never returns
    const c = client(port);
    const iteration = (async () => {
      for await (const _ of c.watch({ key: 'k' })) throw new Error('no change was made');
    })();
    setTimeout(() => c.close(), 100);
    await expect(iteration).resolves.toBeUndefined();
  });

  it('rejects watchOnce with the abort reason when its signal aborts', async () => {
    const port = await tcpServer(() => {});
    const stop = new AbortController();
    const poll = client(port).watchOnce({ key: 'k', signal: stop.signal });
    setTimeout(() => stop.abort(), 50);
    await expect(poll).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a watch without exactly one of key and prefix', () => {
    const c = client(1);
    expect(() => c.watch({})).toThrow(/exactly one of key and prefix/);
    expect(() => c.watch({ key: 'a', prefix: 'b' })).toThrow(StoreError);
  });
});

async function httpServer(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

describe('StoreClient against a server that is not a plainwire store', () => {
  const calls: Array<[string, (c: StoreClient) => Promise<unknown>]> = [
    ['get', (c) => c.get('k')],
    ['getEntry', (c) => c.getEntry('k')],
    ['set', (c) => c.set('k', 'v')],
    ['set (POST)', (c) => c.set('k', 'x'.repeat(10_000))],
    ['set ifVersion', (c) => c.set('k', 'v', { ifVersion: 0 })],
    ['unset', (c) => c.unset('k')],
    ['keys', (c) => c.keys()],
    ['clear', (c) => c.clear()],
    ['list', (c) => c.list()],
    ['listAll', (c) => c.listAll()],
    ['revision', (c) => c.revision()],
    ['watchOnce', (c) => c.watchOnce({ key: 'k', timeoutSeconds: 1 })],
    [
      'watch',
      async (c) => {
        for await (const _ of c.watch({ prefix: '' })) return;
      },
    ],
    ['dict.get', (c) => c.dict('p/').get('k')],
  ];

  for (const [status, body] of [
    [200, 'ok'],
    [404, '<h1>Not Found</h1>'],
    [401, 'who are you'],
    [500, 'oops'],
  ] as const) {
    it(`fails every call with NotAStoreError (code NOT_A_STORE) when a server answers ${status} to everything`, async () => {
      const port = await httpServer((_req, res) => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(body);
      });
      const c = client(port);
      for (const [name, call] of calls) {
        const err = await call(c).then(
          () => new Error(`${name} succeeded`),
          (e: unknown) => e,
        );
        expect(err, name).toBeInstanceOf(NotAStoreError);
        expect(err, name).toBeInstanceOf(StoreError);
        expect((err as StoreError).code, name).toBe('NOT_A_STORE');
        expect((err as StoreError).status, name).toBe(status);
        expect((err as Error).message, name).toBe(
          `http://127.0.0.1:${port}/ is not a plainwire store (no X-Plainwire-Revision header; is the URL right?)`,
        );
      }
    });
  }

  it('does not read the body of a non-store answer to its end', async () => {
    let written = 0;
    const port = await httpServer((_req, res) => {
      res.writeHead(200);
      // An endless body: the client must give up on the headers alone, not at maxResponseBytes.
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const more = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
      };
      res.on('drain', more);
      more();
    });
    await expect(client(port).get('k')).rejects.toBeInstanceOf(NotAStoreError);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('takes a 503 without the header as "unavailable" (a proxy or a busy server), so a watch retries', async () => {
    const port = await httpServer((_req, res) => {
      res.writeHead(503, { 'retry-after': '1' });
      res.end('busy\n');
    });
    await expect(client(port).get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("talks to a server of the lab's URL API without plainwire's headers with requireStore: false", async () => {
    const data = new Map<string, string>();
    // The lab's PHP page: plain bodies, no versions, no revision header.
    const port = await httpServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const key = q.get('key') ?? '';
      const action = q.get('action');
      if (action === 'set') data.set(key, q.get('value') ?? '');
      if (action === 'unset') data.delete(key);
      if (action === 'clear') data.clear();
      res.end(
        action === 'get'
          ? (data.get(key) ?? '')
          : action === 'keys'
            ? [...data.keys()].map((k) => `${k}\n`).join('')
            : '',
      );
    });
    const lab = new StoreClient(`http://127.0.0.1:${port}/IMServer.php`, { requireStore: false });
    cleanups.push(() => lab.close());
    await lab.set('greeting', 'hello');
    expect(await lab.get('greeting')).toBe('hello');
    expect(await lab.keys()).toEqual(['greeting']);
    await lab.unset('greeting');
    expect(await lab.get('greeting')).toBeUndefined();
    await expect(client(port).get('greeting')).rejects.toBeInstanceOf(NotAStoreError);
  });
});

describe('StoreClient against servers that answer garbage', () => {
  /** A TCP server that answers each request with `answer`'s bytes, then closes the connection. */
  function answering(answer: (request: number) => string | Buffer): Promise<number> {
    let n = 0;
    return tcpServer((socket) => socket.once('data', () => socket.end(answer(n++))));
  }

  const calls: Array<[string, (c: StoreClient) => Promise<unknown>]> = [
    ['getEntry', (c) => c.getEntry('k')],
    ['set', (c) => c.set('k', 'v')],
    ['set ifVersion', (c) => c.set('k', 'v', { ifVersion: 3 })],
    ['keys', (c) => c.keys()],
    ['list', (c) => c.list()],
    ['revision', (c) => c.revision()],
    ['watchOnce', (c) => c.watchOnce({ prefix: '', timeoutSeconds: 1 })],
  ];

  /** Every call settles (no hang), and a failure is a StoreError whose message holds no control character. */
  async function expectOnlyStoreErrors(port: number): Promise<unknown[]> {
    const outcomes: unknown[] = [];
    for (const [name, call] of calls) {
      // A fresh client each time: a kept-alive connection the server closed would add resets of its own.
      const outcome = await call(client(port, { timeoutMs: 2000 })).catch((e: unknown) => e);
      if (outcome instanceof Error) {
        expect(outcome, `${name}: ${outcome.stack}`).toBeInstanceOf(StoreError);
        expect(outcome.message, name).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      }
      outcomes.push(outcome);
    }
    return outcomes;
  }

  const NOT_HTTP: Array<[string, string]> = [
    ['a line server banner (chat-server)', 'HELLO plainwire chat: type HELP for the commands\r\n'],
    ['an HTTP/0.9 page', '<html><body>hi</body></html>'],
    ['a bad status line', 'HTTP/1.1 abc OK\r\n\r\n'],
    [
      'a bad chunk size',
      'HTTP/1.1 200 OK\r\nX-Plainwire-Revision: 1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ],
    [
      'headers past the limit',
      `HTTP/1.1 200 OK\r\nX-Plainwire-Revision: 1\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`,
    ],
  ];
  for (const [what, answer] of NOT_HTTP) {
    it(`fails with NotAStoreError, not "unavailable", on ${what}`, async () => {
      const port = await answering(() => answer);
      for (const outcome of await expectOnlyStoreErrors(port)) {
        expect(outcome).toBeInstanceOf(NotAStoreError);
        expect((outcome as Error).message).toBe(
          `http://127.0.0.1:${port}/ is not a plainwire store (its answer is not HTTP; is the URL right?)`,
        );
      }
    });
  }

  it('ends a watch on a server that does not speak HTTP instead of retrying for ever', async () => {
    const port = await answering(() => 'HELLO plainwire chat\r\n');
    const retries: number[] = [];
    const watching = (async () => {
      for await (const _ of client(port).watch({ prefix: '', onRetry: (_e, n) => retries.push(n) })) return;
    })();
    await expect(watching).rejects.toBeInstanceOf(NotAStoreError);
    expect(retries).toEqual([]);
  });

  it('never answers a call with anything but a StoreError, whatever HTTP-looking bytes come back', async () => {
    const head = fc.constantFrom(
      'HTTP/1.1 200 OK\r\n',
      'HTTP/1.1 409 Conflict\r\n',
      'HTTP/1.1 410 Gone\r\n',
      'HTTP/1.1 503 Busy\r\n',
      'HTTP/1.0 404 Not Found\r\n',
      'HTTP/1.1 999 Odd\r\n',
      '',
    );
    const header = fc.constantFrom(
      'X-Plainwire-Revision: 5\r\n',
      'X-Plainwire-Revision: -1\r\n',
      'X-Plainwire-Revision: 99999999999999999999\r\n',
      'X-Plainwire-Version: 3\r\n',
      'X-Plainwire-Version: x\r\n',
      'Content-Type: application/json\r\n',
      'Content-Length: 3\r\n',
      'Transfer-Encoding: chunked\r\n',
      'Connection: close\r\n',
    );
    const body = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '{"revision":1,"items":[],"cursor":null}',
        '{"revision":1,"changes":[{"type":"set","key":"k","version":1,"revision":1}]}',
        '{"revision":-1}',
        '{"revision":1,"items":[{"key":1}]}',
        '\u001b[2J\u001b]0;pwned\u0007',
        'null',
        '[]',
      ),
    );
    const answer = fc
      .tuple(head, fc.array(header, { maxLength: 4 }), body)
      .map(([h, hs, b]) => (h === '' ? b : `${h}${hs.join('')}\r\n${b}`));
    await fc.assert(
      fc.asyncProperty(answer, async (text) => {
        const port = await answering(() => text);
        await expectOnlyStoreErrors(port);
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
