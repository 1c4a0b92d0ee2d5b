// The line framework's errors: classes with stable codes (like ws's WS_ERR_*), so callers branch on `code`,
// never on message text.
import { formatHostPort } from '../text/host-port.js';
import { describeSocketError } from '../text/socket-errors.js';

export type LineErrorCode =
  | 'LINE_TOO_LONG'
  | 'LINE_HAS_NEWLINE'
  | 'NOT_CONNECTED'
  | 'ALREADY_CONNECTED'
  | 'CONNECT_FAILED'
  | 'CONNECT_TIMEOUT';

export class LineError extends Error {
  readonly code: LineErrorCode;

  constructor(code: LineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LineError';
    this.code = code;
  }
}

/** A peer sent more than `limit` bytes without a line end. */
export class LineTooLongError extends LineError {
  readonly limit: number;

  constructor(limit: number) {
    super('LINE_TOO_LONG', `lines are limited to ${limit} bytes`);
    this.name = 'LineTooLongError';
    this.limit = limit;
  }
}

/** Connecting failed; `reason` is short and human ("connection refused (is the server running?)"). */
export class LineConnectError extends LineError {
  readonly host: string;
  readonly port: number;
  readonly reason: string;
  /** The system error code when there is one (ECONNREFUSED, ENOTFOUND...). */
  readonly errno?: string;

  constructor(
    code: 'CONNECT_FAILED' | 'CONNECT_TIMEOUT',
    host: string,
    port: number,
    reason: string,
    options?: { cause?: unknown; errno?: string },
  ) {
    super(code, `cannot connect to ${formatHostPort(host, port)}: ${reason}`, { cause: options?.cause });
    this.name = 'LineConnectError';
    this.host = host;
    this.port = port;
    this.reason = reason;
    if (options?.errno !== undefined) this.errno = options.errno;
  }
}

/** What a failed connect means, in words a person can act on. */
export function describeConnectFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return describeSocketError(code, { check: true }) ?? (err as Error | undefined)?.message ?? String(err);
}

/** Why a socket went away, from its error: the disconnect reason the hooks see. */
export function reasonFromSocketError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'error';
}
