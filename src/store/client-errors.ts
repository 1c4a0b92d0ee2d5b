// The errors StoreClient throws, and how an HTTP answer or a socket failure maps onto them.
// Callers branch on the class (or its stable `code`), never on message text.
import { sanitizeLine } from '../text/sanitize.js';
import { describeSocketError } from '../text/socket-errors.js';
import { codeForStatus } from './status-codes.js';

export class StoreError extends Error {
  readonly code: string;
  readonly status?: number;

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

function conflictMessage(key: string, expected: number, actual: number): string {
  const has = Number.isNaN(actual)
    ? 'the store did not say which version it has'
    : `the store has ${actual === 0 ? 'no such key' : `version ${actual}`}`;
  return `version conflict on "${key}": expected version ${expected}, ${has}`;
}

/** A compare-and-set (`ifVersion`) found the key at another version; `actual` is 0 when the key is absent. */
export class VersionConflictError extends StoreError {
  readonly key: string;
  readonly expected: number;
  readonly actual: number;

  constructor(key: string, expected: number, actual: number, message?: string) {
    super('VERSION_CONFLICT', message || conflictMessage(key, expected, actual), 409);
    this.name = 'VersionConflictError';
    this.key = key;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The store could not be reached or did not answer in time: refused, reset, timed out, or 503. */
export class StoreUnavailableError extends StoreError {
  /**
   * Whether the store may have carried out the request: false when it cannot have (the connection was never
   * made, or the store answered 503, which it does before doing anything), true when the connection failed
   * after the request went out. A write with this true must not be sent again blindly.
   */
  readonly maybeApplied: boolean;

  constructor(message: string, status?: number, options: { maybeApplied?: boolean; code?: string } = {}) {
    super(options.code ?? 'UNAVAILABLE', message, status);
    this.name = 'StoreUnavailableError';
    this.maybeApplied = options.maybeApplied ?? status !== 503;
  }
}

/**
 * A write whose connection broke after it was sent, which the client could not settle by reading the key back:
 * the store may or may not have applied it. A StoreUnavailableError too (the store went away), but unlike a
 * plain one it is not safe to retry as it is: read the key and decide.
 */
export class WriteOutcomeUnknownError extends StoreUnavailableError {
  readonly operation: 'set' | 'unset' | 'clear';
  readonly key: string | undefined;

  constructor(
    operation: 'set' | 'unset' | 'clear',
    key: string | undefined,
    failure: StoreUnavailableError,
    guard: string,
  ) {
    const what = key === undefined ? operation : `${operation} of "${key}"${guard}`;
    super(
      `the ${what} may or may not have been applied: ${failure.message}; ${
        key === undefined ? 'list the keys' : 'read the key'
      } to see, then decide whether to write again`,
      failure.status,
      { maybeApplied: true, code: 'OUTCOME_UNKNOWN' },
    );
    this.name = 'WriteOutcomeUnknownError';
    this.operation = operation;
    this.key = key;
    this.cause = failure;
  }
}

/** A watch asked for changes older than the store still keeps (410): re-list, then watch from that revision. */
export class CompactedError extends StoreError {
  constructor(message: string) {
    super('COMPACTED', message, 410);
    this.name = 'CompactedError';
  }
}

/**
 * The server at the URL answered, but not as a plainwire store: no X-Plainwire-Revision header, which every
 * answer of the store carries. A static web server, a proxy's page or a portal answering 200 to everything
 * would otherwise make a set look like a success.
 */
export class NotAStoreError extends StoreError {
  /** `status` is the answer's HTTP status; undefined when the answer was not HTTP at all (chat-server, say). */
  constructor(url: string, status: number | undefined) {
    const why = status === undefined ? 'its answer is not HTTP' : 'no X-Plainwire-Revision header';
    super('NOT_A_STORE', `${url} is not a plainwire store (${why}; is the URL right?)`, status);
    this.name = 'NotAStoreError';
  }
}

/** The longest server explanation kept in an error message: the body is meant to be one line. */
const MAX_EXPLANATION_CHARS = 500;

/**
 * The first line of a server's error body, bounded and without control sequences, so a hostile or broken
 * server can neither flood a message nor reach a terminal through a program that prints it.
 */
export function explanationOf(body: string): string {
  const line = sanitizeLine(body.trim().split('\n', 1)[0] ?? '').trim();
  return line.length > MAX_EXPLANATION_CHARS ? `${line.slice(0, MAX_EXPLANATION_CHARS)}...` : line;
}

export interface FailedAnswer {
  status: number;
  body: string;
  /** X-Plainwire-Version of the answer, when present. */
  version?: number;
}

/**
 * The error for a non-2xx answer. `key` and `expected` describe the request that failed, so a 409 can say
 * which compare-and-set lost.
 */
export function errorForAnswer(
  answer: FailedAnswer,
  request: { key?: string; expected?: number },
): StoreError {
  const { status } = answer;
  const explanation = explanationOf(answer.body);
  // Only a compare-and-set can conflict; a 409 to anything else is a broken server's answer, not a lost race.
  if (status === 409 && request.expected !== undefined) {
    return new VersionConflictError(
      request.key ?? '',
      request.expected,
      answer.version ?? Number.NaN,
      explanation || undefined,
    );
  }
  if (status === 410) return new CompactedError(explanation || 'the store no longer keeps those changes');
  if (status === 502 || status === 503 || status === 504) {
    return new StoreUnavailableError(explanation || `the store answered ${status}`, status);
  }
  // A 409 to anything but a compare-and-set has no meaning the client knows.
  const code = status === 409 ? 'HTTP_ERROR' : codeForStatus(status);
  return new StoreError(code, explanation || `the store answered ${status}`, status);
}

/** Error codes of failures that mean "the store is not there (now)", as opposed to a programming error. */
export function isUnreachableCode(code: string | undefined): boolean {
  return describeSocketError(code) !== undefined || code === 'UND_ERR_SOCKET';
}

/**
 * A socket-level failure as a StoreUnavailableError naming the store: "cannot reach URL: connection refused".
 * `maybeApplied`: whether the connection was up, so the request may have gone out.
 */
export function unavailableFromSocketError(
  err: unknown,
  where: string,
  maybeApplied = true,
): StoreUnavailableError {
  const code = (err as { code?: string } | undefined)?.code;
  const words =
    describeSocketError(code) ||
    (err instanceof Error && err.message === 'socket hang up'
      ? 'connection closed before an answer'
      : undefined) ||
    (err instanceof Error ? err.message : String(err));
  const error = new StoreUnavailableError(`cannot reach ${where}: ${words}`, undefined, { maybeApplied });
  if (err instanceof Error) error.cause = err;
  return error;
}
