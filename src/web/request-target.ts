// Turns the target of a request line ("/a%20b/c.html?x=1") into path segments that are safe to join to the
// served directory, or says why not. Pure: the file system's own check (symlinks) comes later, in files.ts.

export type RefusalReason = 'dot-segment' | 'hidden' | 'encoded-slash' | 'backslash' | 'nul';

export type RequestTarget =
  | {
      kind: 'path';
      /** Decoded path segments, never empty strings, never "." or "..". */
      segments: string[];
      /** The path ended in "/": it names a directory. */
      trailingSlash: boolean;
      /** "?..." as sent, with any byte outside printable ASCII %-escaped (safe in a Location header), or "". */
      query: string;
    }
  /** Not a usable target at all (bad percent-encoding, not starting with "/"): 400. */
  | { kind: 'bad'; detail: string }
  /** A well-formed target that tries to leave the directory or reach a hidden file: answered as missing. */
  | { kind: 'refused'; reason: RefusalReason };

/** Parses an origin-form ("/path?q") or absolute-form ("http://host/path") request target. */
export function parseRequestTarget(target: string): RequestTarget {
  // Raw bytes a telnet user typed ("/café.html", read as Latin-1 from the wire) become %-escapes first, so
  // that decoding below treats them as the UTF-8 a browser would have sent.
  let path = target.replace(/[^\x21-\x7e]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(c);
  });
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
  if (absolute) path = path.slice(absolute[0].length) || '/';
  if (!path.startsWith('/')) return { kind: 'bad', detail: 'the path must start with "/"' };
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);
  let query = '';
  const question = path.indexOf('?');
  if (question >= 0) {
    query = path.slice(question);
    path = path.slice(0, question);
  }
  // Some systems treat "\" as a separator, so a raw or encoded backslash is never part of a name we serve.
  if (path.includes('\\')) return { kind: 'refused', reason: 'backslash' };

  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let name: string;
    try {
      name = decodeURIComponent(raw);
    } catch {
      return { kind: 'bad', detail: 'the path has a broken %-escape' };
    }
    if (name.includes('\0')) return { kind: 'refused', reason: 'nul' };
    if (name.includes('/')) return { kind: 'refused', reason: 'encoded-slash' };
    if (name.includes('\\')) return { kind: 'refused', reason: 'backslash' };
    if (name === '.' || name === '..') return { kind: 'refused', reason: 'dot-segment' };
    // Dotfiles (.git, .env, .htpasswd) are often secrets that happen to sit in the served directory.
    if (name.startsWith('.')) return { kind: 'refused', reason: 'hidden' };
    segments.push(name);
  }
  return { kind: 'path', segments, trailingSlash: path.endsWith('/'), query };
}

/** The canonical URL path for segments: each one percent-encoded, so it is safe in a header and in HTML. */
export function formatUrlPath(segments: readonly string[], trailingSlash: boolean): string {
  if (segments.length === 0) return '/';
  return `/${segments.map(encodeURIComponent).join('/')}${trailingSlash ? '/' : ''}`;
}
