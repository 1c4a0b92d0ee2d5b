// The store's HTTP API as pure functions: a request's method, path, query, headers and body become an Operation or
// an ApiError (status, code, one line for a person). The actions themselves are the table in actions.ts; the
// shared parameter checks are in api-params.ts. No sockets here; server.ts does the I/O.
import { ACTION_NAMES, findAction, isWrite } from './actions.js';
import { ApiError } from './api-error.js';
import {
  type ApiLimits,
  type Params,
  bearerToken,
  bodyText,
  checkKey,
  checkValue,
  cursorParam,
  decodeComponent,
  isFormBody,
  parseParams,
  rawBytesToText,
  seconds,
  truncate,
  wholeNumber,
  MAX_TTL_S,
} from './api-params.js';
import type { ChangeMatch } from './engine.js';

export { ApiError } from './api-error.js';
export {
  type ApiLimits,
  type Params,
  DEFAULT_LIST_LIMIT,
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_WATCH_TIMEOUT_S,
  MAX_KEY_BYTES,
  MAX_LIST_LIMIT,
  MAX_TTL_S,
  MAX_WATCH_TIMEOUT_S,
  decodeComponent,
  decodeCursor,
  encodeCursor,
  parseParams,
} from './api-params.js';

/** The action names, in the table's order (actions.ts). */
export const ACTIONS = ACTION_NAMES;

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

/** How to send a value as raw bytes: said whenever a body was taken as a form but did not read as one. */
export const RAW_BODY_HINT =
  "to send the body as the raw value, add -H 'Content-Type: application/octet-stream' (or PUT it to /kv/<key>)";

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
  const write = isWrite(op.kind);
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
  const found = findAction(action);
  if (!found)
    return new ApiError(400, `unknown action "${truncate(action)}": use one of ${ACTION_NAMES.join(', ')}`);
  return found.parse({ params, postedValue, isPost, limits });
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
