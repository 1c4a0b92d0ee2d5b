// How much the static server accepts and for how long: the numbers behind its defences against slow and greedy
// clients, set by serve's flags.

export interface ServeLimits {
  /** Longest first line (request line) accepted, in bytes; longer gets 414. */
  maxRequestLineBytes: number;
  /** Largest header block node:http accepts; larger gets 431. */
  maxHeaderBytes: number;
  /**
   * Time to send a request's whole head (its line and headers), counted from the connection (or, on a kept-alive
   * connection, from the start of the next request); a deadline, not an idle timer, so a client trickling a
   * byte at a time (slowloris) is closed too. A telnet user typing slowly may need more (--header-timeout).
   */
  headersTimeoutMs: number;
  /** Time for a whole request, headers and body. */
  requestTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /** How long an idle keep-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
  /**
   * Connections served at once. A newcomer past it takes the place of the connection that has waited longest
   * without a request in progress; only when all are being answered does it get a 503.
   */
  maxConnections: number;
  /** Entries shown in one directory listing. */
  maxListingEntries: number;
  /** Memory for small files kept between requests (0: read every file every time). */
  fileCacheBytes: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
  maxListingEntries: 10_000,
  fileCacheBytes: 32 * 1024 * 1024,
};
