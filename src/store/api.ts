// The store's HTTP API as pure functions: a request's method, path, query, headers and body become an Operation or
// an ApiError (status + one line for a person). No sockets here; server.ts does the I/O.
import type { ChangeMatch } from './engine.js';

export const MAX_KEY_BYTES = 1024;
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10_000;
export const DEFAULT_WATCH_TIMEOUT_S = 30;
export const MAX_WATCH_TIMEOUT_S = 300;
/** Ten years: a longer lease is a typo, not a lease. */
export const MAX_TTL_S = 10 * 365 * 24 * 3600;

export const ACTIONS = ['get', 'set', 'unset', 'keys', 'clear', 'list', 'watch', 'revision'] as const;

export interface ApiRequest {
  method: string;
  /** The request target's path, still percent-encoded (as in req.url). */
  path: string;
  /** The raw query string, without the '?' ('' when absent). */
  query: string;
  contentType?: string;
  authorization?: string;
  /** The request body for POST and PUT (undefined when none was read). */
  body?: Buffer;
}

export interface ApiLimits {
  maxValueBytes: number;
}

/** `rest`: the /kv/ face (404 for a missing key); `html`: answer with the page (forms on the page ask for this). */
export type Operation =
  | { kind: 'page'; after?: string }
  | { kind: 'get'; key: string; rest: boolean; html: boolean }
  | {
      kind: 'set';
      key: string;
      value: string;
      ifVersion?: number;
      ttlSeconds?: number;
      rest: boolean;
      html: boolean;
    }
  | { kind: 'unset'; key: string; ifVersion?: number; rest: boolean; html: boolean }
  | { kind: 'keys' }
  | { kind: 'clear' }
  | { kind: 'revision' }
  | { kind: 'list'; prefix: string; limit: number; after?: string }
  | { kind: 'watch'; match: ChangeMatch; after?: number; timeoutSeconds: number };

export interface ParsedRequest {
  op: Operation;
  /** Changes the store (needs the token when one is set). */
  write: boolean;
  /** HEAD: answer with the headers only. */
  head: boolean;
  /** From `Authorization: Bearer ...` or the `token` parameter. */
  token?: string;
}

export class ApiError {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** How to send a value as raw bytes: said whenever a body was taken as a form but did not read as one. */
export const RAW_BODY_HINT =
  "to send the body as the raw value, add -H 'Content-Type: application/octet-stream' (or PUT it to /kv/<key>)";

const WRITE_KINDS = new Set<Operation['kind']>(['set', 'unset', 'clear']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Percent-decodes one URL component strictly: a malformed %-escape or bytes that are not UTF-8 give undefined
 * (URLSearchParams would silently keep or replace them). `plusIsSpace` for query strings and forms, not paths.
 */
export function decodeComponent(raw: string, plusIsSpace: boolean): string | undefined {
  const text = plusIsSpace && raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Node hands over the request target's bytes as latin1 characters; raw (unescaped) non-ASCII bytes must form UTF-8.
 */
function rawBytesToText(raw: string): string | undefined {
  if (!/[^\x00-\x7f]/.test(raw)) return raw;
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return undefined;
  }
}

export type Params = Map<string, string>;

/** Parses `a=1&b=2` (query or form body) into a map; duplicated names and bad encodings are errors. */
export function parseParams(raw: string, into: Params = new Map(), where = 'query'): Params | ApiError {
  const text = rawBytesToText(raw);
  if (text === undefined)
    return new ApiError(400, `the ${where} is not valid UTF-8: percent-encode keys and values as UTF-8`);
  if (text === '') return into;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const name = decodeComponent(rawName, true);
    const value = decodeComponent(rawValue, true);
    if (name === undefined || value === undefined)
      return new ApiError(
        400,
        /%(?![0-9A-Fa-f]{2})/.test(pair)
          ? `bad percent-encoding in the ${where} near "${truncate(pair)}": each % must be followed by two hex digits (write a literal % as %25)`
          : `the ${where} near "${truncate(pair)}" decodes to bytes that are not UTF-8: percent-encode text as UTF-8`,
      );
    if (into.has(name))
      return new ApiError(400, `the parameter "${truncate(name)}" is given twice: give each parameter once`);
    into.set(name, value);
  }
  return into;
}

function truncate(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}

function isFormBody(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

function bodyText(body: Buffer): string | ApiError {
  try {
    return utf8.decode(body);
  } catch {
    return new ApiError(400, 'the request body is not valid UTF-8: values are UTF-8 text');
  }
}

function checkKey(key: string | undefined, rest: boolean): string | ApiError {
  if (key === undefined)
    return new ApiError(400, rest ? 'missing key: use /kv/<key>' : 'missing key parameter: add &key=<key>');
  if (key === '') return new ApiError(400, 'the key is empty: keys are 1 to 1024 bytes of UTF-8');
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_KEY_BYTES)
    return new ApiError(413, `the key is ${bytes} bytes: keys are limited to ${MAX_KEY_BYTES} bytes`);
  return key;
}

function checkValue(value: string, limits: ApiLimits): string | ApiError {
  const bytes = Buffer.byteLength(value);
  if (bytes > limits.maxValueBytes)
    return new ApiError(
      413,
      `the value is ${bytes} bytes: values are limited to ${limits.maxValueBytes} bytes (the store's --max-value)`,
    );
  return value;
}

function wholeNumber(params: Params, name: string): number | undefined | ApiError {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw))
    return new ApiError(
      400,
      `${name}=${truncate(raw)} is not a whole number: give ${name} as digits, e.g. ${name}=3`,
    );
  return Number(raw);
}

function seconds(params: Params, name: string, min: number, max: number): number | undefined | ApiError {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d{1,10}(\.\d{1,3})?$/.test(raw) || n < min || n > max)
    return new ApiError(
      400,
      `${name}=${truncate(raw)} is not a number of seconds from ${min} to ${max}: e.g. ${name}=30 or ${name}=0.5`,
    );
  return n;
}

/** Encodes a list position for the `cursor` parameter: opaque to clients, so it may change form later. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    return utf8.decode(Buffer.from(cursor, 'base64url'));
  } catch {
    return undefined;
  }
}

export function parseRequest(req: ApiRequest, limits: ApiLimits): ParsedRequest | ApiError {
  const params = parseParams(req.query);
  if (params instanceof ApiError) return params;
  const head = req.method === 'HEAD';
  if (req.path.startsWith('/kv/')) return parseRest(req, params, head, limits);

  if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST')
    return new ApiError(
      405,
      `${req.method} is not allowed here: use GET or POST with ?action=..., or ${req.method === 'PUT' || req.method === 'DELETE' ? `${req.method} ` : ''}/kv/<key>`,
      { Allow: 'GET, HEAD, POST' },
    );

  let postedValue: string | undefined;
  let formPosted = false;
  if (req.method === 'POST' && req.body && req.body.length > 0) {
    if (isFormBody(req.contentType)) {
      formPosted = true;
      const merged = parseParams(req.body.toString('latin1'), params, 'form body');
      if (merged instanceof ApiError)
        return new ApiError(merged.status, `${merged.message}; ${RAW_BODY_HINT}`, merged.headers);
    } else {
      const text = bodyText(req.body);
      if (text instanceof ApiError) return text;
      postedValue = text;
    }
  }
  const token = params.get('token') ?? bearerToken(req.authorization);
  const action = params.get('action');
  // curl's -d and --data-binary label any body a form: a file posted that way has no value= field, and taking the
  // missing field as an empty value would answer 200 and store "" (the body silently dropped).
  if (formPosted && action === 'set' && !params.has('value'))
    return new ApiError(
      400,
      `the POST body is form-encoded (Content-Type: application/x-www-form-urlencoded, curl's default for -d and --data-binary) but has no value= field; ${RAW_BODY_HINT}`,
    );
  const op = parseAction(action, params, postedValue, req.method === 'POST', limits);
  if (op instanceof ApiError) return op;
  const write = WRITE_KINDS.has(op.kind);
  if (head && write)
    return new ApiError(405, `HEAD cannot ${op.kind}: use GET or POST`, { Allow: 'GET, HEAD, POST' });
  return { op, write, head, token };
}

function parseAction(
  action: string | undefined,
  params: Params,
  postedValue: string | undefined,
  isPost: boolean,
  limits: ApiLimits,
): Operation | ApiError {
  if (action === undefined || action === '') {
    // A key or value with no action is a request gone wrong (often the action written as a path, /set?key=..),
    // not a visit to the page: answering with the page would look like success and set nothing.
    if (params.has('key') || params.has('value'))
      return new ApiError(
        400,
        `no action given: add action=set, get or unset (e.g. ?action=get&key=K); the path is not read, only ?action=`,
      );
    const after = cursorParam(params);
    if (after instanceof ApiError) return after;
    return { kind: 'page', after };
  }
  const format = params.get('format');
  const html = format === 'html';
  switch (action) {
    case 'get': {
      const key = checkKey(params.get('key'), false);
      if (key instanceof ApiError) return key;
      const bad = checkFormat(format, ['html']);
      if (bad) return bad;
      return { kind: 'get', key, rest: false, html };
    }
    case 'set': {
      const key = checkKey(params.get('key'), false);
      if (key instanceof ApiError) return key;
      const bad = checkFormat(format, ['html']);
      if (bad) return bad;
      let value = params.get('value');
      if (postedValue !== undefined) {
        if (value !== undefined)
          return new ApiError(400, 'the value is given twice (value= and the POST body): give it once');
        value = postedValue;
      }
      if (value === undefined) {
        // An empty POST body is an empty value; a GET must say value= explicitly.
        if (!isPost)
          return new ApiError(400, 'missing value parameter: add &value=<value> (or POST the value)');
        value = '';
      }
      const checked = checkValue(value, limits);
      if (checked instanceof ApiError) return checked;
      const ifVersion = wholeNumber(params, 'ifVersion');
      if (ifVersion instanceof ApiError) return ifVersion;
      const ttlSeconds = seconds(params, 'ttl', 0.001, MAX_TTL_S);
      if (ttlSeconds instanceof ApiError) return ttlSeconds;
      return { kind: 'set', key, value, ifVersion, ttlSeconds, rest: false, html };
    }
    case 'unset': {
      const key = checkKey(params.get('key'), false);
      if (key instanceof ApiError) return key;
      const bad = checkFormat(format, ['html']);
      if (bad) return bad;
      const ifVersion = wholeNumber(params, 'ifVersion');
      if (ifVersion instanceof ApiError) return ifVersion;
      return { kind: 'unset', key, ifVersion, rest: false, html };
    }
    case 'keys':
      return { kind: 'keys' };
    case 'clear':
      return { kind: 'clear' };
    case 'revision':
      return { kind: 'revision' };
    case 'list': {
      const bad = checkFormat(format, ['json']);
      if (bad) return bad;
      const limit = wholeNumber(params, 'limit');
      if (limit instanceof ApiError) return limit;
      if (limit !== undefined && (limit < 1 || limit > MAX_LIST_LIMIT))
        return new ApiError(400, `limit=${limit} is out of range: give 1 to ${MAX_LIST_LIMIT}`);
      const after = cursorParam(params);
      if (after instanceof ApiError) return after;
      return { kind: 'list', prefix: params.get('prefix') ?? '', limit: limit ?? DEFAULT_LIST_LIMIT, after };
    }
    case 'watch': {
      const key = params.get('key');
      const prefix = params.get('prefix');
      if (key !== undefined && prefix !== undefined)
        return new ApiError(400, 'watch takes key or prefix, not both');
      if (key === undefined && prefix === undefined)
        return new ApiError(400, 'watch needs key=<key> or prefix=<prefix> (prefix= watches every key)');
      if (key !== undefined) {
        const checked = checkKey(key, false);
        if (checked instanceof ApiError) return checked;
      }
      const after = wholeNumber(params, 'after');
      if (after instanceof ApiError) return after;
      const timeoutSeconds = seconds(params, 'timeout', 0, MAX_WATCH_TIMEOUT_S);
      if (timeoutSeconds instanceof ApiError) return timeoutSeconds;
      return {
        kind: 'watch',
        match: key !== undefined ? { key } : { prefix: prefix! },
        after,
        timeoutSeconds: timeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_S,
      };
    }
    default:
      return new ApiError(400, `unknown action "${truncate(action)}": use one of ${ACTIONS.join(', ')}`);
  }
}

function cursorParam(params: Params): string | undefined | ApiError {
  const cursor = params.get('cursor');
  if (cursor === undefined || cursor === '' || cursor === 'null') return undefined;
  return (
    decodeCursor(cursor) ??
    new ApiError(400, 'the cursor is not one this store gave out: pass the cursor from the last list')
  );
}

function checkFormat(format: string | undefined, allowed: string[]): ApiError | undefined {
  if (format === undefined || allowed.includes(format)) return undefined;
  return new ApiError(400, `format=${truncate(format)} is not supported here: use ${allowed.join(' or ')}`);
}

function parseRest(
  req: ApiRequest,
  params: Params,
  head: boolean,
  limits: ApiLimits,
): ParsedRequest | ApiError {
  const rawKey = rawBytesToText(req.path.slice('/kv/'.length));
  const decoded = rawKey === undefined ? undefined : decodeComponent(rawKey, false);
  if (decoded === undefined)
    return new ApiError(
      400,
      'bad percent-encoding in the key: encode it as UTF-8 %XX escapes (a literal % is %25)',
    );
  const key = checkKey(decoded === '' ? undefined : decoded, true);
  if (key instanceof ApiError) return key;
  const token = params.get('token') ?? bearerToken(req.authorization);
  const ifVersion = wholeNumber(params, 'ifVersion');
  if (ifVersion instanceof ApiError) return ifVersion;
  switch (req.method) {
    case 'GET':
    case 'HEAD':
      return { op: { kind: 'get', key, rest: true, html: false }, write: false, head, token };
    case 'PUT': {
      const value = req.body ? bodyText(req.body) : '';
      if (value instanceof ApiError) return value;
      const checked = checkValue(value, limits);
      if (checked instanceof ApiError) return checked;
      const ttlSeconds = seconds(params, 'ttl', 0.001, MAX_TTL_S);
      if (ttlSeconds instanceof ApiError) return ttlSeconds;
      return {
        op: { kind: 'set', key, value, ifVersion, ttlSeconds, rest: true, html: false },
        write: true,
        head,
        token,
      };
    }
    case 'DELETE':
      return { op: { kind: 'unset', key, ifVersion, rest: true, html: false }, write: true, head, token };
    default:
      return new ApiError(405, `${req.method} is not allowed on /kv/<key>: use GET, HEAD, PUT or DELETE`, {
        Allow: 'GET, HEAD, PUT, DELETE',
      });
  }
}
