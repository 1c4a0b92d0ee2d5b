// Which web pages may change the store. A browser sends any page's GETs and form POSTs to any address (an <img> or
// a hidden form is enough), so without this any site the user visits could write to a store on 127.0.0.1. Browsers
// label such requests (Sec-Fetch-Site, Origin); curl, scripts and StoreClient send neither and are not affected.
import { ApiError } from './api.js';

export interface RequestOrigin {
  /** The Sec-Fetch-Site header: same-origin, same-site, cross-site or none (typed in the address bar). */
  secFetchSite?: string;
  origin?: string;
  /** The Host header, which names the store's own origin as the browser reached it. */
  host?: string;
}

/** Origins allowed to write besides the store's own page (from --allow-origin); '*' allows every page. */
export type AllowedOrigins = ReadonlySet<string>;

/**
 * Undefined when a state-changing request may go ahead, else the 403 to answer. `same-site` is refused as well as
 * `cross-site`: a site ignores the port, so every other web app on localhost is "same-site" with a store there.
 */
export function refuseForeignWrite(request: RequestOrigin, allowed: AllowedOrigins): ApiError | undefined {
  if (allowed.has('*')) return undefined;
  const origin = request.origin?.toLowerCase();
  if (origin !== undefined) {
    const own = request.host !== undefined ? `http://${request.host.toLowerCase()}` : undefined;
    if (origin === own || allowed.has(origin)) return undefined;
    return refusal(`Origin: ${request.origin}`, request.origin!);
  }
  // A GET from an <img> carries no Origin, only the browser's label.
  const site = request.secFetchSite?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site') return refusal(`Sec-Fetch-Site: ${site}`, "'*'");
  return undefined;
}

function refusal(evidence: string, allow: string): ApiError {
  return new ApiError(
    403,
    `refused: this write comes from another web page (${evidence}) and the store takes writes only from its own page and from programs; to allow it, start the store with --allow-origin ${allow}`,
  );
}

/** Normalises --allow-origin values: scheme://host[:port], lower case, no path; '*' stays '*'. */
export function parseAllowedOrigin(value: string): string {
  if (value === '*') return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `"${value}" is not an origin: give it as scheme://host[:port], e.g. http://localhost:3000`,
    );
  }
  if (url.origin === 'null' || (url.pathname !== '/' && url.pathname !== ''))
    throw new Error(`"${value}" is not an origin: give it as scheme://host[:port], without a path`);
  return url.origin.toLowerCase();
}
