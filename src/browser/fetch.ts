// Fetches a page over http, https or file: redirects followed by hand (at most 10, loops detected), one deadline
// for the whole navigation, a body limit enforced while streaming, and the charset found the way browsers do.
// Failures are FetchError subclasses with one-line messages a person can act on.
import { type Dirent, readdir, readFile, type Stats, stat } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sanitizeLine, sanitizeText } from '../text/sanitize.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, MAX_REDIRECTS } from './limits.js';
import { escapeHtml } from '../text/html.js';

export { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, MAX_REDIRECTS };
const USER_AGENT = 'plainwire-browse/0.1 (text browser)';

export interface PageRequest {
  url: string;
  method?: 'GET' | 'POST';
  /** application/x-www-form-urlencoded body for POST. */
  body?: string;
}

export interface FetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
}

export interface FetchedPage {
  /** Final URL, after redirects. */
  url: string;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  /** MIME type without parameters, lower case ('' when the server sent none). */
  mimeType: string;
  /** The encoding the body was decoded with (a WHATWG encoding name). */
  charset: string;
  /** Where the charset came from: 'header', 'meta', 'bom' or 'default'. */
  charsetSource: 'header' | 'meta' | 'bom' | 'default';
  /** Set when a declared charset was unknown and UTF-8 was used instead. */
  charsetNote?: string;
  text: string;
  byteLength: number;
  /** Every URL that redirected, in order. */
  redirects: string[];
}

export type FetchErrorCode =
  | 'BAD_URL'
  | 'UNSUPPORTED_SCHEME'
  | 'DNS'
  | 'REFUSED'
  | 'TIMEOUT'
  | 'TOO_LARGE'
  | 'REDIRECT_LOOP'
  | 'TOO_MANY_REDIRECTS'
  | 'NETWORK'
  | 'FILE'
  | 'NOT_A_PAGE';

/** A navigation that produced no page. `message` is one line, already terminal-safe. */
export class FetchError extends Error {
  constructor(
    readonly code: FetchErrorCode,
    readonly url: string,
    message: string,
  ) {
    super(sanitizeLine(message));
    this.name = 'FetchError';
  }
}

export class BadUrlError extends FetchError {
  constructor(url: string, why = 'is not a valid URL') {
    super('BAD_URL', url, `"${url}" ${why}`);
  }
}
export class UnsupportedSchemeError extends FetchError {
  constructor(url: string, scheme: string) {
    super('UNSUPPORTED_SCHEME', url, `cannot open ${scheme} URLs (only http, https and file): ${url}`);
  }
}
export class DnsError extends FetchError {
  constructor(url: string, host: string) {
    super('DNS', url, `cannot find host "${host}" (DNS lookup failed; check the name): ${url}`);
  }
}
export class ConnectionRefusedError extends FetchError {
  constructor(url: string, hostPort: string) {
    super('REFUSED', url, `connection refused by ${hostPort} (is the server running?): ${url}`);
  }
}
export class TimeoutError extends FetchError {
  constructor(url: string, timeoutMs: number) {
    super(
      'TIMEOUT',
      url,
      `no complete answer within ${timeoutMs / 1000} s (use --timeout to wait longer): ${url}`,
    );
  }
}
export class TooLargeError extends FetchError {
  constructor(url: string, maxBytes: number) {
    super('TOO_LARGE', url, `page too large: over ${maxBytes} bytes (use --max-bytes to allow more): ${url}`);
  }
}
export class RedirectLoopError extends FetchError {
  constructor(url: string) {
    super('REDIRECT_LOOP', url, `redirect loop: ${url} redirects back to a page already visited`);
  }
}
export class TooManyRedirectsError extends FetchError {
  constructor(url: string, max: number) {
    super('TOO_MANY_REDIRECTS', url, `more than ${max} redirects, stopped at ${url}`);
  }
}
export class NetworkError extends FetchError {
  constructor(url: string, why: string) {
    super('NETWORK', url, `${why}: ${url}`);
  }
}
export class FileError extends FetchError {
  constructor(url: string, why: string) {
    super('FILE', url, `${why}: ${url}`);
  }
}
export class NotAPageError extends FetchError {
  constructor(url: string, mimeType: string, bytes: number) {
    super('NOT_A_PAGE', url, `${mimeType} is not a page plainwire can show (${bytes} bytes): ${url}`);
  }
}

/** Parses an absolute URL, or throws BadUrlError / UnsupportedSchemeError. */
export function parsePageUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadUrlError(raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'file:')
    throw new UnsupportedSchemeError(url.href, url.protocol.replace(/:$/, ''));
  return url;
}

function hostPort(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : `${url.hostname}:${url.protocol === 'https:' ? 443 : 80}`;
}

/** The error code behind an undici "fetch failed" (its cause, or the first of an AggregateError). */
function causeCode(err: unknown): string | undefined {
  let e = err as { cause?: unknown; code?: string; errors?: unknown[] } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string') return e.code;
    if (Array.isArray(e.errors) && e.errors.length > 0) e = e.errors[0] as typeof e;
    else e = e.cause as typeof e;
  }
  return undefined;
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function classify(err: unknown, url: URL, timeoutMs: number): FetchError {
  if (err instanceof FetchError) return err;
  if (isAbort(err)) return new TimeoutError(url.href, timeoutMs);
  const code = causeCode(err);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new DnsError(url.href, url.hostname);
    case 'ECONNREFUSED':
      return new ConnectionRefusedError(url.href, hostPort(url));
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return new NetworkError(
        url.href,
        `the connection to ${hostPort(url)} was closed before the answer ended`,
      );
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new TimeoutError(url.href, timeoutMs);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new NetworkError(url.href, `cannot reach ${hostPort(url)} (no route to host)`);
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_STATUS':
    case 'HPE_INVALID_HEADER_TOKEN':
      return new NetworkError(
        url.href,
        `${hostPort(url)} did not answer with HTTP/1.x (an HTTP/0.9 server?)`,
      );
  }
  if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
    return new NetworkError(url.href, `TLS certificate problem with ${url.hostname} (${code})`);
  const message = (err as Error | undefined)?.message ?? String(err);
  // fetch refuses the ports browsers block (1, 25, 6000, ...): say so rather than "fetch failed".
  if ((err as { cause?: { message?: string } })?.cause?.message === 'bad port')
    return new NetworkError(url.href, `port ${url.port} is one that browsers refuse to connect to`);
  return new NetworkError(url.href, code ? `network error (${code})` : `network error (${message})`);
}

/** Reads a body stream up to maxBytes; more than that cancels the stream and throws TooLargeError. */
async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  url: string,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new TooLargeError(url, maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Content-Type -> [mime type, charset parameter]. */
export function parseContentType(value: string | null | undefined): { mimeType: string; charset?: string } {
  if (!value) return { mimeType: '' };
  const [type, ...params] = value.split(';');
  let charset: string | undefined;
  for (const p of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(p);
    if (m?.[1]) charset = m[1];
  }
  return { mimeType: (type ?? '').trim().toLowerCase(), charset };
}

/** <meta charset> or <meta http-equiv="content-type" content="...; charset=..."> in the first 1024 bytes. */
export function sniffMetaCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString(
    'latin1',
  );
  const meta = /<meta\b[^>]*>/gi;
  for (let m = meta.exec(head); m; m = meta.exec(head)) {
    const c = /charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i.exec(m[0]);
    if (c?.[1]) return c[1];
  }
  return undefined;
}

export interface Decoded {
  text: string;
  charset: string;
  source: FetchedPage['charsetSource'];
  note?: string;
}

/** Decodes a body: BOM, then the Content-Type charset, then (for HTML) <meta>, then UTF-8. */
export function decodeBody(bytes: Uint8Array, contentType: string | null | undefined): Decoded {
  const { mimeType, charset } = parseContentType(contentType);
  let label: string | undefined;
  let source: Decoded['source'] = 'default';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) [label, source] = ['utf-8', 'bom'];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [label, source] = ['utf-16be', 'bom'];
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [label, source] = ['utf-16le', 'bom'];
  else if (charset) [label, source] = [charset, 'header'];
  else if (mimeType === '' || mimeType.includes('html')) {
    const meta = sniffMetaCharset(bytes);
    // A page cannot declare itself UTF-16 in ASCII-compatible bytes; the HTML spec says to read UTF-8 then.
    if (meta) [label, source] = [/^utf-?16/i.test(meta) ? 'utf-8' : meta, 'meta'];
  }
  // The global TextDecoder: importing node:util from an ES module loads every one of its lazy parts.
  let decoder: InstanceType<typeof TextDecoder>;
  let note: string | undefined;
  try {
    decoder = new TextDecoder(label ?? 'utf-8');
  } catch {
    note = `unknown charset "${sanitizeLine(label ?? '')}" (from the ${source === 'meta' ? '<meta> tag' : 'Content-Type header'}); decoded as UTF-8`;
    decoder = new TextDecoder('utf-8');
    source = 'default';
  }
  return { text: decoder.decode(bytes), charset: decoder.encoding, source, note };
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function mimeFromPath(path: string, bytes: Uint8Array): string {
  if (/\.(x?html?|xht)$/i.test(path)) return 'text/html';
  if (/\.(txt|text|md|json|css|js|mjs|ts|csv|xml|log|ini|toml|ya?ml|sh|py|c|h)$/i.test(path))
    return 'text/plain';
  const start = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 512)).toString(
    'latin1',
  );
  return /^\s*</.test(start) ? 'text/html' : 'text/plain';
}

async function fetchFile(url: URL, maxBytes: number): Promise<FetchedPage> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    throw new BadUrlError(url.href, 'is not a local file URL');
  }
  let bytes: Uint8Array;
  try {
    let info = await promised<Stats>((done) => stat(path, done));
    if (info.isDirectory()) {
      // Like a web server: the directory's index.html, else a listing. Its URL ends in '/' so that the
      // links inside resolve within it.
      if (!url.pathname.endsWith('/')) url = new URL(`${url.pathname}/${url.search}`, url);
      const index = join(path, 'index.html');
      try {
        info = await promised<Stats>((done) => stat(index, done));
        path = index;
      } catch {
        const html = await directoryListing(path, url);
        return fileAnswer(url, 'text/html', new TextEncoder().encode(html));
      }
    }
    if (info.size > maxBytes) throw new TooLargeError(url.href, maxBytes);
    bytes = await promised<Buffer>((done) => readFile(path, done));
  } catch (err) {
    if (err instanceof FetchError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileError(url.href, 'no such file');
    if (code === 'EACCES') throw new FileError(url.href, 'permission denied');
    throw new FileError(url.href, `cannot read the file (${code ?? String(err)})`);
  }
  if (bytes.byteLength > maxBytes) throw new TooLargeError(url.href, maxBytes);
  return fileAnswer(url, mimeFromPath(path, bytes), bytes);
}

/**
 * A callback of node:fs as a promise. Not node:fs/promises: loading it is a noticeable part of starting
 * `browse` on a small local page (docs/BROWSER.md, "Start-up").
 */
function promised<T>(
  call: (done: (err: NodeJS.ErrnoException | null, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value))));
}

async function directoryListing(path: string, url: URL): Promise<string> {
  const entries = await promised<Dirent[]>((done) => readdir(path, { withFileTypes: true }, done));
  const names = entries
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .sort()
    .slice(0, 10_000);
  const title = `Index of ${escapeHtml(decodeURIComponent(url.pathname))}`;
  const items = names.map(
    (n) =>
      `<li><a href="${escapeHtml(encodeURI(n).replace(/[?#]/g, encodeURIComponent))}">${escapeHtml(n)}</a></li>`,
  );
  return `<title>${title}</title><h1>${title}</h1><ul><li><a href="../">../</a> (parent directory)</li>${items.join('')}</ul>`;
}

function fileAnswer(url: URL, mimeType: string, bytes: Uint8Array): FetchedPage {
  const decoded = decodeBody(bytes, mimeType);
  return {
    url: url.href,
    status: 200,
    statusText: 'OK',
    headers: [],
    mimeType,
    charset: decoded.charset,
    charsetSource: decoded.source,
    charsetNote: decoded.note,
    text: decoded.text,
    byteLength: bytes.byteLength,
    redirects: [],
  };
}

const STALE_CONNECTION = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * fetch, with one retry of a GET whose connection broke before any answer: a kept-alive connection the server
 * closed just as it was reused. Browsers retry such idempotent requests too; a POST is never sent twice.
 */
async function requestOnce(url: URL, init: RequestInit & { method: string }): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (init.method !== 'GET' || init.signal?.aborted || !STALE_CONNECTION.has(causeCode(err) ?? ''))
      throw err;
    return fetch(url, init);
  }
}

/**
 * Fetches a page, following redirects. Resolves for every HTTP answer, error statuses included (the error
 * page is the body); rejects with a FetchError when there is no answer to show.
 */
export async function fetchPage(request: PageRequest, options: FetchOptions = {}): Promise<FetchedPage> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  let url = parsePageUrl(request.url);
  if (url.protocol === 'file:') return fetchFile(url, maxBytes);
  const signal = AbortSignal.timeout(timeoutMs);
  let method = request.method ?? 'GET';
  let body = request.body;
  const seen = new Set<string>([url.href]);
  const redirects: string[] = [];
  for (;;) {
    const current = url;
    try {
      const headers: Record<string, string> = {
        'user-agent': USER_AGENT,
        accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5',
      };
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await requestOnce(current, { method, headers, body, redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (REDIRECT_STATUSES.has(response.status) && location !== null) {
        await response.body?.cancel().catch(() => {});
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          throw new BadUrlError(location, `is not a valid redirect target (from ${current.href})`);
        }
        // A web page must not be able to send the browser to a local file.
        if (next.protocol !== 'http:' && next.protocol !== 'https:')
          throw new UnsupportedSchemeError(next.href, next.protocol.replace(/:$/, ''));
        redirects.push(current.href);
        if (seen.has(next.href)) throw new RedirectLoopError(next.href);
        if (redirects.length > maxRedirects) throw new TooManyRedirectsError(next.href, maxRedirects);
        seen.add(next.href);
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new TooLargeError(current.href, maxBytes);
      }
      const bytes = await readLimited(response.body, maxBytes, current.href);
      const contentType = response.headers.get('content-type');
      const decoded = decodeBody(bytes, contentType);
      const headerList: Array<[string, string]> = [];
      for (const [name, value] of response.headers) headerList.push([name, value]);
      return {
        url: current.href,
        status: response.status,
        statusText: response.statusText,
        headers: headerList,
        mimeType: parseContentType(contentType).mimeType,
        charset: decoded.charset,
        charsetSource: decoded.source,
        charsetNote: decoded.note,
        text: decoded.text,
        byteLength: bytes.byteLength,
        redirects,
      };
    } catch (err) {
      throw classify(err, current, timeoutMs);
    }
  }
}

export interface RawExchange {
  /** The request as sent, one line each (terminal-safe). */
  request: string[];
  /** Status line and header lines as received, original case (terminal-safe). */
  head: string[];
  /** The body decoded as text, sanitised (tabs and newlines kept). */
  body: string;
  status: number;
}

/**
 * One HTTP request with node:http, shown as on the wire (as the lab does with telnet): no redirects followed,
 * header names in the server's own case, the HTTP version the server answered with.
 */
export async function fetchRaw(rawUrl: string, options: FetchOptions = {}): Promise<RawExchange> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const url = parsePageUrl(rawUrl);
  if (url.protocol === 'file:') throw new FileError(url.href, '--raw shows an HTTP exchange; this is a file');
  // Loaded here, not at the top: node:https brings TLS and X.509 with it, start-up time every --dump pays.
  const { request: send } =
    url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const path = `${url.pathname}${url.search}`;
  const headers = { Host: url.host, 'User-Agent': USER_AGENT, Accept: '*/*', Connection: 'close' };
  const requestLines = [`GET ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise<RawExchange>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(classify(err, url, timeoutMs));
    };
    const req = send(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.byteLength;
        if (total > maxBytes) fail(new TooLargeError(url.href, maxBytes));
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const head = [`HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
          head.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        const decoded = decodeBody(Buffer.concat(chunks), res.headers['content-type']);
        resolve({
          request: requestLines.map(sanitizeLine),
          head: head.map(sanitizeLine),
          body: sanitizeText(decoded.text.replace(/\r\n?/g, '\n')),
          status: res.statusCode ?? 0,
        });
      });
    });
    const timer = setTimeout(
      () => fail(Object.assign(new Error('timeout'), { name: 'TimeoutError' })),
      timeoutMs,
    );
    req.on('error', fail);
    req.end();
  });
}
