// Links resolved against a page's base URL: by hand for the common simple forms, by new URL() otherwise.

export function resolveUrl(href: string, base: string): string | null {
  return resolveSimple(href, base) ?? resolveFull(href, base);
}

export function resolveFull(href: string, base: string): string | null {
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return null;
  }
}

// A big page has tens of thousands of links and new URL() is a full parse each time, so the common
// forms (`/path?q`, `dir/file.html#id`, `#id`) on an http(s) or file base are joined by hand. Only characters
// the URL parser copies unchanged are allowed (in a fragment too: `#` and `:` are not escaped there), and no
// dot segments, so the result is exactly what new URL() gives.
const SIMPLE_HREF = /^[A-Za-z0-9_~!*()+,;=&-][A-Za-z0-9_~!*()+,;=&/.?-]*(?:#[A-Za-z0-9_~!*()+,;=&/.?:#-]*)?$/;
// The same after the `/` of a path-absolute href (`//host` is not one).
const SIMPLE_PATH =
  /^\/[A-Za-z0-9_~!*()+,;=&-][A-Za-z0-9_~!*()+,;=&/.?-]*(?:#[A-Za-z0-9_~!*()+,;=&/.?:#-]*)?$/;
// A fragment alone (`#section`): the base without its own fragment, then this one.
const SIMPLE_FRAGMENT = /^#[A-Za-z0-9_~!*()+,;=&/.?:#-]*$/;
// (Also matches inside a fragment, where it would be harmless: such an href just takes new URL()'s path.)
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:[/?#]|$)/;
let simpleBase = '';
let simpleOrigin: string | null = null;
let simpleDir = '';
let simpleDocument = '';

/** The hand-joined URL, or null where new URL() must do it (exported for the tests). */
export function resolveSimple(href: string, base: string): string | null {
  if (base !== simpleBase) {
    simpleBase = base;
    simpleOrigin = null;
    try {
      const u = new URL(base);
      // Only a base new URL() leaves as it is, so that its text can be the prefix of the results.
      const special = u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'file:';
      // Credentials are not in u.host, and a file: drive letter survives a path-absolute href.
      if (u.href === base && special && !u.username && !u.password && !/^\/[A-Za-z][:|]/.test(u.pathname)) {
        simpleOrigin = `${u.protocol}//${u.host}`;
        simpleDir = simpleOrigin + u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1);
        // The first `#` of a serialised URL starts its fragment (one in the path or query is escaped).
        const hash = base.indexOf('#');
        simpleDocument = hash === -1 ? base : base.slice(0, hash);
      }
    } catch {}
  }
  if (simpleOrigin === null) return null;
  const first = href.charCodeAt(0);
  if (first === 35 /* # */) return SIMPLE_FRAGMENT.test(href) ? simpleDocument + href : null;
  if (first === 47 /* / */) {
    if (!SIMPLE_PATH.test(href) || DOT_SEGMENT.test(href)) return null;
    return simpleOrigin + href;
  }
  if (!SIMPLE_HREF.test(href) || DOT_SEGMENT.test(href)) return null;
  return simpleDir + href;
}
