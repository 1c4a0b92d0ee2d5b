// What a failed socket's error code means, in words a person can act on: one table for every client plainwire
// has (the line clients, the store client, the browser's fetcher names its own errors by class).

/** Each code's meaning, and what to check (shown by the clients that talk to any server). */
const WORDS: Record<string, [words: string, check?: string]> = {
  ECONNREFUSED: ['connection refused', 'is the server running?'],
  ECONNRESET: ['connection reset by the server'],
  ECONNABORTED: ['connection aborted'],
  EPIPE: ['connection closed while sending'],
  ETIMEDOUT: ['timed out', 'is the host reachable?'],
  EHOSTUNREACH: ['host unreachable', 'check the address and your network'],
  ENETUNREACH: ['network unreachable', 'check the address and your network'],
  ENOTFOUND: ['unknown host', 'check the name'],
  EAI_AGAIN: ['host name lookup failed', 'check the name and your network'],
  EADDRNOTAVAIL: ['address not available', 'check the host'],
};

/**
 * The words for a socket error code ("connection refused"), with what to check when `check` is set
 * ("connection refused (is the server running?)"); undefined for a code that is not about reaching a peer.
 */
export function describeSocketError(
  code: string | undefined,
  options: { check?: boolean } = {},
): string | undefined {
  const entry = code === undefined ? undefined : WORDS[code];
  if (!entry) return undefined;
  const [words, check] = entry;
  return options.check && check ? `${words} (${check})` : words;
}
