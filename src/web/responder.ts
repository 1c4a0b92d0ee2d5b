// Answers one request for a file: decides with plan.ts, then sends the decision over node:http or, for HTTP/0.9,
// straight down the socket. Connection handling is intake.ts's; this part only answers.
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log.js';
import type { SmallFileCache } from './file-cache.js';
import { lookup, type SmallFile } from './files.js';
import { errorResponse, planFound, planTarget, type RequestConditions, type ResponsePlan } from './plan.js';
import { finishAndClose, SERVER_HEADER } from './raw-answer.js';
import type { LogRequest } from './request-log.js';

/** A header as one string (node:http joins repeated ones with ", ", which no range or date parses). */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

interface Decision {
  plan: ResponsePlan;
  /** The found file, open, when the plan sends (part of) it. */
  file?: { handle: FileHandle; start: number; end: number };
}

export class Responder {
  constructor(
    private readonly root: string,
    private readonly maxListingEntries: number,
    private readonly cache: SmallFileCache<SmallFile>,
    private readonly logRequest: LogRequest,
    private readonly logger: Logger,
  ) {}

  private async decide(method: string, target: string, conditions: RequestConditions): Promise<Decision> {
    const first = planTarget(method, target);
    if (first.kind === 'respond') return { plan: first.plan };
    const found = await lookup(this.root, first.segments, first.trailingSlash, {
      maxListingEntries: this.maxListingEntries,
      cache: this.cache,
    });
    const plan = planFound(first, found, conditions);
    if (found.kind === 'file' && found.source.kind === 'handle') {
      if (plan.body.kind === 'file') return { plan, file: { handle: found.source.handle, ...plan.body } };
      await found.source.handle.close();
    }
    return { plan };
  }

  private async decideSafely(
    method: string,
    target: string,
    conditions: RequestConditions,
  ): Promise<Decision> {
    try {
      return await this.decide(method, target, conditions);
    } catch (err) {
      this.logger.error({ err }, 'cannot answer a request');
      return { plan: errorResponse(500, 'The server could not read this file.') };
    }
  }

  async answerHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const fields = { method, path: target, version: req.httpVersion, remote: req.socket.remoteAddress };
    // node:http would refuse this with a bare 400 and an empty body; a person typing HTTP/1.1 by hand deserves
    // to learn why.
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      const plan = errorResponse(
        400,
        'HTTP/1.1 requests need a Host header: add a line such as "Host: 127.0.0.1", or ask with HTTP/1.0.',
      );
      res.writeHead(plan.status, { Server: SERVER_HEADER, ...plan.headers, Connection: 'close' });
      res.end(plan.body.kind === 'bytes' ? plan.body.bytes : undefined);
      this.logRequest(fields, plan, 0, startedAt);
      return;
    }
    const { plan, file } = await this.decideSafely(method, target, {
      ifModifiedSince: req.headers['if-modified-since'],
      // A range is for a plain GET; on HEAD too (RFC 9110 allows either) it shows what GET would send.
      range: req.headers.range,
      ifRange: header(req, 'if-range'),
    });
    // An error answer may leave a request body unread; closing is simpler and safer than draining it.
    const headers: Record<string, string> = { Server: SERVER_HEADER, ...plan.headers };
    if (plan.status === 405 || plan.status === 400) headers.Connection = 'close';
    if (plan.status < 300) headers['X-Content-Type-Options'] = 'nosniff';
    if (res.destroyed) {
      await file?.handle.close();
      return;
    }
    res.writeHead(plan.status, headers);
    if (method === 'HEAD' || plan.body.kind === 'none') {
      await file?.handle.close();
      res.end();
      this.logRequest(fields, plan, 0, startedAt);
      return;
    }
    if (plan.body.kind === 'bytes') {
      res.end(plan.body.bytes);
      this.logRequest(fields, plan, plan.body.bytes.length, startedAt);
      return;
    }
    if (!file) throw new Error('a file body was planned without an open file');
    const stream = file.handle.createReadStream({ start: file.start, end: file.end });
    try {
      await pipeline(stream, res);
      this.logRequest(fields, plan, file.end - file.start + 1, startedAt);
    } catch {
      this.logRequest(fields, plan, res.socket?.bytesWritten ?? 0, startedAt, true);
    }
  }

  async answerHttp09(socket: Socket, target: string): Promise<void> {
    const startedAt = performance.now();
    const { plan, file } = await this.decideSafely('GET', target, {});
    const fields = { method: 'GET', path: target, version: '0.9', remote: socket.remoteAddress };
    if (socket.destroyed) {
      await file?.handle.close();
      return;
    }
    // HTTP/0.9 has no status line and no headers: the answer is the document alone (or the error page).
    if (plan.body.kind === 'bytes') {
      socket.write(plan.body.bytes);
      this.logRequest(fields, plan, plan.body.bytes.length, startedAt);
    } else if (plan.body.kind === 'file' && file) {
      const stream = file.handle.createReadStream({ start: file.start, end: file.end });
      try {
        await pipeline(stream, socket, { end: false });
        this.logRequest(fields, plan, file.end - file.start + 1, startedAt);
      } catch {
        this.logRequest(fields, plan, 0, startedAt, true);
      }
    } else {
      this.logRequest(fields, plan, 0, startedAt);
    }
    if (!socket.destroyed) finishAndClose(socket);
  }
}
