// The pieces of a store request's parameters, as pure functions: strict percent-decoding, the query and form
// parser, and the checks of keys, values, numbers and cursors that every action shares (actions.ts, api.ts).
import { ApiError } from './api-error.js';

export const MAX_KEY_BYTES = 1024;
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10_000;
export const DEFAULT_WATCH_TIMEOUT_S = 30;
export const MAX_WATCH_TIMEOUT_S = 300;
/** Ten years: a longer lease is a typo, not a lease. */
export const MAX_TTL_S = 10 * 365 * 24 * 3600;

export interface ApiLimits {
  maxValueBytes: number;
}

export const utf8 = new TextDecoder('utf-8', { fatal: true });

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
export function rawBytesToText(raw: string): string | undefined {
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

export function truncate(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}

export function isFormBody(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

export function bodyText(body: Buffer): string | ApiError {
  try {
    return utf8.decode(body);
  } catch {
    return new ApiError(400, 'the request body is not valid UTF-8: values are UTF-8 text');
  }
}

export function checkKey(key: string | undefined, rest: boolean): string | ApiError {
  if (key === undefined)
    return new ApiError(400, rest ? 'missing key: use /kv/<key>' : 'missing key parameter: add &key=<key>');
  if (key === '') return new ApiError(400, 'the key is empty: keys are 1 to 1024 bytes of UTF-8');
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_KEY_BYTES)
    return new ApiError(413, `the key is ${bytes} bytes: keys are limited to ${MAX_KEY_BYTES} bytes`);
  return key;
}

export function checkValue(value: string, limits: ApiLimits): string | ApiError {
  const bytes = Buffer.byteLength(value);
  if (bytes > limits.maxValueBytes)
    return new ApiError(
      413,
      `the value is ${bytes} bytes: values are limited to ${limits.maxValueBytes} bytes (the store's --max-value)`,
    );
  return value;
}

export function wholeNumber(params: Params, name: string): number | undefined | ApiError {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw))
    return new ApiError(
      400,
      `${name}=${truncate(raw)} is not a whole number: give ${name} as digits, e.g. ${name}=3`,
    );
  return Number(raw);
}

export function seconds(
  params: Params,
  name: string,
  min: number,
  max: number,
): number | undefined | ApiError {
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

export function cursorParam(params: Params): string | undefined | ApiError {
  const cursor = params.get('cursor');
  if (cursor === undefined || cursor === '' || cursor === 'null') return undefined;
  return (
    decodeCursor(cursor) ??
    new ApiError(400, 'the cursor is not one this store gave out: pass the cursor from the last list')
  );
}

export function checkFormat(format: string | undefined, allowed: string[]): ApiError | undefined {
  if (format === undefined || allowed.includes(format)) return undefined;
  return new ApiError(400, `format=${truncate(format)} is not supported here: use ${allowed.join(' or ')}`);
}
