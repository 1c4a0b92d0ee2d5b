// The store's refusal of a request, as the pure request parser (api.ts) and the server return it: an HTTP
// status, a stable code and one line for a person, plus any headers the answer needs (Allow, Retry-After).
import { codeForStatus } from './status-codes.js';

export class ApiError extends Error {
  /** Stable, for programs: BAD_REQUEST, TOO_LARGE, UNAVAILABLE... (status-codes.ts), as the client's StoreError. */
  readonly code: string;

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    code: string = codeForStatus(status),
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}
