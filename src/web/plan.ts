// What to answer, decided without sockets: (method, target) -> either an answer at once or a path to look up,
// then (what the lookup found, If-Modified-Since) -> status, headers and body. The transport only carries it out.
import type { Found } from './files.js';
import { contentTypeFor } from './mime.js';
import { escapeHtml } from '../text/html.js';
import { errorPage, listingPage } from './pages.js';
import { chooseRange, rangeStillApplies } from './range.js';
import { formatUrlPath, parseRequestTarget } from './request-target.js';

export const ALLOWED_METHODS = 'GET, HEAD';

export type BodyPlan =
  | { kind: 'none' }
  | { kind: 'bytes'; bytes: Buffer }
  /** Stream bytes start..end (inclusive) of the found file; Content-Length already says how many. */
  | { kind: 'file'; start: number; end: number };

export interface ResponsePlan {
  status: number;
  headers: Record<string, string>;
  body: BodyPlan;
  /** Why, for the request log, when the status alone does not say it ("refused: dot-segment"). */
  note?: string;
}

export type TargetPlan =
  | { kind: 'respond'; plan: ResponsePlan }
  | { kind: 'lookup'; segments: string[]; trailingSlash: boolean; query: string };

function htmlResponse(status: number, html: string, extra: Record<string, string> = {}): ResponsePlan {
  const bytes = Buffer.from(html, 'utf8');
  return {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(bytes.length),
      ...extra,
    },
    body: { kind: 'bytes', bytes },
  };
}

/** An HTML error page with its status. */
export function errorResponse(status: number, detail: string, extra: Record<string, string> = {}) {
  return htmlResponse(status, errorPage(status, detail), extra);
}

const NOT_FOUND_DETAIL = 'There is no such file here. Check the address, or go to / for the list of files.';

/** First step: the method and the request target alone. */
export function planTarget(method: string, target: string): TargetPlan {
  if (method !== 'GET' && method !== 'HEAD') {
    const plan = errorResponse(
      405,
      `This server only serves files: ${method} is not allowed, use GET or HEAD.`,
      { Allow: ALLOWED_METHODS },
    );
    return { kind: 'respond', plan };
  }
  const parsed = parseRequestTarget(target);
  if (parsed.kind === 'bad') {
    return { kind: 'respond', plan: errorResponse(400, `Bad request: ${parsed.detail}.`) };
  }
  if (parsed.kind === 'refused') {
    // 404, not 403: an attempt to leave the directory learns nothing, not even that the path exists.
    const plan = { ...errorResponse(404, NOT_FOUND_DETAIL), note: `refused: ${parsed.reason}` };
    return { kind: 'respond', plan };
  }
  return {
    kind: 'lookup',
    segments: parsed.segments,
    trailingSlash: parsed.trailingSlash,
    query: parsed.query,
  };
}

/** HTTP dates have whole seconds; a file changed within the same second as the client's copy is not newer. */
function notModified(mtimeMs: number, ifModifiedSince: string | undefined): boolean {
  if (!ifModifiedSince) return false;
  const since = Date.parse(ifModifiedSince);
  if (Number.isNaN(since)) return false;
  return Math.floor(mtimeMs / 1000) <= Math.floor(since / 1000);
}

/** The request headers that change the answer for a file. */
export interface RequestConditions {
  ifModifiedSince?: string;
  range?: string;
  ifRange?: string;
}

/** Second step: what the lookup of the target's path found. */
export function planFound(
  target: { segments: readonly string[]; query: string },
  found: Found,
  conditions: RequestConditions = {},
): ResponsePlan {
  switch (found.kind) {
    case 'missing':
      return errorResponse(404, NOT_FOUND_DETAIL);
    case 'outside':
      return { ...errorResponse(404, NOT_FOUND_DETAIL), note: 'refused: symlink outside the directory' };
    case 'directory-without-slash': {
      // As SimpleHTTPServer does: relative links in the directory's index only resolve with the slash.
      const location = formatUrlPath(target.segments, true) + target.query;
      const html = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>301 Moved Permanently</title>
</head>
<body>
<h1>301 Moved Permanently</h1>
<p>This is a directory: its address ends in a slash, <a href="${escapeHtml(location)}">${escapeHtml(location)}</a>.</p>
</body>
</html>
`;
      return htmlResponse(301, html, { Location: location });
    }
    case 'listing': {
      const urlPath = target.segments.length === 0 ? '/' : `/${target.segments.join('/')}/`;
      return htmlResponse(200, listingPage(urlPath, found.entries, found.omitted));
    }
    case 'file': {
      const lastModified = new Date(Math.floor(found.mtimeMs / 1000) * 1000).toUTCString();
      if (notModified(found.mtimeMs, conditions.ifModifiedSince)) {
        return { status: 304, headers: { 'Last-Modified': lastModified }, body: { kind: 'none' } };
      }
      const contentType = contentTypeFor(found.name, found.head, found.head.length === found.size);
      const range = rangeStillApplies(conditions.ifRange, lastModified)
        ? chooseRange(conditions.range, found.size)
        : ({ kind: 'whole' } as const);
      if (range.kind === 'unsatisfiable') {
        return errorResponse(
          416,
          `The file has ${found.size} bytes; the range asked for starts past its end.`,
          {
            'Content-Range': `bytes */${found.size}`,
          },
        );
      }
      const [start, end] = range.kind === 'part' ? [range.start, range.end] : [0, found.size - 1];
      const length = end - start + 1;
      const headers: Record<string, string> = {
        'Content-Type': contentType,
        'Content-Length': String(length),
        'Last-Modified': lastModified,
        'Accept-Ranges': 'bytes',
      };
      if (range.kind === 'part') headers['Content-Range'] = `bytes ${start}-${end}/${found.size}`;
      return {
        status: range.kind === 'part' ? 206 : 200,
        headers,
        body:
          length <= 0
            ? { kind: 'none' }
            : found.source.kind === 'content'
              ? { kind: 'bytes', bytes: found.source.bytes.subarray(start, end + 1) }
              : { kind: 'file', start, end },
      };
    }
  }
}
