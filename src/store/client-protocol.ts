// The client's side of the store's URL API as pure functions: request targets out, checked answers in.
// No sockets here, so URL encoding and answer validation are tested directly.
import { StoreError } from './client-errors.js';

export interface Entry {
  key: string;
  value: string;
  version: number;
}

export interface Change {
  type: 'set' | 'unset' | 'expire';
  key: string;
  value?: string;
  version: number;
  revision: number;
}

/** Query parameters in the order they are sent; undefined ones are left out. */
export type QueryParams = ReadonlyArray<readonly [string, string | number | undefined]>;

/**
 * Values up to this many bytes once percent-encoded travel in the query string, as the lab's clients send
 * them; longer ones go as a POST body, which keeps request lines far below the 16 KiB header limit of
 * node:http (and of most proxies).
 */
export const MAX_QUERY_VALUE_CHARS = 4096;

// A lone UTF-16 surrogate has no UTF-8 form: encodeURIComponent throws on it and Buffer.from silently turns it
// into U+FFFD, so it would be stored as something other than what the caller passed.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Throws a BAD_REQUEST StoreError if `text` cannot be sent as UTF-8 exactly. */
export function assertSendable(what: 'key' | 'value' | 'prefix', text: string): void {
  if (LONE_SURROGATE.test(text)) {
    throw new StoreError(
      'BAD_REQUEST',
      `the ${what} holds a lone UTF-16 surrogate, which has no UTF-8 form; the store keeps only valid Unicode`,
    );
  }
}

/** "a=1&b=x%20y": each name and value encoded with encodeURIComponent, so `/ & = + ? # %` survive. */
export function formatQuery(params: QueryParams): string {
  let query = '';
  for (const [name, value] of params) {
    if (value === undefined) continue;
    if (query) query += '&';
    query += `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`;
  }
  return query;
}

/** Where a store lives, split once so each request only appends its query. */
export interface StoreTarget {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** The path plus any query the caller put in the base URL, e.g. "/IMServer.php" or "/?token=x". */
  basePath: string;
  /** The base URL as shown in messages, e.g. "http://127.0.0.1:8001/". */
  display: string;
}

/** Parses a base URL like http://127.0.0.1:8001/ (a bare host:port gets http://). Throws StoreError on junk. */
export function parseStoreUrl(baseUrl: string): StoreTarget {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(baseUrl) ? baseUrl : `http://${baseUrl}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new StoreError('BAD_URL', `"${baseUrl}" is not a URL (try http://127.0.0.1:8001/)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StoreError('BAD_URL', `"${baseUrl}" is not an http:// or https:// URL`);
  }
  if (url.username || url.password) {
    throw new StoreError('BAD_URL', 'put the token in the token option (or --token), not in the URL');
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  // URL keeps IPv6 hosts in brackets; node:http wants them bare.
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  url.hash = '';
  return {
    protocol: url.protocol,
    hostname,
    port,
    basePath: url.pathname + url.search,
    display: url.href,
  };
}

/**
 * The nodes of one store: one URL, or several (each node of a clustered store), each checked as parseStoreUrl
 * does, with the failing one named in the message.
 */
export function parseStoreUrls(urls: string | readonly string[]): StoreTarget[] {
  if (typeof urls === 'string') return [parseStoreUrl(urls)];
  if (urls.length === 0) throw new StoreError('BAD_URL', 'no store URL given (try http://127.0.0.1:8001/)');
  const targets: StoreTarget[] = [];
  for (const [i, url] of urls.entries()) {
    let target: StoreTarget;
    try {
      target = parseStoreUrl(url);
    } catch (err) {
      if (urls.length === 1 || !(err instanceof StoreError)) throw err;
      throw new StoreError('BAD_URL', `store URL ${i + 1} of ${urls.length}: ${err.message}`);
    }
    if (targets.some((t) => t.display === target.display))
      throw new StoreError('BAD_URL', `${target.display} is listed twice: give each node of the store once`);
    targets.push(target);
  }
  return targets;
}

/**
 * "http://a:8001,http://b:8001" as the URLs it lists (how the CLI takes several nodes in one argument). A URL
 * whose query holds a comma cannot be given this way; the library takes an array.
 */
export function splitUrlList(text: string): string[] {
  const urls = text.split(',').map((url) => url.trim());
  if (urls.some((url) => url === ''))
    throw new StoreError(
      'BAD_URL',
      `"${text}" has an empty entry: separate the store's URLs with single commas, e.g. http://a:8001,http://b:8001`,
    );
  return urls;
}

/** The request target for an action: the base path with the action's query appended. */
export function actionPath(target: StoreTarget, params: QueryParams): string {
  const query = formatQuery(params);
  if (!query) return target.basePath;
  return target.basePath + (target.basePath.includes('?') ? '&' : '?') + query;
}

/** How a set travels: in the query (short values) or as the POST body (long ones). */
export function setRequest(
  target: StoreTarget,
  key: string,
  value: string,
  opts: { ifVersion?: number; ttl?: number } = {},
): { method: 'GET' | 'POST'; path: string; body?: string } {
  assertSendable('key', key);
  assertSendable('value', value);
  const tail = [
    ['ifVersion', opts.ifVersion],
    ['ttl', opts.ttl],
  ] as const;
  if (value.length <= MAX_QUERY_VALUE_CHARS) {
    const encodedLength = encodeURIComponent(value).length;
    if (encodedLength <= MAX_QUERY_VALUE_CHARS) {
      return {
        method: 'GET',
        path: actionPath(target, [['action', 'set'], ['key', key], ['value', value], ...tail]),
      };
    }
  }
  return {
    method: 'POST',
    path: actionPath(target, [['action', 'set'], ['key', key], ...tail]),
    body: value,
  };
}

/**
 * Tokens travel as `Authorization: Bearer TOKEN`: a header value holds no spaces after the scheme, no control
 * characters and (portably) nothing outside ASCII, so such a token could never be sent as it is.
 */
export function assertUsableToken(token: string): void {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new StoreError(
      'BAD_TOKEN',
      'a token is sent as "Authorization: Bearer TOKEN", so it must be visible ASCII without spaces',
    );
  }
}

/** A header that holds a whole number (X-Plainwire-Version, X-Plainwire-Revision), or undefined. */
export function headerNumber(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d{1,16}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

/**
 * Whether an answer comes from a plainwire store, which sends X-Plainwire-Revision on every answer. 502, 503
 * and 504 pass without it: a proxy in front of a store, or a server at its connection limit, sends them on
 * its own to say "not now", and a watch should wait and retry rather than give up.
 */
export function isStoreAnswer(status: number, headers: Readonly<Record<string, unknown>>): boolean {
  if (status === 502 || status === 503 || status === 504) return true;
  const revision = headers['x-plainwire-revision'];
  return headerNumber(typeof revision === 'string' ? revision : undefined) !== undefined;
}

/** `?action=keys`: every key followed by "\n". */
export function parseKeys(body: string): string[] {
  if (body === '') return [];
  const keys = body.split('\n');
  if (keys[keys.length - 1] === '') keys.pop();
  return keys;
}

function badAnswer(what: string): StoreError {
  return new StoreError('BAD_RESPONSE', `the store sent a malformed ${what} answer`);
}

function parseJsonObject(body: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw badAnswer(what);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badAnswer(what);
  return parsed as Record<string, unknown>;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** `?action=list&format=json`: {revision, items: [{key, value, version}], cursor}. */
export function parseListAnswer(body: string): { items: Entry[]; cursor: string | null; revision: number } {
  const answer = parseJsonObject(body, 'list');
  const { revision, items, cursor } = answer;
  if (!isCount(revision) || !Array.isArray(items)) throw badAnswer('list');
  if (cursor !== null && cursor !== undefined && typeof cursor !== 'string') throw badAnswer('list');
  const entries: Entry[] = [];
  for (const item of items as unknown[]) {
    const { key, value, version } = (item ?? {}) as Record<string, unknown>;
    if (typeof key !== 'string' || typeof value !== 'string' || !isCount(version)) throw badAnswer('list');
    entries.push({ key, value, version });
  }
  return { items: entries, cursor: typeof cursor === 'string' && cursor !== '' ? cursor : null, revision };
}

const CHANGE_TYPES = new Set(['set', 'unset', 'expire']);

/** `?action=watch`: {revision, changes: [{type, key, value?, version, revision}]}. */
export function parseWatchAnswer(body: string): { revision: number; changes: Change[] } {
  const answer = parseJsonObject(body, 'watch');
  const { revision, changes } = answer;
  if (!isCount(revision) || !Array.isArray(changes)) throw badAnswer('watch');
  const parsed: Change[] = [];
  for (const item of changes as unknown[]) {
    const c = (item ?? {}) as Record<string, unknown>;
    if (
      typeof c.type !== 'string' ||
      !CHANGE_TYPES.has(c.type) ||
      typeof c.key !== 'string' ||
      !isCount(c.version) ||
      !isCount(c.revision) ||
      (c.value !== undefined && typeof c.value !== 'string')
    ) {
      throw badAnswer('watch');
    }
    const change: Change = {
      type: c.type as Change['type'],
      key: c.key,
      version: c.version,
      revision: c.revision,
    };
    if (c.type === 'set' && typeof c.value === 'string') change.value = c.value;
    parsed.push(change);
  }
  return { revision, changes: parsed };
}

/** `?action=revision`: {revision}. */
export function parseRevisionAnswer(body: string): number {
  const { revision } = parseJsonObject(body, 'revision');
  if (!isCount(revision)) throw badAnswer('revision');
  return revision;
}
