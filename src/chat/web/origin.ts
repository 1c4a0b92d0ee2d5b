// Which pages may open the chat's WebSocket: the server's own page, or origins the operator listed. A browser
// sends Origin with every WebSocket handshake, and any page on the web can try to open one to 127.0.0.1, so the
// check is what keeps other sites from speaking in the user's name.

/** A Host header made only of what a host and port may hold (it is echoed in the CSP header). */
const HOST_HEADER = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/i;

/** Host names that always mean this machine, so a DNS-rebinding name cannot pass as the page's own origin. */
function isLiteralOrLoopbackHost(hostHeader: string): boolean {
  const host = hostHeader.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host.includes(':')) return true;
  return /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/.test(host);
}

/** The Host header when it is well formed, lower-cased; undefined otherwise. */
export function cleanHostHeader(host: string | undefined): string | undefined {
  return host !== undefined && HOST_HEADER.test(host) ? host.toLowerCase() : undefined;
}

/** Normalises an origin given on the command line ("http://chat.example:8080/" -> "http://chat.example:8080"). */
export function normalizeOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new RangeError(`${JSON.stringify(origin)} is not an origin (write it as http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`${JSON.stringify(origin)} is not an http or https origin`);
  }
  return url.origin;
}

/**
 * True if a WebSocket handshake with this Origin may go on. Allowed: an origin listed by the operator; the
 * page's own origin (http://<Host>) when Host names this machine by address or as localhost; and no Origin at
 * all, which no browser omits (such a client could as well use the TCP port).
 */
export function isAllowedOrigin(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (origin === undefined) return true;
  const clean = origin.toLowerCase();
  if (allowed.has(clean)) return true;
  const host = cleanHostHeader(hostHeader);
  if (host === undefined || !isLiteralOrLoopbackHost(host)) return false;
  return clean === `http://${host}` || clean === `https://${host}`;
}
