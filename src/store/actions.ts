// The store's actions (`?action=NAME`), one entry each: how its parameters are read, whether it writes, what the
// docs say of it and how `plainwire kv` takes it. The request parser, the read/write split (token, cross-site
// check, HEAD), kv's operations and help, and the action table in docs/STORE-API.md (checked by a test) all come
// from here, so adding an action is one entry.
import { ApiError } from './api-error.js';
import {
  type ApiLimits,
  DEFAULT_LIST_LIMIT,
  DEFAULT_WATCH_TIMEOUT_S,
  MAX_LIST_LIMIT,
  MAX_TTL_S,
  MAX_WATCH_TIMEOUT_S,
  type Params,
  checkFormat,
  checkKey,
  checkValue,
  cursorParam,
  seconds,
  wholeNumber,
} from './api-params.js';
import type { Operation } from './api.js';

/** What an action's parser gets: the query (merged with a form body) and, for a raw POST body, its text. */
export interface ActionInput {
  params: Params;
  /** The raw POST body as text, when the body was not a form. */
  postedValue: string | undefined;
  isPost: boolean;
  limits: ApiLimits;
}

/** The options of `plainwire kv` an operation takes besides --json, --token, --timeout, --any-server. */
export type KvFlag = '--if-version' | '--ttl' | '--prefix' | '--after';

export interface StoreAction {
  readonly name: string;
  /** Changes the store: needs the token when one is set, refused from other web pages, never on HEAD. */
  readonly write: boolean;
  /** The docs' "parameters" and "answer" cells for it, as markdown. */
  readonly docs: { readonly params: string; readonly answer: string };
  /** How `plainwire kv URL NAME ARGS` takes it. */
  readonly kv: {
    /** Its arguments as the usage line shows them, e.g. "KEY VALUE|-". */
    readonly args: string;
    readonly minArgs: number;
    readonly maxArgs: number;
    readonly flags: readonly KvFlag[];
    /** Lines of `kv --help`, the first beside the usage. */
    readonly help: readonly string[];
  };
  parse(input: ActionInput): Operation | ApiError;
}

function keyed(params: Params, formats: string[]): { key: string; html: boolean } | ApiError {
  const key = checkKey(params.get('key'), false);
  if (key instanceof ApiError) return key;
  const format = params.get('format');
  return checkFormat(format, formats) ?? { key, html: format === 'html' };
}

export const STORE_ACTIONS = [
  {
    name: 'get',
    write: false,
    docs: {
      params: '`key`',
      answer:
        '200, the raw value as the body; a missing key gives an empty body (and `X-Plainwire-Version: 0`)',
    },
    kv: {
      args: 'KEY',
      minArgs: 1,
      maxArgs: 1,
      flags: [],
      help: ['print the value (raw); a missing key exits 1 with "no such key" on stderr'],
    },
    parse({ params }) {
      const checked = keyed(params, ['html']);
      if (checked instanceof ApiError) return checked;
      return { kind: 'get', key: checked.key, rest: false, html: checked.html };
    },
  },
  {
    name: 'set',
    write: true,
    docs: { params: '`key`, `value`, optional `ifVersion`, `ttl`', answer: '200, empty body' },
    kv: {
      args: 'KEY VALUE|-',
      minArgs: 2,
      maxArgs: 2,
      flags: ['--if-version', '--ttl'],
      help: [
        'store VALUE ("-" reads it from stdin); prints the key\'s new version',
        '--if-version N: only if the key is at version N (0: only if absent)',
        '--ttl S: the key expires after S seconds',
      ],
    },
    parse({ params, postedValue, isPost, limits }) {
      const checked = keyed(params, ['html']);
      if (checked instanceof ApiError) return checked;
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
      const tooLarge = checkValue(value, limits);
      if (tooLarge instanceof ApiError) return tooLarge;
      const ifVersion = wholeNumber(params, 'ifVersion');
      if (ifVersion instanceof ApiError) return ifVersion;
      const ttlSeconds = seconds(params, 'ttl', 0.001, MAX_TTL_S);
      if (ttlSeconds instanceof ApiError) return ttlSeconds;
      return { kind: 'set', key: checked.key, value, ifVersion, ttlSeconds, rest: false, html: checked.html };
    },
  },
  {
    name: 'unset',
    write: true,
    docs: {
      params: '`key`, optional `ifVersion`',
      answer: '200, empty body (also when the key was missing)',
    },
    kv: {
      args: 'KEY',
      minArgs: 1,
      maxArgs: 1,
      flags: ['--if-version'],
      help: ['remove the key (fine if absent); --if-version N: only if it is at version N'],
    },
    parse({ params }) {
      const checked = keyed(params, ['html']);
      if (checked instanceof ApiError) return checked;
      const ifVersion = wholeNumber(params, 'ifVersion');
      if (ifVersion instanceof ApiError) return ifVersion;
      return { kind: 'unset', key: checked.key, ifVersion, rest: false, html: checked.html };
    },
  },
  {
    name: 'keys',
    write: false,
    docs: { params: '', answer: '200, every key followed by `\\n`, in key order, streamed (see below)' },
    kv: { args: '', minArgs: 0, maxArgs: 0, flags: [], help: ['every key, one per line'] },
    parse: () => ({ kind: 'keys' }),
  },
  {
    name: 'clear',
    write: true,
    docs: { params: '', answer: '200, empty body: every key is gone' },
    kv: { args: '', minArgs: 0, maxArgs: 0, flags: [], help: ['remove every key'] },
    parse: () => ({ kind: 'clear' }),
  },
  {
    name: 'list',
    write: false,
    docs: {
      params: '`prefix`, `format=json`, optional `limit`, `cursor`',
      answer: 'JSON, see [Listing](#listing)',
    },
    kv: {
      args: '[PREFIX]',
      minArgs: 0,
      maxArgs: 1,
      flags: ['--prefix'],
      help: ['"KEY<tab>VALUE" per line, sorted (\\n, \\t and \\\\ in them are escaped)'],
    },
    parse({ params }) {
      const bad = checkFormat(params.get('format'), ['json']);
      if (bad) return bad;
      const limit = wholeNumber(params, 'limit');
      if (limit instanceof ApiError) return limit;
      if (limit !== undefined && (limit < 1 || limit > MAX_LIST_LIMIT))
        return new ApiError(400, `limit=${limit} is out of range: give 1 to ${MAX_LIST_LIMIT}`);
      const after = cursorParam(params);
      if (after instanceof ApiError) return after;
      return { kind: 'list', prefix: params.get('prefix') ?? '', limit: limit ?? DEFAULT_LIST_LIMIT, after };
    },
  },
  {
    name: 'watch',
    write: false,
    docs: {
      params: '`key` or `prefix`, optional `after`, `timeout`',
      answer: 'JSON, see [Watching](#watching)',
    },
    kv: {
      args: '[KEY | --prefix P] [--after REV]',
      minArgs: 0,
      maxArgs: 1,
      flags: ['--prefix', '--after'],
      help: [
        'print each change as "REVISION<tab>TYPE<tab>KEY[<tab>VALUE]" until Ctrl-C;',
        'keeps retrying while the store restarts (or moves to the next node)',
      ],
    },
    parse({ params }) {
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
    },
  },
  {
    name: 'revision',
    write: false,
    docs: { params: '', answer: '`{"revision":R}`' },
    kv: { args: '', minArgs: 0, maxArgs: 0, flags: [], help: ["the store's current revision"] },
    parse: () => ({ kind: 'revision' }),
  },
] as const satisfies readonly StoreAction[];

export type ActionName = (typeof STORE_ACTIONS)[number]['name'];

/** Every action's name, in the table's order (the order error messages and help list them in). */
export const ACTION_NAMES: readonly ActionName[] = STORE_ACTIONS.map((action) => action.name);

const BY_NAME: ReadonlyMap<string, StoreAction> = new Map(
  STORE_ACTIONS.map((action) => [action.name, action]),
);

export function findAction(name: string): StoreAction | undefined {
  return BY_NAME.get(name);
}

/** Whether an operation changes the store (REST PUT and DELETE are a set and an unset). */
export function isWrite(kind: Operation['kind']): boolean {
  return BY_NAME.get(kind)?.write === true;
}
