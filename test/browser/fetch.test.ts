import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBody, FetchError, fetchPage, sniffMetaCharset } from '../../src/browser/fetch.js';
import { startHttpServer, type TestServer } from './http-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<title>ok</title>');
    } else if (path === '/hop') {
      // Relative Location, resolved against the redirecting URL.
      const n = Number(url.searchParams.get('n'));
      res.writeHead(302, { location: n > 0 ? `hop?n=${n - 1}` : '/page' });
      res.end();
    } else if (path === '/loop-a') {
      res.writeHead(301, { location: '/loop-b' });
      res.end();
    } else if (path === '/loop-b') {
      res.writeHead(307, { location: '/loop-a' });
      res.end();
    } else if (path === '/post-303') {
      res.writeHead(303, { location: '/echo' });
      res.end();
    } else if (path === '/echo') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.method}`);
    } else if (path === '/never') {
      // Headers never come: the browser must give up at its timeout.
    } else if (path === '/slow-body') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<p>start');
    } else if (path === '/big-declared') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': '5000' });
      res.end('x'.repeat(5000));
    } else if (path === '/big-chunked') {
      res.writeHead(200, { 'content-type': 'text/html' });
      for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
      res.end();
    } else if (path === '/latin1-header') {
      res.writeHead(200, { 'content-type': 'text/html; charset=ISO-8859-1' });
      res.end(Buffer.from('<p>caf\xe9 M\xfcller</p>', 'latin1'));
    } else if (path === '/latin1-meta') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        Buffer.from(
          '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>gr\xfc\xdfe</p>',
          'latin1',
        ),
      );
    } else if (path === '/sjis') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        Buffer.concat([Buffer.from('<meta charset="shift_jis"><p>'), Buffer.from([0x93, 0xfa, 0x96, 0x7b])]),
      );
    } else if (path === '/bogus-charset') {
      res.writeHead(200, { 'content-type': 'text/html; charset=no-such-charset' });
      res.end('<p>caf\u00e9</p>');
    } else if (path === '/missing') {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<title>Not here</title>');
    } else if (path === '/to-file') {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
    } else {
      res.writeHead(500);
      res.end();
    }
  });
});

afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(FetchError);
    return err as FetchError;
  }
  throw new Error('expected a FetchError');
}

describe('fetchPage', () => {
  it('follows up to 10 redirects with relative Locations and reports the chain', async () => {
    const page = await fetchPage({ url: `${server.url}/hop?n=9` });
    expect(page.url).toBe(`${server.url}/page`);
    expect(page.redirects).toHaveLength(10);
    expect(page.text).toBe('<title>ok</title>');
  });

  it('stops after 10 redirects', async () => {
    const err = await failure(fetchPage({ url: `${server.url}/hop?n=20` }));
    expect(err.code).toBe('TOO_MANY_REDIRECTS');
    expect(err.message).toMatch(/more than 10 redirects/);
  });

  it('detects redirect loops', async () => {
    const err = await failure(fetchPage({ url: `${server.url}/loop-a` }));
    expect(err.code).toBe('REDIRECT_LOOP');
    expect(err.message).not.toContain('\n');
  });

  it('turns a POST into a GET after 303', async () => {
    const page = await fetchPage({ url: `${server.url}/post-303`, method: 'POST', body: 'a=1' });
    expect(page.text).toBe('GET');
  });

  it('refuses a redirect from the web to a local file', async () => {
    const err = await failure(fetchPage({ url: `${server.url}/to-file` }));
    expect(err.code).toBe('UNSUPPORTED_SCHEME');
  });

  it('times out when the server never answers, and when the body never ends', async () => {
    const a = await failure(fetchPage({ url: `${server.url}/never` }, { timeoutMs: 300 }));
    expect(a.code).toBe('TIMEOUT');
    expect(a.message).toMatch(/within 0.3 s/);
    const b = await failure(fetchPage({ url: `${server.url}/slow-body` }, { timeoutMs: 300 }));
    expect(b.code).toBe('TIMEOUT');
  });

  it('refuses bodies over the limit, declared or streamed', async () => {
    const a = await failure(fetchPage({ url: `${server.url}/big-declared` }, { maxBytes: 1000 }));
    expect(a.code).toBe('TOO_LARGE');
    const b = await failure(fetchPage({ url: `${server.url}/big-chunked` }, { maxBytes: 4000 }));
    expect(b.code).toBe('TOO_LARGE');
    const ok = await fetchPage({ url: `${server.url}/big-chunked` }, { maxBytes: 10_000 });
    expect(ok.byteLength).toBe(10_000);
  });

  it('decodes the charset from the header, then the meta tag', async () => {
    const a = await fetchPage({ url: `${server.url}/latin1-header` });
    expect([a.text, a.charset, a.charsetSource]).toEqual(['<p>café Müller</p>', 'windows-1252', 'header']);
    const b = await fetchPage({ url: `${server.url}/latin1-meta` });
    expect(b.text).toContain('grüße');
    expect(b.charsetSource).toBe('meta');
    const c = await fetchPage({ url: `${server.url}/sjis` });
    expect(c.text).toContain('日本');
  });

  it('falls back to UTF-8 for an unknown charset and says so', async () => {
    const page = await fetchPage({ url: `${server.url}/bogus-charset` });
    expect(page.text).toBe('<p>café</p>');
    expect(page.charsetNote).toMatch(/unknown charset "no-such-charset".*UTF-8/);
  });

  it('keeps the status and the error page of an HTTP error', async () => {
    const page = await fetchPage({ url: `${server.url}/missing` });
    expect([page.status, page.text]).toEqual([404, '<title>Not here</title>']);
  });

  it('says clearly when a connection is refused, a host does not exist, or a URL is bad', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const refused = await failure(fetchPage({ url: `http://127.0.0.1:${port}/` }));
    expect(refused.code).toBe('REFUSED');
    expect(refused.message).toMatch(/connection refused by 127.0.0.1:\d+ \(is the server running\?\)/);
    const dns = await failure(fetchPage({ url: 'http://no-such-host.invalid/' }, { timeoutMs: 5000 }));
    expect(['DNS', 'TIMEOUT']).toContain(dns.code);
    expect((await failure(fetchPage({ url: 'http://[bad' }))).code).toBe('BAD_URL');
    expect((await failure(fetchPage({ url: 'gopher://x/' }))).code).toBe('UNSUPPORTED_SCHEME');
  });

  it('reads file URLs and reports missing files', async () => {
    const err = await failure(fetchPage({ url: 'file:///no/such/file.html' }));
    expect(err.code).toBe('FILE');
    expect(err.message).toMatch(/^no such file/);
  });
});

describe('a connection that breaks before the answer', () => {
  it('retries a GET once, and never resends a POST', async () => {
    let requests = 0;
    const flaky = await startHttpServer((req, res) => {
      requests++;
      if (req.url === '/always' || requests === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('second time lucky');
    });
    try {
      const page = await fetchPage({ url: `${flaky.url}/` });
      expect([page.text, requests]).toEqual(['second time lucky', 2]);
      requests = 0;
      const post = await failure(fetchPage({ url: `${flaky.url}/`, method: 'POST', body: 'a=1' }));
      expect(post.code).toBe('NETWORK');
      expect(requests).toBe(1);
      const get = await failure(fetchPage({ url: `${flaky.url}/always` }));
      expect(get.message).toMatch(/closed before the answer ended/);
    } finally {
      await flaky.close();
    }
  });
});

describe('charset helpers', () => {
  it('sniffs meta charset only in the first 1024 bytes', () => {
    expect(sniffMetaCharset(Buffer.from('<meta charset=koi8-r>'))).toBe('koi8-r');
    expect(sniffMetaCharset(Buffer.from(`${' '.repeat(1100)}<meta charset=koi8-r>`))).toBeUndefined();
  });

  it('lets a BOM win over the header', () => {
    const decoded = decodeBody(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]), 'text/html; charset=iso-8859-1');
    expect([decoded.text, decoded.source]).toEqual(['hi', 'bom']);
  });
});

describe('file URLs for directories', () => {
  const site = new URL('../../examples/site/', import.meta.url);

  it("opens a directory's index.html, with a URL ending in / so that its links resolve inside it", async () => {
    const page = await fetchPage({ url: new URL('redirect', site).href });
    expect(page.url).toBe(new URL('redirect/', site).href);
    expect(page.text).toContain('<title>You were redirected</title>');
  });

  it('lists a directory without index.html, hidden files left out', async () => {
    const page = await fetchPage({ url: new URL('images', site).href });
    expect(page.mimeType).toBe('text/html');
    expect(page.text).toContain('<a href="wire.png">wire.png</a>');
    expect(page.text).not.toMatch(/href="\.[^.]/);
  });
});
