// The store's HTTP statuses as stable error codes, one table for both sides: the server's ApiError and the
// client's StoreError carry the same code for the same refusal.

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'VERSION_CONFLICT',
  410: 'COMPACTED',
  413: 'TOO_LARGE',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
  503: 'UNAVAILABLE',
  507: 'DISK_FULL',
};

/** The code for a status: its own where the store gives that status a meaning, else a generic one. */
export function codeForStatus(status: number): string {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'SERVER_ERROR' : 'HTTP_ERROR');
}
