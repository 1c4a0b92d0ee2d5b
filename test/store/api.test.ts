// The pure request parser and the page renderer, without a network: every input gives an Operation or an ApiError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  type ApiRequest,
  decodeComponent,
  decodeCursor,
  encodeCursor,
  parseParams,
  parseRequest,
} from '../../src/store/api.js';
import { renderPage } from '../../src/store/page.js';
import { formatTtl } from '../../src/store/page-format.js';

const limits = { maxValueBytes: 1024 * 1024 };
const get = (query: string, path = '/'): ReturnType<typeof parseRequest> =>
  parseRequest({ method: 'GET', path, query }, limits);

describe('parseRequest', () => {
  it('reads the lab actions', () => {
    expect(get('action=set&key=a%2Fb&value=x+y')).toMatchObject({
      op: { kind: 'set', key: 'a/b', value: 'x y' },
      write: true,
    });
    expect(get('action=get&key=k')).toMatchObject({
      op: { kind: 'get', key: 'k', rest: false },
      write: false,
    });
    expect(get('action=unset&key=k&ifVersion=4')).toMatchObject({ op: { kind: 'unset', ifVersion: 4 } });
    expect(get('')).toMatchObject({ op: { kind: 'page' } });
    // The action written as a path (/set?key=a&value=b) must not look like success.
    expect(get('key=a&value=b')).toMatchObject({
      status: 400,
      message: expect.stringMatching(/no action given/),
    });
    expect(get('key=a')).toMatchObject({ status: 400 });
    expect(get('action=watch&prefix=&after=3&timeout=1.5')).toMatchObject({
      op: { kind: 'watch', match: { prefix: '' }, after: 3, timeoutSeconds: 1.5 },
    });
    expect(get('action=watch&key=k')).toMatchObject({ op: { timeoutSeconds: 30 } });
    expect(get('action=list')).toMatchObject({ op: { kind: 'list', prefix: '', limit: 1000 } });
    expect(get('action=set&key=k&value=v&token=t')).toMatchObject({ token: 't' });
    const bearer = parseRequest(
      { method: 'GET', path: '/', query: 'action=clear', authorization: 'Bearer abc' },
      limits,
    );
    expect(bearer).toMatchObject({ token: 'abc', write: true });
  });

  it('merges a form body and takes any other POST body as the value', () => {
    const form: ApiRequest = {
      method: 'POST',
      path: '/',
      query: 'action=set',
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      body: Buffer.from('key=k&value=a%26b'),
    };
    expect(parseRequest(form, limits)).toMatchObject({ op: { kind: 'set', key: 'k', value: 'a&b' } });
    const raw: ApiRequest = {
      method: 'POST',
      path: '/',
      query: 'action=set&key=k',
      body: Buffer.from('a=b&c'),
    };
    expect(parseRequest(raw, limits)).toMatchObject({ op: { value: 'a=b&c' } });
    const empty: ApiRequest = { method: 'POST', path: '/', query: 'action=set&key=k' };
    expect(parseRequest(empty, limits)).toMatchObject({ op: { value: '' } });
  });

  it('refuses a form-typed body without value= on a set, saying how to send raw bytes', () => {
    // What `curl --data-binary @file URL?action=set&key=K` sends: a file's text labelled as a form.
    const file = (body: string): ApiRequest => ({
      method: 'POST',
      path: '/',
      query: 'action=set&key=k',
      contentType: 'application/x-www-form-urlencoded',
      body: Buffer.from(body),
    });
    for (const body of ['just some text\n', 'x=1&y=2', '100% sure']) {
      const r = parseRequest(file(body), limits);
      expect(r, body).toBeInstanceOf(ApiError);
      expect((r as ApiError).status).toBe(400);
      expect((r as ApiError).message).toMatch(/Content-Type: application\/octet-stream/);
      expect((r as ApiError).message).not.toContain('\n');
    }
    expect(parseRequest(file('value=v'), limits)).toMatchObject({ op: { kind: 'set', value: 'v' } });
    expect(parseRequest(file('value='), limits)).toMatchObject({ op: { kind: 'set', value: '' } });
    expect(parseRequest({ ...file('text'), contentType: 'application/octet-stream' }, limits)).toMatchObject({
      op: { kind: 'set', value: 'text' },
    });
  });

  it('the REST face', () => {
    const put = parseRequest(
      { method: 'PUT', path: '/kv/a%2Fb/c', query: 'ttl=2', body: Buffer.from('v') },
      limits,
    );
    expect(put).toMatchObject({ op: { kind: 'set', key: 'a/b/c', value: 'v', ttlSeconds: 2, rest: true } });
    expect(parseRequest({ method: 'HEAD', path: '/kv/k', query: '' }, limits)).toMatchObject({ head: true });
    expect(parseRequest({ method: 'POST', path: '/kv/k', query: '' }, limits)).toMatchObject({ status: 405 });
  });

  it('refuses with a status and one line', () => {
    const cases: [string, number][] = [
      ['action=get', 400],
      ['action=get&key=', 400],
      ['action=x', 400],
      ['key=a&key=a', 400],
      ['action=get&key=%', 400],
      ['action=get&key=%C0%80', 400],
      ['action=set&key=k&value=v&ifVersion=-1', 400],
      ['action=set&key=k&value=v&ifVersion=1e3', 400],
      ['action=set&key=k&value=v&ttl=abc', 400],
      ['action=list&limit=99999', 400],
      [`action=get&key=${'x'.repeat(1025)}`, 413],
    ];
    for (const [query, status] of cases) {
      const r = get(query);
      expect(r, query).toBeInstanceOf(ApiError);
      expect((r as ApiError).status, query).toBe(status);
      expect((r as ApiError).message).not.toContain('\n');
    }
    const big = parseRequest(
      { method: 'GET', path: '/', query: 'action=set&key=k&value=123456' },
      { maxValueBytes: 5 },
    );
    expect(big).toMatchObject({ status: 413 });
    expect(parseRequest({ method: 'HEAD', path: '/', query: 'action=clear' }, limits)).toMatchObject({
      status: 405,
    });
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.oneof(
          fc.constant('/'),
          fc.string().map((s) => `/kv/${s}`),
        ),
        fc.string(),
        fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
        (method, path, query, body) => {
          const r = parseRequest({ method, path, query, body: body && Buffer.from(body) }, limits);
          expect(r instanceof ApiError || typeof r.op.kind === 'string').toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips every key and value through encodeURIComponent', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }),
        fc.string({ unit: 'grapheme' }),
        (key, value) => {
          const r = get(`action=set&key=${encodeURIComponent(key)}&value=${encodeURIComponent(value)}`);
          expect(r).toMatchObject({ op: { key, value } });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('encoding helpers', () => {
  it('strict percent-decoding', () => {
    expect(decodeComponent('a+b%20c', true)).toBe('a b c');
    expect(decodeComponent('a+b', false)).toBe('a+b');
    expect(decodeComponent('%ZZ', true)).toBeUndefined();
    expect(decodeComponent('%FF', true)).toBeUndefined();
    expect(parseParams('a=1&&b=&c')).toEqual(
      new Map([
        ['a', '1'],
        ['b', ''],
        ['c', ''],
      ]),
    );
  });

  it('cursors round-trip and reject junk', () => {
    expect(decodeCursor(encodeCursor('room/😀'))).toBe('room/😀');
    expect(decodeCursor('not base64!')).toBeUndefined();
  });
});

describe('renderPage', () => {
  it('shows each TTL and gives each row compare-and-set forms at its version', () => {
    const html = renderPage({
      path: '/',
      entries: [
        { key: 'lease', value: 'v', version: 4, expiresAt: 1_000_000 + 125_000 },
        { key: 'kept', value: 'w', version: 2 },
      ],
      total: 2,
      next: null,
      later: false,
      revision: 4,
      tokenField: false,
      readTokenField: false,
      now: 1_000_000,
    });
    expect(html).toContain('<tr data-key="lease" data-version="4" data-ttl-ms="125000">');
    expect(html).toContain('<td class="ttl">2 min 5 s</td>');
    expect(html).toContain('<td class="ttl">-</td>');
    expect(html.match(/name="ifVersion" value="4"/g)).toHaveLength(2);
    expect(html.match(/name="ifVersion" value="2"/g)).toHaveLength(2);
    expect(html).toContain('data-revision="4" data-complete="true"');
    expect(html).toContain('<script type="module" src="/plainwire-store-page.js"></script>');
    expect(formatTtl(undefined)).toBe('-');
    expect(formatTtl(1)).toBe('1 s');
    expect(formatTtl(3_600_000 * 2 + 60_000 * 10)).toBe('2 h 10 min');
    expect(formatTtl(86_400_000 * 3)).toBe('3 d 0 h');
  });

  it('escapes everything it shows and links the next and first pages', () => {
    const html = renderPage({
      path: '/x"y',
      entries: [{ key: '<b>', value: '<?php system("rm") ?>', version: 3 }],
      total: 1500,
      next: 'PDw-',
      later: true,
      revision: 9,
      notice: 'set <i>',
      tokenField: true,
      readTokenField: false,
    });
    expect(html).not.toMatch(/<b>|<\?php|<i>/);
    expect(html).toContain('&lt;?php system(&quot;rm&quot;) ?&gt;');
    expect(html).toContain('action="/x&quot;y"');
    expect(html).toMatch(/1 of 1500 keys on this page/);
    expect(html).toContain('<a href="/x&quot;y?cursor=PDw-">next page</a>');
    expect(html).toContain('<a href="/x&quot;y">first page</a>');
    // The set and unset forms at the top, each row's compare-and-set pair, and the template of a row's pair.
    expect(html.match(/name="token"/g)).toHaveLength(6);
    expect(html).toContain('<input type="hidden" name="ifVersion" value="3">');
  });
});
