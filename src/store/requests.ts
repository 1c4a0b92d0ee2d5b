// Request handling: an HTTP request -> its body (bounded) -> api.ts's Operation -> checks (origin, token, stopping)
// -> the engine -> the answer. The long-poll watch is in long-poll.ts, the answers' shape in responses.ts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, encodeCursor, type Operation, parseRequest } from './api.js';
import { type BodyLimits, MIN_DISCARD_BYTES, readBody } from './connections.js';
import type { Engine } from './engine.js';
import { answerWatch } from './long-poll.js';
import { type AllowedOrigins, refuseForeignWrite } from './origin.js';
import { PAGE_CSP, PAGE_ROWS, PAGE_SCRIPT_PATH, renderPage } from './page.js';
import { conflictMessage, HTML, JSON_TYPE, type Responder, TEXT } from './responses.js';
import type { WatchHub } from './watch.js';

/** Keys per batch of a keys listing: a batch is read and written in one turn of the event loop. */
const KEYS_BATCH = 1000;

export interface RequestHandlerOptions {
  engine: Engine;
  hub: WatchHub;
  responder: Responder;
  maxValueBytes: number;
  bodyIdleTimeoutMs: number;
  /** Writes (and with privateReads, reads) need it. */
  token?: string;
  privateReads: boolean;
  allowedOrigins: AllowedOrigins;
  isStopping(): boolean;
  /** Sends the live page's built script (page-script.ts). */
  sendPageScript(req: IncomingMessage, res: ServerResponse): void;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

type PageExtra = Partial<Parameters<typeof renderPage>[0]> & { after?: string };

export class RequestHandler {
  private readonly engine: Engine;
  private readonly responder: Responder;
  private readonly expectedToken: Buffer | undefined;
  private readonly privateReads: boolean;

  constructor(private readonly options: RequestHandlerOptions) {
    this.engine = options.engine;
    this.responder = options.responder;
    this.expectedToken = options.token !== undefined ? sha256(options.token) : undefined;
    this.privateReads = options.privateReads && this.expectedToken !== undefined;
  }

  /** How many body bytes a POST or PUT may carry: a form body percent-encodes, so up to three bytes per value byte. */
  bodyLimits(contentType: string | undefined): BodyLimits {
    const form = (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
    const maxBytes = form ? this.options.maxValueBytes * 3 + 8192 : this.options.maxValueBytes;
    return {
      maxBytes,
      discardBytes: Math.max(MIN_DISCARD_BYTES, 2 * maxBytes),
      idleTimeoutMs: this.options.bodyIdleTimeoutMs,
    };
  }

  tooLarge(): ApiError {
    return new ApiError(
      413,
      `the request body is over the limit: values are limited to ${this.options.maxValueBytes} bytes`,
      { Connection: 'close' },
    );
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    // Only without a query: the lab URL API answers on every path, this one too.
    if (path === PAGE_SCRIPT_PATH && query === '' && (req.method === 'GET' || req.method === 'HEAD'))
      return this.options.sendPageScript(req, res);
    let body: Buffer | undefined;
    if (req.method === 'POST' || req.method === 'PUT') {
      const read = await readBody(req, this.bodyLimits(req.headers['content-type']));
      if (read === 'too-large' || read === 'stalled') {
        // The body was drained as far as the discard bound, so the client reads this rather than a reset.
        res.shouldKeepAlive = false;
        return this.responder.sendError(
          res,
          read === 'too-large'
            ? this.tooLarge()
            : new ApiError(
                408,
                `the request body stalled (no byte for ${this.options.bodyIdleTimeoutMs / 1000} s): send it at once`,
                { Connection: 'close' },
              ),
        );
      }
      if (read === 'aborted') return;
      body = read;
    }
    const parsed = parseRequest(
      {
        method: req.method ?? 'GET',
        path,
        query,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body,
      },
      { maxValueBytes: this.options.maxValueBytes },
    );
    if (parsed instanceof ApiError) return this.responder.sendError(res, parsed, req.method === 'HEAD');
    if (parsed.write) {
      const foreign = refuseForeignWrite(
        {
          secFetchSite: req.headers['sec-fetch-site'] as string | undefined,
          origin: req.headers.origin,
          host: req.headers.host,
        },
        this.options.allowedOrigins,
      );
      if (foreign) return this.responder.sendError(res, foreign);
    }
    if ((parsed.write || this.privateReads) && !this.tokenAccepted(parsed.token)) {
      const what = parsed.write ? 'writing to this store' : 'this store';
      return this.responder.sendError(
        res,
        new ApiError(
          401,
          `${what} needs the store's token: send "Authorization: Bearer <token>" or add &token=<token>`,
          { 'WWW-Authenticate': 'Bearer realm="plainwire store"' },
        ),
        parsed.head,
      );
    }
    if (this.options.isStopping() && parsed.write)
      return this.responder.sendError(
        res,
        new ApiError(503, 'the store is stopping: retry in a moment', { 'Retry-After': '1' }),
      );
    await this.perform(parsed.op, path, parsed.head, req, res);
  }

  private tokenAccepted(given: string | undefined): boolean {
    if (!this.expectedToken) return true;
    // Hashing first gives equal lengths, which timingSafeEqual needs, and hides the token's length.
    return given !== undefined && timingSafeEqual(sha256(given), this.expectedToken);
  }

  private async perform(
    op: Operation,
    path: string,
    head: boolean,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { engine, responder } = this;
    switch (op.kind) {
      case 'page':
        return this.sendPage(res, path, head, { after: op.after });
      case 'get': {
        const read = await engine.get(op.key);
        const entry = read.entry;
        if (op.html)
          return this.sendPage(res, path, head, { shownValue: { key: op.key, value: entry?.value } });
        const headers = { 'X-Plainwire-Version': entry?.version ?? 0 };
        if (!entry && op.rest)
          return responder.send(res, 404, `no such key: ${JSON.stringify(op.key)}\n`, TEXT, {
            headers,
            head,
            read,
          });
        return responder.send(res, 200, entry?.value ?? '', TEXT, { headers, head, read });
      }
      case 'set': {
        const result = await engine.set(op.key, op.value, {
          ifVersion: op.ifVersion,
          ttlMs: op.ttlSeconds !== undefined ? Math.round(op.ttlSeconds * 1000) : undefined,
        });
        if (!result.ok) return this.conflict(res, op, result.version, path);
        if (op.html)
          return this.sendPage(res, path, head, { notice: `set ${op.key} (version ${result.version})` });
        return responder.send(res, 200, '', TEXT, { headers: { 'X-Plainwire-Version': result.version } });
      }
      case 'unset': {
        const result = await engine.unset(op.key, { ifVersion: op.ifVersion });
        if (!result.ok) return this.conflict(res, op, result.version, path);
        if (op.html) return this.sendPage(res, path, head, { notice: `unset ${op.key}` });
        return responder.send(res, 200, '', TEXT, { headers: { 'X-Plainwire-Version': 0 } });
      }
      case 'keys':
        return this.streamKeys(res, head);
      case 'clear':
        await engine.clear();
        return responder.send(res, 200, '', TEXT);
      case 'revision': {
        const read = await engine.revision();
        return responder.send(res, 200, JSON.stringify({ revision: read.revision }), JSON_TYPE, {
          head,
          read,
        });
      }
      case 'list': {
        const page = await engine.list({ prefix: op.prefix, after: op.after, limit: op.limit });
        const body = JSON.stringify({
          revision: page.revision,
          items: page.items.map((e) => ({
            key: e.key,
            value: e.value,
            version: e.version,
            ...(e.expiresAt !== undefined ? { ttlMs: Math.max(0, e.expiresAt - Date.now()) } : {}),
          })),
          cursor: page.next === null ? null : encodeCursor(page.next),
        });
        return responder.send(res, 200, body, JSON_TYPE, { head, read: page });
      }
      case 'watch':
        return answerWatch(
          { engine, hub: this.options.hub, responder, isStopping: this.options.isStopping },
          op,
          head,
          req,
          res,
        );
    }
  }

  private async sendPage(
    res: ServerResponse,
    path: string,
    head: boolean,
    extra: PageExtra = {},
    status = 200,
  ): Promise<void> {
    const [page, counted] = await Promise.all([
      this.engine.list({ after: extra.after, limit: PAGE_ROWS }),
      this.engine.count(),
    ]);
    const read = { revision: Math.max(page.revision, counted.revision), stale: page.stale || counted.stale };
    const body = renderPage({
      path,
      entries: page.items,
      total: counted.count,
      next: page.next === null ? null : encodeCursor(page.next),
      later: extra.after !== undefined,
      revision: this.responder.revisionFor({ read }),
      tokenField: this.expectedToken !== undefined,
      readTokenField: this.privateReads,
      ...extra,
    });
    this.responder.send(res, status, body, HTML, {
      headers: { 'Content-Security-Policy': PAGE_CSP },
      head,
      read,
    });
  }

  private async conflict(
    res: ServerResponse,
    op: { key: string; ifVersion?: number; html: boolean },
    actual: number,
    path: string,
  ): Promise<void> {
    const message = conflictMessage(op.key, op.ifVersion, actual);
    // A form on the page: the page again, current, with the conflict on top.
    if (op.html) return this.sendPage(res, path, false, { notice: message }, 409);
    this.responder.send(res, 409, `${message}\n`, TEXT, { headers: { 'X-Plainwire-Version': actual } });
  }

  /**
   * Every key, one per line, a batch at a time: between batches the event loop serves other clients, and a reader
   * that does not keep up pauses the listing (backpressure) instead of filling memory. A key changed during the
   * listing may or may not be in it; every key is listed at most once, in key order.
   */
  private async streamKeys(res: ServerResponse, head: boolean): Promise<void> {
    // The first batch is read before the answer starts, so an engine that cannot answer gets a proper error.
    let page = await this.engine.list({ limit: KEYS_BATCH });
    res.writeHead(200, this.responder.headers(TEXT, { read: page }));
    if (head) return void res.end();
    for (;;) {
      const text = page.items.map((e) => `${e.key}\n`).join('');
      if (res.destroyed) return;
      const flowing = text === '' || res.write(text);
      if (page.next === null) break;
      const after = page.next;
      if (!flowing && !(await drained(res))) return;
      // Always through the event loop: a write the socket took at once emits 'drain' on the next tick, and a chain
      // of ticks would never let the other clients' requests in.
      await new Promise((resolve) => setImmediate(resolve));
      page = await this.engine.list({ after, limit: KEYS_BATCH });
    }
    res.end();
  }
}

/** Resolves true once `res` can take more, false if the client went away first. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
