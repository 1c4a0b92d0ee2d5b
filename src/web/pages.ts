// The HTML the server writes itself: error pages and directory listings. Every name from the file system or
// the request is escaped, so a file called "<script>.html" is shown, never run.
import { STATUS_CODES } from 'node:http';
import { escapeHtml } from '../text/html.js';

/** Control characters in a file name are shown as U+FFFD; the link (percent-encoded) still reaches the file. */
function displayName(name: string): string {
  return escapeHtml(name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd'));
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

/** A small error page: "404 Not Found" as title and heading, and one sentence on what to do. */
export function errorPage(status: number, detail: string): string {
  return htmlPage(
    `${status} ${reasonPhrase(status)}`,
    `<p>${escapeHtml(detail)}</p>\n<hr>\n<p>plainwire serve</p>\n`,
  );
}

/** The skeleton every generated page shares: the title doubles as the heading; `body` is HTML, ending in \n. */
function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>${title}</title>
</head>
<body>
<h1>${title}</h1>
${body}</body>
</html>
`;
}

export interface ListingEntry {
  name: string;
  isDirectory: boolean;
}

/** Directories first, then files; each group by name ignoring case, then exactly (stable across platforms). */
export function sortListing(entries: ListingEntry[]): ListingEntry[] {
  return [...entries].sort((a, b) => {
    if (a.isDirectory !== b.isDirectory) return a.isDirectory ? -1 : 1;
    const la = a.name.toLowerCase();
    const lb = b.name.toLowerCase();
    if (la !== lb) return la < lb ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/**
 * The page for a directory without index.html. `urlPath` is the decoded path ("/docs/"); links are relative
 * to it and percent-encoded. `omitted` counts entries left out by the listing limit.
 */
export function listingPage(urlPath: string, entries: ListingEntry[], omitted = 0): string {
  const title = `Index of ${displayName(urlPath)}`;
  const items: string[] = [];
  if (urlPath !== '/') items.push('<li><a href="../">../</a> (parent directory)</li>');
  for (const entry of sortListing(entries)) {
    const slash = entry.isDirectory ? '/' : '';
    items.push(
      `<li><a href="${escapeHtml(encodeURIComponent(entry.name))}${slash}">${displayName(entry.name)}${slash}</a></li>`,
    );
  }
  const more = omitted > 0 ? `<p>${omitted} more entries not shown.</p>\n` : '';
  const list = items.length > 0 ? `<ul>\n${items.join('\n')}\n</ul>\n` : '<p>This directory is empty.</p>\n';
  return htmlPage(title, `<hr>\n${list}${more}<hr>\n`);
}
