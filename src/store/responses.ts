// How the store answers over HTTP: every answer carries the store's revision (and says when a read may be stale),
// errors are one line for a person, and a stopping store asks clients to close their connection.
import type { ServerResponse } from 'node:http';
import { ApiError } from './api.js';
import { type Engine, EngineUnavailableError, EngineWriteError, type ReadInfo } from './engine.js';

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json';
export const HTML = 'text/html; charset=utf-8';
/** Set on a read answered by an etcd member that lost its quorum: it may miss acknowledged writes. */
export const STALE_HEADER = 'X-Plainwire-Stale';

export interface SendOptions {
  headers?: Record<string, string | number>;
  /** HEAD: the headers only. */
  head?: boolean;
  /** The read the answer shows: its revision and whether it may be stale. */
  read?: ReadInfo;
}

export class Responder {
  constructor(
    private readonly engine: Engine,
    private readonly stopping: () => boolean,
  ) {}

  /** The revision an answer carries: never behind what it shows (a version, or the read it came from). */
  revisionFor(options: SendOptions = {}): number {
    const version = Number(options.headers?.['X-Plainwire-Version'] ?? 0);
    return Math.max(this.engine.knownRevision, version, options.read?.revision ?? 0);
  }

  headers(contentType: string, options: SendOptions = {}, body?: string): Record<string, string | number> {
    const headers: Record<string, string | number> = {
      'Content-Type': contentType,
      ...(body !== undefined && { 'Content-Length': Buffer.byteLength(body) }),
      'X-Plainwire-Revision': this.revisionFor(options),
      ...options.headers,
    };
    if (options.read?.stale) headers[STALE_HEADER] = 'possible';
    if (this.stopping()) headers.Connection = 'close';
    return headers;
  }

  send(
    res: ServerResponse,
    status: number,
    body: string,
    contentType: string,
    options: SendOptions = {},
  ): void {
    res.writeHead(status, this.headers(contentType, options, body));
    res.end(options.head ? undefined : body);
  }

  sendError(res: ServerResponse, err: ApiError, head = false): void {
    this.send(res, err.status, `${err.message}\n`, TEXT, { headers: err.headers, head });
  }
}

/** What a compare-and-set refused says: the key's version now, the one asked for, and what to do. */
export function conflictMessage(key: string, expected: number | undefined, actual: number): string {
  const now = actual === 0 ? 'absent (version 0)' : `at version ${actual}`;
  return `version conflict: ${JSON.stringify(key)} is ${now}, not ${expected}: read it again and retry`;
}

/**
 * The answer to a request the engine failed: 507 for a full disk; for an unreachable cluster 503 when nothing was
 * done, 504 when a write was sent and not confirmed (it may still land: a client must not blindly send it again);
 * else 500.
 */
export function engineFailure(err: unknown): ApiError {
  // 507 Insufficient Storage (RFC 4918): the write was refused whole; once the disk has room it may be retried.
  if (err instanceof EngineWriteError) return new ApiError(507, err.message, { 'Retry-After': '10' });
  if (err instanceof EngineUnavailableError)
    return new ApiError(err.maybeApplied ? 504 : 503, err.message, { 'Retry-After': '2' });
  return new ApiError(500, `the store failed: ${(err as Error).message ?? err} (see the store's log)`);
}
