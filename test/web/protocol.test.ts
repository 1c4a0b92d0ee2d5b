// The pure parts of serve: request targets, first lines, MIME types and charsets, listings, response plans.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, declaresCharset, isUtf8 } from '../../src/web/mime.js';
import { escapeHtml } from '../../src/text/html.js';
import { listingPage, sortListing } from '../../src/web/pages.js';
import { planFound, planTarget } from '../../src/web/plan.js';
import { classifyFirstLine } from '../../src/web/request-line.js';
import { formatUrlPath, parseRequestTarget } from '../../src/web/request-target.js';

describe('parseRequestTarget', () => {
  it('splits a path into decoded segments and keeps the query', () => {
    expect(parseRequestTarget('/a%20b/caf%C3%A9.html?x=1#frag')).toEqual({
      kind: 'path',
      segments: ['a b', 'café.html'],
      trailingSlash: false,
      query: '?x=1',
    });
    expect(parseRequestTarget('/')).toEqual({ kind: 'path', segments: [], trailingSlash: true, query: '' });
    expect(parseRequestTarget('//images//')).toMatchObject({ segments: ['images'], trailingSlash: true });
    expect(parseRequestTarget('http://example.com/page1.html')).toMatchObject({ segments: ['page1.html'] });
  });

  it('reads raw non-ASCII bytes (Latin-1 from the wire) as the UTF-8 a browser would send', () => {
    const raw = Buffer.from('/café.html', 'utf8').toString('latin1');
    expect(parseRequestTarget(raw)).toMatchObject({ segments: ['café.html'] });
  });

  it('refuses every way out of the directory and hidden files', () => {
    const cases: Array<[string, string]> = [
      ['/../etc/passwd', 'dot-segment'],
      ['/a/./b', 'dot-segment'],
      ['/%2e%2e/x', 'dot-segment'],
      ['/%2E%2e/x', 'dot-segment'],
      ['/..%2fx', 'encoded-slash'],
      ['/a%2F..%2F..%2Fx', 'encoded-slash'],
      ['/%5c..%5cx', 'backslash'],
      ['/..\\x', 'backslash'],
      ['/x%00.html', 'nul'],
      ['/.git/config', 'hidden'],
      ['/%2egit/config', 'hidden'],
    ];
    for (const [target, reason] of cases)
      expect(parseRequestTarget(target), target).toEqual({ kind: 'refused', reason });
  });

  it('answers bad targets as bad', () => {
    expect(parseRequestTarget('page1.html').kind).toBe('bad');
    expect(parseRequestTarget('*').kind).toBe('bad');
    expect(parseRequestTarget('/%zz').kind).toBe('bad');
    expect(parseRequestTarget('/%E0%A4%A').kind).toBe('bad');
    // Overlong UTF-8 for "..", the old IIS traversal: not valid UTF-8, so never decoded to dots.
    expect(parseRequestTarget('/%c0%ae%c0%ae/x').kind).toBe('bad');
  });

  it('never throws, and what it accepts always stays under the root when joined', () => {
    const root = '/srv/site';
    const pieces = fc.constantFrom(
      '..',
      '.',
      '%2e',
      '%2E',
      '%2f',
      '%5c',
      '\\',
      '/',
      '%00',
      'a',
      '%',
      '%C3%A9',
      '?',
      '#',
    );
    const target = fc.oneof(
      fc.string(),
      fc.array(pieces, { maxLength: 12 }).map((p) => `/${p.join('')}`),
    );
    fc.assert(
      fc.property(target, (t) => {
        const parsed = parseRequestTarget(t);
        if (parsed.kind !== 'path') return;
        const joined = join(root, ...parsed.segments);
        expect(joined === root || joined.startsWith(`${root}/`)).toBe(true);
        for (const s of parsed.segments)
          expect(s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s)).toBe(false);
        expect(formatUrlPath(parsed.segments, true)).toMatch(/^\/[\x21-\x7e]*$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('classifyFirstLine', () => {
  it('says how to write a path with spaces in it', () => {
    expect(classifyFirstLine('GET /my page.html HTTP/1.0')).toEqual({
      kind: 'bad',
      detail: 'a space in a path is written %20: GET /my%20page.html HTTP/1.0',
    });
    expect(classifyFirstLine('GET /a b c')).toEqual({
      kind: 'bad',
      detail: 'a space in a path is written %20: GET /a%20b%20c',
    });
  });

  it('tells HTTP/0.9, HTTP/1.x and the rest apart', () => {
    expect(classifyFirstLine('GET /page1.html')).toEqual({ kind: 'http09', target: '/page1.html' });
    expect(classifyFirstLine('GET /page1.html HTTP/1.0')).toEqual({ kind: 'http1' });
    expect(classifyFirstLine('POST /x HTTP/1.1')).toEqual({ kind: 'http1' });
    expect(classifyFirstLine('GET / HTTP/2.0')).toEqual({
      kind: 'version-not-supported',
      version: 'HTTP/2.0',
    });
    expect(classifyFirstLine('BREW /pot HTTP/1.1')).toEqual({ kind: 'not-implemented', method: 'BREW' });
    expect(classifyFirstLine('HELLO').kind).toBe('bad');
    expect(classifyFirstLine('').kind).toBe('bad');
    expect(classifyFirstLine('HEAD /x').kind).toBe('bad');
    expect(classifyFirstLine('get /page1.html')).toEqual({
      kind: 'bad',
      detail: 'methods are case-sensitive: type GET, not get',
    });
    expect(classifyFirstLine('GET  / HTTP/1.0').kind).toBe('bad');
  });

  it('never throws on any line', () => {
    fc.assert(
      fc.property(fc.string(), (line) => void classifyFirstLine(line)),
      { numRuns: 2000 },
    );
  });
});

describe('content types', () => {
  const bytes = (s: string, enc: BufferEncoding = 'utf8') => Buffer.from(s, enc);
  it('adds charset=utf-8 only to textual files whose bytes are UTF-8, and lets HTML with <meta charset> decide', () => {
    expect(contentTypeFor('a.html', bytes('<p>café</p>'))).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('a.html', bytes('<p>caf\xe9</p>', 'latin1'))).toBe('text/html');
    expect(contentTypeFor('a.html', bytes('<meta charset="iso-8859-1"><p>x</p>'))).toBe('text/html');
    expect(
      contentTypeFor('a.HTM', bytes('<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">')),
    ).toBe('text/html');
    expect(contentTypeFor('a.txt', bytes('caf\xe9', 'latin1'))).toBe('text/plain');
    expect(contentTypeFor('a.txt', Buffer.alloc(0))).toBe('text/plain; charset=utf-8');
    expect(contentTypeFor('a.png', Buffer.alloc(0))).toBe('image/png');
    expect(contentTypeFor('archive.tar.gz', Buffer.alloc(0))).toBe('application/gzip');
    expect(contentTypeFor('Makefile', Buffer.alloc(0))).toBe('application/octet-stream');
    expect(contentTypeFor('.bashrc', Buffer.alloc(0))).toBe('application/octet-stream');
  });

  it('accepts UTF-8 cut in the middle of a character at the end of the sniffed bytes', () => {
    const cut = Buffer.from('aé', 'utf8').subarray(0, 2);
    expect(isUtf8(cut, false)).toBe(true);
    expect(isUtf8(cut, true)).toBe(false);
    expect(isUtf8(Buffer.from([0x61, 0xe9, 0x61]), false)).toBe(false);
    expect(declaresCharset(Buffer.from(`${' '.repeat(2000)}<meta charset="utf-8">`))).toBe(false);
  });
});

describe('listings and plans', () => {
  it('escapes names and sorts directories first, then names without case', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const sorted = sortListing([
      { name: 'b.txt', isDirectory: false },
      { name: 'Z', isDirectory: true },
      { name: 'A.txt', isDirectory: false },
      { name: 'a', isDirectory: true },
    ]);
    expect(sorted.map((e) => e.name)).toEqual(['a', 'Z', 'A.txt', 'b.txt']);
    const html = listingPage('/d/', [{ name: 'x\u001b[2J<y>.txt', isDirectory: false }], 3);
    expect(html).toContain('<a href="x%1B%5B2J%3Cy%3E.txt">x\ufffd[2J&lt;y&gt;.txt</a>');
    expect(html).toContain('3 more entries not shown');
    expect(html).not.toContain('\u001b');
  });

  it('plans 405 with Allow, 400 for bad targets, and a 404 for refusals that says why in the log', () => {
    const put = planTarget('PUT', '/x');
    expect(put.kind === 'respond' && put.plan.status).toBe(405);
    expect(put.kind === 'respond' && put.plan.headers.Allow).toBe('GET, HEAD');
    const bad = planTarget('GET', 'nope');
    expect(bad.kind === 'respond' && bad.plan.status).toBe(400);
    const refused = planTarget('GET', '/../x');
    expect(refused.kind === 'respond' && refused.plan).toMatchObject({
      status: 404,
      note: 'refused: dot-segment',
    });
  });

  it('plans a redirect to the canonical, encoded directory path', () => {
    const plan = planFound({ segments: ['a b', 'c'], query: '?q=1' }, { kind: 'directory-without-slash' });
    expect(plan.status).toBe(301);
    expect(plan.headers.Location).toBe('/a%20b/c/?q=1');
  });
});
