// plainwire serve's server over real sockets: telnet-style HTTP/0.9 and garbage, HTTP/1.x via fetch and raw
// bytes, traversal attempts, listings, types, caching, limits and timeouts.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, startStaticServer } from '../../src/web/server.js';
import { parseRawResponse, rawExchange } from './raw-client.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

let site: StaticServer;
let tmp: StaticServer;
let tmpDir: string;
let bigFile: Buffer;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  tmpDir = await mkdtemp(join(tmpdir(), 'plainwire-serve-'));
  const root = join(tmpDir, 'root');
  await mkdir(join(root, 'zdir'), { recursive: true });
  await mkdir(join(root, 'Adir'));
  await mkdir(join(root, 'sub'));
  await mkdir(join(tmpDir, 'outside-dir'));
  await mkdir(join(tmpDir, 'root-sibling'));
  await writeFile(join(tmpDir, 'outside-secret.txt'), 'SECRET outside the root\n');
  await writeFile(join(tmpDir, 'outside-dir', 'secret.txt'), 'SECRET in a directory outside\n');
  await writeFile(join(tmpDir, 'root-sibling', 'secret.txt'), 'SECRET in a sibling that shares the prefix\n');
  await writeFile(join(root, 'hello.txt'), 'hello\n');
  await writeFile(join(root, 'apple.txt'), 'apple\n');
  await writeFile(join(root, 'Zed.txt'), 'zed\n');
  await writeFile(join(root, `<b>&"'.txt`), 'escaped name\n');
  await writeFile(join(root, 'a b.txt'), 'space\n');
  await writeFile(join(root, 'café.txt'), 'accent\n');
  await writeFile(join(root, '.hidden'), 'SECRET hidden\n');
  await writeFile(join(root, 'latin.txt'), Buffer.from('caf\xe9 \xfcber\n', 'latin1'));
  await writeFile(join(root, 'data.json'), '{"a":1}\n');
  await writeFile(join(root, 'style.css'), 'p { color: red }\n');
  await writeFile(join(root, 'noext'), 'no extension\n');
  await writeFile(join(root, 'sub', 'index.html'), '<title>sub</title><p>sub index</p>\n');
  await writeFile(join(root, 'zdir', 'inner.txt'), 'inner\n');
  // Over the small-file limit, so streamed, with a charset chosen from its first 64 KB.
  await writeFile(join(root, 'large.txt'), 'é'.repeat(60_000));
  bigFile = randomBytes(3 * 1024 * 1024 + 17);
  await writeFile(join(root, 'big.bin'), bigFile);
  await symlink(join(tmpDir, 'outside-secret.txt'), join(root, 'link-out.txt'));
  await symlink('../outside-dir', join(root, 'dir-out'));
  await symlink('../root-sibling/secret.txt', join(root, 'sibling.txt'));
  await symlink('hello.txt', join(root, 'link-in.txt'));
  await symlink('missing-target.txt', join(root, 'dangling.txt'));

  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  site = await startStaticServer({ root: SITE, port: 0, logger: pino({ level: 'info' }, sink) });
  tmp = await startStaticServer({ root, port: 0 });
});

afterAll(async () => {
  await site?.stop();
  await tmp?.stop();
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
});

const page = (name: string) => readFile(join(SITE, name));

describe('HTTP/0.9, as typed into telnet', () => {
  it('answers GET /page1.html with exactly the file bytes, no status line or headers, then closes', async () => {
    const got = await rawExchange(site.port, ['GET /page1.html\r\n']);
    expect(got.equals(await page('page1.html'))).toBe(true);
  });

  it('accepts a bare LF line end (nc), blank lines first, and a line typed in pieces', async () => {
    const expected = await page('page3.html');
    expect((await rawExchange(site.port, ['GET /page3.html\n'])).equals(expected)).toBe(true);
    expect((await rawExchange(site.port, ['\r\n\r\nGET /page3.html\r\n'])).equals(expected)).toBe(true);
    const typed = await rawExchange(site.port, ['GET /pa', 'ge3.h', 'tml', '\r\n'], { delayMs: 40 });
    expect(typed.equals(expected)).toBe(true);
  });

  it('answers a last line without a newline when the client ends its side (printf ... | nc)', async () => {
    const got = await rawExchange(site.port, ['GET /page2.html'], { endAfter: true });
    expect(got.equals(await page('page2.html'))).toBe(true);
    expect((await rawExchange(site.port, [], { endAfter: true })).length).toBe(0);
    const http10 = await rawExchange(site.port, ['GET /page2.html HTTP/1.0\r\n\r\n'], { endAfter: true });
    expect(parseRawResponse(http10).body.equals(await page('page2.html'))).toBe(true);
  });

  it('GET / gives the directory index, and a latin-1 page comes byte for byte', async () => {
    expect((await rawExchange(site.port, ['GET /\r\n'])).equals(await page('index.html'))).toBe(true);
    expect((await rawExchange(site.port, ['GET /latin1.html\r\n'])).equals(await page('latin1.html'))).toBe(
      true,
    );
  });

  it('a missing file gets the bare 404 page', async () => {
    const got = (await rawExchange(site.port, ['GET /nope.html\r\n'])).toString('utf8');
    expect(got.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(got).toContain('<title>404 Not Found</title>');
    expect(got).not.toMatch(/^HTTP\//);
  });

  it('streams a big file whole', async () => {
    const got = await rawExchange(tmp.port, ['GET /big.bin\r\n'], { timeoutMs: 15_000 });
    expect(got.length).toBe(bigFile.length);
    expect(createHash('sha256').update(got).digest('hex')).toBe(
      createHash('sha256').update(bigFile).digest('hex'),
    );
  });
});

describe('what is not HTTP', () => {
  it('HELLO gets a 400 with an HTML page, and the connection closes', async () => {
    const res = parseRawResponse(await rawExchange(site.port, ['HELLO\r\n']));
    expect(res.statusLine).toBe('HTTP/1.0 400 Bad Request');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(Number(res.headers.get('content-length'))).toBe(res.body.length);
    expect(res.body.toString()).toContain('<h1>400 Bad Request</h1>');
  });

  it('HTTP/0.9 with a method other than GET, unknown versions and methods, and binary garbage', async () => {
    const head09 = parseRawResponse(await rawExchange(site.port, ['HEAD /page1.html\r\n']));
    expect(head09.status).toBe(400);
    expect(head09.body.toString()).toContain('HEAD /page1.html HTTP/1.0');
    expect(parseRawResponse(await rawExchange(site.port, ['GET / HTTP/2.0\r\n\r\n'])).status).toBe(505);
    expect(parseRawResponse(await rawExchange(site.port, ['BREW /pot HTTP/1.1\r\n\r\n'])).status).toBe(501);
    const garbage = Buffer.concat([randomBytes(200).map((b) => (b === 0x0a ? 0x20 : b)), Buffer.from('\n')]);
    expect(parseRawResponse(await rawExchange(site.port, [garbage])).status).toBe(400);
    expect(parseRawResponse(await rawExchange(site.port, ['GET  /  HTTP/1.0\r\n\r\n'])).status).toBe(400);
  });

  it('a request line over the limit gets 414 without waiting for its end', async () => {
    const res = parseRawResponse(await rawExchange(site.port, [`GET /${'a'.repeat(9000)}`]));
    expect(res.status).toBe(414);
    const blank = parseRawResponse(await rawExchange(site.port, ['\r\n'.repeat(5000)]));
    expect(blank.status).toBe(414);
  });

  it('headers over the limit get 431', async () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`;
    expect(parseRawResponse(await rawExchange(site.port, [big])).status).toBe(431);
  });
});

describe('HTTP/1.x', () => {
  it('an HTTP/1.0 request typed line by line gets status line, headers, the file, and a close', async () => {
    const chunks = ['GET /page1.html HTTP/1.0\r\n', 'Host: localhost\r\n', 'User-Agent: telnet\r\n', '\r\n'];
    const res = parseRawResponse(await rawExchange(site.port, chunks, { delayMs: 50 }));
    expect(res.statusLine).toBe('HTTP/1.1 200 OK');
    expect(res.headers.get('connection')).toBe('close');
    expect(res.headers.get('server')).toBe('plainwire');
    expect(res.headers.get('content-length')).toBe(String((await page('page1.html')).length));
    expect(res.body.equals(await page('page1.html'))).toBe(true);
  });

  it('accepts headers ending in a bare LF, as nc sends them without -C, whole or typed in pieces', async () => {
    const expected = await page('page1.html');
    for (const chunks of [
      ['GET /page1.html HTTP/1.0\n\n'],
      ['GET /page1.html HTTP/1.0\n', 'Host: 127.0.0.1\n', 'User-Agent: nc\n', '\n'],
      ['GET /page1.html HTTP/1.1\nHost: x\nConnection: close\n\n'],
    ]) {
      const res = parseRawResponse(await rawExchange(site.port, chunks, { delayMs: 10 }));
      expect(res.status, chunks.join('')).toBe(200);
      expect(res.body.equals(expected), chunks.join('')).toBe(true);
    }
    const mixed = parseRawResponse(await rawExchange(site.port, ['GET /page1.html HTTP/1.0\r\nHost: x\n\n']));
    expect(mixed.status).toBe(400);
    expect(mixed.body.toString()).toContain('ends in CR LF');
    const cut = parseRawResponse(
      await rawExchange(site.port, ['GET /page1.html HTTP/1.0\n'], { endAfter: true }),
    );
    expect(cut.status).toBe(400);
    expect(cut.body.toString()).toContain('before the empty line');
  });

  it('a name typed in UTF-8 (café.txt) reaches the file with HTTP/1.0 as with HTTP/0.9; a space gets a hint', async () => {
    const typed = Buffer.from('GET /café.txt HTTP/1.0\r\n\r\n', 'utf8');
    const res = parseRawResponse(await rawExchange(tmp.port, [typed]));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('accent\n');
    const spaced = parseRawResponse(await rawExchange(tmp.port, ['GET /a b.txt HTTP/1.0\r\n\r\n']));
    expect(spaced.status).toBe(400);
    expect(spaced.body.toString()).toContain('GET /a%20b.txt HTTP/1.0');
  });

  it('HTTP/1.1 without a Host header gets a 400 page saying what to add', async () => {
    const res = parseRawResponse(await rawExchange(site.port, ['GET /page1.html HTTP/1.1\r\n\r\n']));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.body.toString()).toContain('need a Host header');
  });

  it('keeps an HTTP/1.1 connection alive for a second request', async () => {
    const two =
      'GET /page4.html HTTP/1.1\r\nHost: x\r\n\r\nGET /page5.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const text = (await rawExchange(site.port, [two])).toString('latin1');
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(text).toContain('<title>Page 4: Servers</title>');
    expect(text).toContain('<title>Page 5: Browsers</title>');
  });

  it('chooses MIME types and charsets by extension and content', async () => {
    const type = async (server: StaticServer, path: string) =>
      (await fetch(server.url + path)).headers.get('content-type');
    expect(await type(site, '/page1.html')).toBe('text/html; charset=utf-8');
    expect(await type(site, '/latin1.html')).toBe('text/html');
    expect(await type(site, '/entities.html')).toBe('text/html');
    expect(await type(site, '/notes.txt')).toBe('text/plain; charset=utf-8');
    expect(await type(site, '/images/wire.png')).toBe('image/png');
    expect(await type(site, '/images/wire.svg')).toBe('image/svg+xml');
    expect(await type(tmp, '/latin.txt')).toBe('text/plain');
    expect(await type(tmp, '/data.json')).toBe('application/json; charset=utf-8');
    expect(await type(tmp, '/style.css')).toBe('text/css; charset=utf-8');
    expect(await type(tmp, '/noext')).toBe('application/octet-stream');
    expect(await type(tmp, '/big.bin')).toBe('application/octet-stream');
    const large = await fetch(`${tmp.url}/large.txt`);
    expect(large.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await large.text()).toBe('é'.repeat(60_000));
  });

  it('HEAD sends the headers of GET and no body', async () => {
    const get = await fetch(`${site.url}/page2.html`);
    const head = await fetch(`${site.url}/page2.html`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    for (const name of ['content-type', 'content-length', 'last-modified'])
      expect(head.headers.get(name)).toBe(get.headers.get(name));
    expect(await head.text()).toBe('');
    const raw = await rawExchange(site.port, ['HEAD /page2.html HTTP/1.0\r\n\r\n']);
    expect(parseRawResponse(raw).body.length).toBe(0);
  });

  it('answers If-Modified-Since with 304 when the file has not changed since', async () => {
    const first = await fetch(`${site.url}/page1.html`);
    const lastModified = first.headers.get('last-modified')!;
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    const again = await fetch(`${site.url}/page1.html`, { headers: { 'If-Modified-Since': lastModified } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await fetch(`${site.url}/page1.html`, { headers: { 'If-Modified-Since': older } })).status).toBe(
      200,
    );
    const junk = await fetch(`${site.url}/page1.html`, { headers: { 'If-Modified-Since': 'yesterday' } });
    expect(junk.status).toBe(200);
  });

  it('refuses other methods with 405 and Allow: GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${site.url}/page1.html`, {
        method,
        body: method === 'POST' ? 'x=1' : undefined,
      });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(await res.text()).toContain('405 Method Not Allowed');
    }
  });

  it('404 for a missing file, as an HTML page', async () => {
    const res = await fetch(`${site.url}/missing.html`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('<h1>404 Not Found</h1>');
    expect((await fetch(`${site.url}/page1.html/`)).status).toBe(404);
  });

  it('redirects a directory without its slash (301), keeping the query, never to another host', async () => {
    const res = await fetch(`${site.url}/redirect?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/redirect/?x=1');
    const followed = await fetch(`${site.url}/redirect`);
    expect(followed.url).toBe(`${site.url}/redirect/`);
    expect(await followed.text()).toBe((await page('redirect/index.html')).toString());
    const slashes = parseRawResponse(await rawExchange(site.port, ['GET //images HTTP/1.0\r\n\r\n']));
    expect(slashes.headers.get('location')).toBe('/images/');
  });

  it('serves a big file with the right length and bytes', async () => {
    const res = await fetch(`${tmp.url}/big.bin`);
    expect(res.headers.get('content-length')).toBe(String(bigFile.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(bigFile)).toBe(true);
  });

  it('answers one byte range with 206 and Content-Range, small and streamed files alike (curl -r, resumed downloads)', async () => {
    const small = await page('page1.html');
    const first = await fetch(`${site.url}/page1.html`, { headers: { Range: 'bytes=0-10' } });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-10/${small.length}`);
    expect(first.headers.get('content-length')).toBe('11');
    expect(Buffer.from(await first.arrayBuffer()).equals(small.subarray(0, 11))).toBe(true);
    const tail = await fetch(`${site.url}/page1.html`, { headers: { Range: 'bytes=-5' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(small.subarray(-5))).toBe(true);

    const middle = 1024 * 1024 + 3;
    const big = await fetch(`${tmp.url}/big.bin`, { headers: { Range: `bytes=${middle}-` } });
    expect(big.status).toBe(206);
    expect(big.headers.get('content-range')).toBe(`bytes ${middle}-${bigFile.length - 1}/${bigFile.length}`);
    expect(Buffer.from(await big.arrayBuffer()).equals(bigFile.subarray(middle))).toBe(true);
    const whole = await fetch(`${tmp.url}/big.bin`);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    await whole.arrayBuffer();
  });

  it('a range past the end gets 416 with the size; several ranges, junk or a stale If-Range get the whole file', async () => {
    const small = await page('page1.html');
    const past = await fetch(`${site.url}/page1.html`, { headers: { Range: `bytes=${small.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${small.length}`);
    expect(await past.text()).toContain('416 Range Not Satisfiable');
    for (const range of ['bytes=0-1,5-6', 'lines=1-2', 'bytes=9-3', 'bytes=x-']) {
      const res = await fetch(`${site.url}/page1.html`, { headers: { Range: range } });
      expect(res.status, range).toBe(200);
      expect((await res.arrayBuffer()).byteLength, range).toBe(small.length);
    }
    const lastModified = (await fetch(`${site.url}/page1.html`, { method: 'HEAD' })).headers.get(
      'last-modified',
    )!;
    const fresh = await fetch(`${site.url}/page1.html`, {
      headers: { Range: 'bytes=0-0', 'If-Range': lastModified },
    });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
    const stale = await fetch(`${site.url}/page1.html`, {
      headers: { Range: 'bytes=0-0', 'If-Range': 'Mon, 01 Jan 2001 00:00:00 GMT' },
    });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
  });

  it('logs each request with method, path, status, bytes and time', async () => {
    await (await fetch(`${site.url}/page5.html?from=log-test`)).text();
    const find = () => logLines.find((l) => l.path === '/page5.html?from=log-test');
    // The line is written when the body has been handed to the socket, which can be just after the client has it.
    for (let i = 0; i < 100 && !find(); i++) await new Promise((r) => setTimeout(r, 20));
    const entry = find();
    expect(entry).toMatchObject({ method: 'GET', status: 200, bytes: (await page('page5.html')).length });
    expect(typeof entry?.ms).toBe('number');
    expect(entry?.msg).toMatch(/^GET \/page5\.html\?from=log-test 200 \d+ B [\d.]+ ms$/);
  });
});

describe('directories', () => {
  it('lists a directory without index.html: sorted, directories first, names escaped and links encoded', async () => {
    const html = await (await fetch(`${tmp.url}/`)).text();
    const names = [...html.matchAll(/<li><a href="([^"]*)">([^<]*)<\/a><\/li>/g)].map((m) => m[2]);
    expect(names).toEqual([
      'Adir/',
      'sub/',
      'zdir/',
      '&lt;b&gt;&amp;&quot;&#39;.txt',
      'a b.txt',
      'apple.txt',
      'big.bin',
      'café.txt',
      'data.json',
      'hello.txt',
      'large.txt',
      'latin.txt',
      'link-in.txt',
      'noext',
      'style.css',
      'Zed.txt',
    ]);
    expect(html).toContain('href="a%20b.txt"');
    expect(html).toContain('href="caf%C3%A9.txt"');
    expect(html).not.toContain('../');
    expect(html).not.toMatch(/hidden|link-out|dir-out|sibling|dangling/);
  });

  it('a subdirectory listing links to its parent; a directory with index.html shows it', async () => {
    const html = await (await fetch(`${tmp.url}/zdir/`)).text();
    expect(html).toContain('<title>Index of /zdir/</title>');
    expect(html).toContain('<a href="../">../</a>');
    expect(html).toContain('<a href="inner.txt">inner.txt</a>');
    expect(await (await fetch(`${tmp.url}/sub/`)).text()).toBe('<title>sub</title><p>sub index</p>\n');
    expect(await (await fetch(`${site.url}/images/`)).text()).toContain('<a href="wire.png">wire.png</a>');
  });
});

describe('no path escapes the directory', () => {
  const attempts = [
    '/../outside-secret.txt',
    '/../../../../../../etc/passwd',
    '/%2e%2e/outside-secret.txt',
    '/%2E%2E/%2e%2e/%2e%2e/etc/passwd',
    '/..%2foutside-secret.txt',
    '/zdir/..%2f..%2foutside-secret.txt',
    '/%5c..%5coutside-secret.txt',
    '/..\\outside-secret.txt',
    '/hello.txt%00.html',
    '/link-out.txt',
    '/dir-out/secret.txt',
    '/dir-out/',
    '/sibling.txt',
    '/.hidden',
    '/%2ehidden',
    '/dangling.txt',
    'http://localhost/../outside-secret.txt',
  ];

  for (const target of attempts) {
    it(`refuses ${target} over HTTP/1.0 and HTTP/0.9`, async () => {
      const res = parseRawResponse(await rawExchange(tmp.port, [`GET ${target} HTTP/1.0\r\n\r\n`]));
      expect(res.status).toBe(404);
      expect(res.body.toString()).not.toContain('SECRET');
      if (!target.startsWith('http:')) {
        const bare = (await rawExchange(tmp.port, [`GET ${target}\r\n`])).toString();
        expect(bare).toContain('404 Not Found');
        expect(bare).not.toContain('SECRET');
      }
    });
  }

  it('still serves a symlink that stays inside, and an absolute path is read under the root', async () => {
    expect(await (await fetch(`${tmp.url}/link-in.txt`)).text()).toBe('hello\n');
    expect((await fetch(`${tmp.url}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${tmp.url}/a%20b.txt`)).status).toBe(200);
    expect((await fetch(`${tmp.url}/${'n'.repeat(5000)}`)).status).toBe(404);
    expect((await fetch(`${tmp.url}/caf%C3%A9.txt`)).status).toBe(200);
  });

  it('answers a broken %-escape with 400', async () => {
    const res = parseRawResponse(await rawExchange(tmp.port, ['GET /%E0%A4%A HTTP/1.0\r\n\r\n']));
    expect(res.status).toBe(400);
  });
});

describe('many clients at once', () => {
  it('answers 200 HTTP/1.1 and 200 HTTP/0.9 clients at the same time, every one in full', async () => {
    const expected = await page('long.html');
    const http = Array.from({ length: 200 }, async () => {
      const res = await fetch(`${site.url}/long.html`);
      return Buffer.from(await res.arrayBuffer()).equals(expected);
    });
    const bare = Array.from({ length: 200 }, async () =>
      (await rawExchange(site.port, ['GET /long.html\r\n'], { timeoutMs: 15_000 })).equals(expected),
    );
    const results = await Promise.all([...http, ...bare]);
    expect(results.filter((ok) => !ok)).toHaveLength(0);
  });
});

describe('files that are not files', () => {
  it('a named pipe as index.html, or asked for by name, is missing; it never blocks the server', async () => {
    const dir = join(tmpDir, 'fifo-root');
    await mkdir(join(dir, 'pipes'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'pipes', 'index.html'), join(dir, 'pipe.txt')]);
    await writeFile(join(dir, 'ok.txt'), 'ok\n');
    const server = await startStaticServer({ root: dir, port: 0 });
    try {
      // More requests than libuv has file threads (4): each one used to hold a thread in open() for ever.
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => fetch(`${server.url}/pipes/`, { signal: AbortSignal.timeout(5000) })),
      );
      for (const res of answers) {
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('Index of /pipes/');
      }
      expect((await fetch(`${server.url}/pipe.txt`, { signal: AbortSignal.timeout(5000) })).status).toBe(404);
      expect(await (await fetch(`${server.url}/ok.txt`, { signal: AbortSignal.timeout(5000) })).text()).toBe(
        'ok\n',
      );
    } finally {
      await server.stop();
    }
  });
});

/** A connection that has sent `head` and is kept open; `closed` resolves when the server closes it. */
interface HeldSocket {
  socket: Socket;
  received: Buffer[];
  closed: Promise<void>;
  isClosed: () => boolean;
}

async function holdSocket(port: number, head = ''): Promise<HeldSocket> {
  const socket = connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  let done = false;
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => received.push(d));
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      done = true;
      resolve();
    }),
  );
  await new Promise((r) => socket.once('connect', r));
  if (head) socket.write(head);
  return { socket, received, closed, isClosed: () => done };
}

/** Resolves once `count` of the sockets have closed. */
function closedCount(held: HeldSocket[], count: number): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    for (const h of held)
      void h.closed.then(() => {
        if (++n === count) resolve();
      });
  });
}

describe('too many connections', () => {
  it('past the limit with every connection being answered, a client gets a 503 page, not a reset; once some close it is served again', async () => {
    const root = await mkdtemp(join(tmpdir(), 'plainwire-serve-busy-'));
    // Sparse: far more than the socket buffers hold, so a client that stops reading keeps its answer in progress.
    execFileSync('truncate', ['-s', '256M', join(root, 'huge.bin')]);
    const server = await startStaticServer({ root, port: 0, limits: { maxConnections: 3 } });
    const held: HeldSocket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const h = await holdSocket(server.port, 'GET /huge.bin HTTP/1.0\r\n\r\n');
        await new Promise((r) => h.socket.once('data', r));
        h.socket.pause();
        held.push(h);
      }
      const busy = parseRawResponse(await rawExchange(server.port, ['GET /page1.html HTTP/1.0\r\n\r\n']));
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(busy.body.toString()).toContain('try again in a moment');
      expect(held.some((h) => h.isClosed())).toBe(false);
      const first = held.shift()!;
      first.socket.destroy();
      await first.closed;
      // The server sees the close a moment after the client: retry on its 503 until it has.
      let res = await fetch(`${server.url}/huge.bin`, { method: 'HEAD' }).catch(() => undefined);
      for (let i = 0; i < 50 && res?.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        res = await fetch(`${server.url}/huge.bin`, { method: 'HEAD' }).catch(() => undefined);
      }
      expect(res?.status).toBe(200);
    } finally {
      for (const h of held) h.socket.destroy();
      await server.stop();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('closes the longest-waiting slow clients to make room, so with the limit full of them a normal client gets its page', async () => {
    // A head deadline far beyond the test: only the making of room can let the normal client in.
    const server = await startStaticServer({
      root: SITE,
      port: 0,
      limits: { maxConnections: 10, headersTimeoutMs: 600_000 },
    });
    const slow: HeldSocket[] = [];
    try {
      // Slowloris: request heads that never end, and connections that send nothing at all.
      for (let i = 0; i < 60; i++) {
        const head = i % 2 === 0 ? 'GET /page1.html HTTP/1.1\r\nHost: x\r\nX-Slow: ' : '';
        slow.push(await holdSocket(server.port, head));
      }
      await closedCount(slow, 50);
      // The oldest were closed, and the newest are still held: they were not refused.
      expect(slow[0]!.isClosed()).toBe(true);
      expect(slow.slice(-5).map((h) => h.isClosed())).toEqual([false, false, false, false, false]);
      expect(Buffer.concat(slow.slice(-5).flatMap((h) => h.received)).length).toBe(0);
      const res = await fetch(`${server.url}/page1.html`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Welcome to page 1');
    } finally {
      for (const h of slow) h.socket.destroy();
      await server.stop();
    }
  });

  it('closes idle kept-alive connections to make room, before refusing anyone', async () => {
    const server = await startStaticServer({
      root: SITE,
      port: 0,
      limits: { maxConnections: 3, keepAliveTimeoutMs: 600_000 },
    });
    const idle: HeldSocket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const h = await holdSocket(server.port, 'GET /page1.html HTTP/1.1\r\nHost: x\r\n\r\n');
        await new Promise<void>((resolve) => {
          const check = () => {
            if (Buffer.concat(h.received).includes('</html>')) resolve();
            else h.socket.once('data', check);
          };
          check();
        });
        idle.push(h);
      }
      const res = await fetch(`${server.url}/page2.html`);
      expect(res.status).toBe(200);
      await idle[0]!.closed;
      expect(idle.slice(1).map((h) => h.isClosed())).toEqual([false, false]);
    } finally {
      for (const h of idle) h.socket.destroy();
      await server.stop();
    }
  });
});

describe('slow and idle clients', () => {
  it('closes a connection that never sends its first line, and one that never finishes its headers', async () => {
    const strict = await startStaticServer({
      root: SITE,
      port: 0,
      limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
    });
    try {
      expect((await rawExchange(strict.port, [], { timeoutMs: 5000 })).length).toBe(0);
      const slow = await rawExchange(strict.port, ['GET /page1.html HTTP/1.1\r\n', 'Host: x\r\n'], {
        timeoutMs: 8000,
      });
      expect(parseRawResponse(slow).status).toBe(408);
    } finally {
      await strict.stop();
    }
  });

  it('answers 408 and closes a client that trickles its request head a byte at a time past the deadline', async () => {
    const strict = await startStaticServer({ root: SITE, port: 0, limits: { headersTimeoutMs: 300 } });
    try {
      // Each byte would reset an idle timer: only a deadline for the whole head ends these.
      for (const start of ['GET /', 'GET /page1.html HTTP/1.0\nX-Slow: ']) {
        const h = await holdSocket(strict.port, start);
        const drip = setInterval(() => {
          if (!h.socket.destroyed) h.socket.write('a');
        }, 20);
        await h.closed.finally(() => clearInterval(drip));
        const answer = parseRawResponse(Buffer.concat(h.received));
        expect(answer.status).toBe(408);
        expect(answer.body.toString()).toContain('did not arrive within 0.3 s');
      }
    } finally {
      await strict.stop();
    }
  });

  it('keeps serving after clients that vanish mid-request', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${tmp.url}/big.bin`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    expect((await fetch(`${tmp.url}/hello.txt`)).status).toBe(200);
  });
});
