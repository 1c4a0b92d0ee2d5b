// The client's pure half: request targets (URL encoding, GET vs POST), answer validation, error mapping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompactedError,
  StoreError,
  StoreUnavailableError,
  VersionConflictError,
  errorForAnswer,
  unavailableFromSocketError,
} from '../../src/store/client-errors.js';
import {
  MAX_QUERY_VALUE_CHARS,
  actionPath,
  assertSendable,
  assertUsableToken,
  formatQuery,
  headerNumber,
  parseKeys,
  parseListAnswer,
  parseStoreUrl,
  parseWatchAnswer,
  setRequest,
} from '../../src/store/client-protocol.js';

const AWKWARD = [
  'a/b',
  'x&y=z',
  '1+1=2',
  'why?',
  '#tag',
  '100%',
  '%41',
  'two words',
  'héllo wörld',
  '日本語',
  '😀',
];

/** Decodes a query the way a server must: split on & and =, then percent-decode (no + for space). */
function decodeQuery(query: string): Array<[string, string]> {
  return query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return [decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1))];
  });
}

describe('request targets', () => {
  const store = parseStoreUrl('http://127.0.0.1:8001/');

  it('percent-encodes every reserved character of keys and values', () => {
    for (const text of AWKWARD) {
      const { path } = setRequest(store, text, text);
      const query = path.slice(path.indexOf('?') + 1);
      expect(query).not.toMatch(/[ +/?#]|&(?!(key|value)=)/);
      expect(decodeQuery(query)).toEqual([
        ['action', 'set'],
        ['key', text],
        ['value', text],
      ]);
    }
  });

  it('round-trips any well-formed string through the query', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), (key, value) => {
        if (/[\ud800-\udfff]/.test(key + value)) return; // lone surrogates are refused, tested below
        const query = formatQuery([
          ['key', key],
          ['value', value],
        ]);
        expect(decodeQuery(query)).toEqual([
          ['key', key],
          ['value', value],
        ]);
        expect(new URLSearchParams(query).get('value')).toBe(value);
      }),
    );
  });

  it('keeps the path of the base URL, so /IMServer.php works, and any query it already has', () => {
    expect(actionPath(parseStoreUrl('http://h:1/IMServer.php'), [['action', 'keys']])).toBe(
      '/IMServer.php?action=keys',
    );
    expect(actionPath(parseStoreUrl('http://h:1/?space=mine'), [['action', 'keys']])).toBe(
      '/?space=mine&action=keys',
    );
    expect(
      actionPath(store, [
        ['action', 'get'],
        ['key', 'k'],
        ['ifVersion', undefined],
      ]),
    ).toBe('/?action=get&key=k');
  });

  it('sends short values in the query and long or heavily encoded ones as a POST body', () => {
    expect(setRequest(store, 'k', 'v', { ifVersion: 0, ttl: 5 })).toEqual({
      method: 'GET',
      path: '/?action=set&key=k&value=v&ifVersion=0&ttl=5',
    });
    const long = 'x'.repeat(MAX_QUERY_VALUE_CHARS + 1);
    expect(setRequest(store, 'k', long, { ifVersion: 3 })).toEqual({
      method: 'POST',
      path: '/?action=set&key=k&ifVersion=3',
      body: long,
    });
    // 1000 characters, but 9000 once percent-encoded.
    const heavy = '日'.repeat(1000);
    expect(setRequest(store, 'k', heavy).method).toBe('POST');
  });

  it('refuses lone surrogates instead of storing U+FFFD in their place', () => {
    expect(() => setRequest(store, 'k', 'bad \ud800 value')).toThrow(StoreError);
    expect(() => assertSendable('key', '\udc00')).toThrow(/lone UTF-16 surrogate/);
    expect(() => assertSendable('key', '😀')).not.toThrow();
  });

  it('refuses tokens that cannot travel in an Authorization header', () => {
    expect(() => assertUsableToken('s3cret-token_1.2~x/y+z=')).not.toThrow();
    for (const bad of ['two words', 'tab\there', 'ünï', '', 'new\nline']) {
      expect(() => assertUsableToken(bad)).toThrow(/visible ASCII/);
    }
  });

  it('parses base URLs: bare host:port, IPv6, and refuses what it cannot use', () => {
    expect(parseStoreUrl('127.0.0.1:8001')).toMatchObject({
      hostname: '127.0.0.1',
      port: 8001,
      basePath: '/',
    });
    expect(parseStoreUrl('http://[::1]:9/x')).toMatchObject({ hostname: '::1', port: 9, basePath: '/x' });
    expect(parseStoreUrl('http://localhost')).toMatchObject({ port: 80 });
    expect(() => parseStoreUrl('ftp://h/')).toThrow(/http/);
    expect(() => parseStoreUrl('http://u:p@h/')).toThrow(/token/);
    expect(() => parseStoreUrl('http://[zz/')).toThrow(StoreError);
  });
});

describe('answers', () => {
  it('reads version headers only when they are whole numbers', () => {
    expect(headerNumber('42')).toBe(42);
    expect(headerNumber(['7'])).toBe(7);
    expect(headerNumber(undefined)).toBeUndefined();
    expect(headerNumber('-1')).toBeUndefined();
    expect(headerNumber('1e3')).toBeUndefined();
  });

  it('splits ?action=keys on newlines', () => {
    expect(parseKeys('')).toEqual([]);
    expect(parseKeys('a\nb c\n')).toEqual(['a', 'b c']);
    expect(parseKeys('a\n\n')).toEqual(['a', '']);
  });

  it('accepts well-formed list and watch answers', () => {
    expect(
      parseListAnswer('{"revision":3,"items":[{"key":"a","value":"1","version":2}],"cursor":null}'),
    ).toEqual({ revision: 3, items: [{ key: 'a', value: '1', version: 2 }], cursor: null });
    expect(parseListAnswer('{"revision":3,"items":[],"cursor":"abc"}').cursor).toBe('abc');
    expect(
      parseWatchAnswer(
        '{"revision":9,"changes":[{"type":"set","key":"a","value":"x","version":8,"revision":8},' +
          '{"type":"unset","key":"b","version":9,"revision":9}]}',
      ),
    ).toEqual({
      revision: 9,
      changes: [
        { type: 'set', key: 'a', value: 'x', version: 8, revision: 8 },
        { type: 'unset', key: 'b', version: 9, revision: 9 },
      ],
    });
  });

  it('turns any malformed answer into a BAD_RESPONSE StoreError, never another exception', () => {
    for (const body of [
      '',
      'null',
      '[]',
      '{"revision":-1,"items":[]}',
      '{"revision":1,"items":[{"key":1}]}',
    ]) {
      expect(() => parseListAnswer(body)).toThrow(StoreError);
    }
    expect(() =>
      parseWatchAnswer('{"revision":1,"changes":[{"type":"boom","key":"a","version":1,"revision":1}]}'),
    ).toThrow(/malformed watch/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
        for (const parse of [parseListAnswer, parseWatchAnswer]) {
          try {
            parse(body);
          } catch (err) {
            expect(err).toBeInstanceOf(StoreError);
            expect((err as StoreError).code).toBe('BAD_RESPONSE');
          }
        }
      }),
    );
  });
});

describe('error mapping', () => {
  it('maps a 409 to a VersionConflictError with what was expected and what the store has', () => {
    const err = errorForAnswer(
      { status: 409, body: 'version conflict\n', version: 7 },
      { key: 'k', expected: 3 },
    );
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err).toMatchObject({ code: 'VERSION_CONFLICT', status: 409, key: 'k', expected: 3, actual: 7 });
    expect(err.message).toBe('version conflict');
    expect(errorForAnswer({ status: 409, body: '', version: 0 }, { key: 'k', expected: 2 }).message).toMatch(
      /expected version 2, the store has no such key/,
    );
  });

  it('maps 410 to CompactedError, 503 to StoreUnavailableError, others to coded StoreErrors', () => {
    expect(errorForAnswer({ status: 410, body: 'gone' }, {})).toBeInstanceOf(CompactedError);
    expect(errorForAnswer({ status: 503, body: 'starting' }, {})).toBeInstanceOf(StoreUnavailableError);
    expect(errorForAnswer({ status: 401, body: 'need a token\n' }, {})).toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
      message: 'need a token',
    });
    expect(errorForAnswer({ status: 413, body: '' }, {})).toMatchObject({ code: 'TOO_LARGE' });
    expect(errorForAnswer({ status: 500, body: '' }, {}).message).toBe('the store answered 500');
  });

  it('takes a 409 to a request that cannot conflict as a broken answer, and says when the version is missing', () => {
    const odd = errorForAnswer({ status: 409, body: '' }, { key: 'k' });
    expect(odd).not.toBeInstanceOf(VersionConflictError);
    expect(odd).toMatchObject({ code: 'HTTP_ERROR', status: 409, message: 'the store answered 409' });
    expect(errorForAnswer({ status: 409, body: '' }, { key: 'k', expected: 2 }).message).toBe(
      'version conflict on "k": expected version 2, the store did not say which version it has',
    );
  });

  it('takes control sequences out of a server explanation before it becomes a message', () => {
    const err = errorForAnswer({ status: 400, body: '\u001b[2J\u001b]0;pwned\u0007bad\tkey\u009b31m\n' }, {});
    expect(err.message).toBe('bad key');
  });

  it('keeps only a bounded first line of an error body', () => {
    const err = errorForAnswer({ status: 400, body: `${'x'.repeat(10_000)}\nsecond line` }, {});
    expect(err.message.length).toBeLessThan(600);
    expect(err.message).not.toContain('second');
  });

  it('names the store and the failure for socket errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = unavailableFromSocketError(refused, 'http://127.0.0.1:8001/');
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toBe('cannot reach http://127.0.0.1:8001/: connection refused');
  });
});
