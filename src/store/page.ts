// The store's HTML page (the bare URL): keys, values, versions and TTLs in key order, a page of rows at a time (so
// the page costs the same with ten keys or a million), escaped so stored markup is shown and never run, with forms
// to set, get and unset that work in any browser, terminal ones included (GET forms, or POST when they carry the
// token). Each row's forms are compare-and-set: they carry the version the row showed. A script (src/store/web/,
// served as a file: the page's Content-Security-Policy forbids inline script) keeps the rows live with the watch
// API; without it the page is the same page, current when loaded.
import type { Entry } from './engine.js';
import { escapeHtml } from '../text/html.js';
import { formatTtl, shortValue } from './page-format.js';

export { PAGE_VALUE_CHARS } from './page-format.js';

/** Rows per page. */
export const PAGE_ROWS = 200;
/** Where the store serves the page's script (built by scripts/build-web.mjs); not a key: keys live under /kv/. */
export const PAGE_SCRIPT_PATH = '/plainwire-store-page.js';

/** The page's policy: its own script only, no inline script or style, forms and fetches to the store only. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface PageOptions {
  /** The path the page was requested at, so the forms post back to it (/ or /IMServer.php...). */
  path: string;
  /** This page's rows, in key order. */
  entries: Entry[];
  total: number;
  /** The cursor of the next page, or null on the last one. */
  next: string | null;
  /** Whether this is a later page (so the page links back to the first). */
  later: boolean;
  revision: number;
  /** One line about the last form action, e.g. "set greeting (version 7)". */
  notice?: string;
  /** For a get from the page: the value to show. */
  shownValue?: { key: string; value: string | undefined };
  /** Show a token field on the write forms (the store has --token). */
  tokenField: boolean;
  /** Show a token field on the get form too (the store is --private). */
  readTokenField: boolean;
  /** The server's clock, for the TTLs shown (default: Date.now()). */
  now?: number;
}

function form(
  path: string,
  action: string,
  fields: string,
  tokenField: boolean,
  label: string,
  className = '',
): string {
  const token = tokenField ? ' <label>token <input name="token" type="password" size="10"></label>' : '';
  // A form with the token posts it in the body: in a GET URL it would land in the history, logs and Referer.
  const method = tokenField ? 'post' : 'get';
  return (
    `<form method="${method}" action="${escapeHtml(path)}"${className ? ` class="${className}"` : ''}>` +
    `<input type="hidden" name="action" value="${action}"><input type="hidden" name="format" value="html">` +
    `${fields}${token} <button type="submit">${label}</button></form>`
  );
}

/** Next and first-page links; on a private store they are forms that post the token, as the other forms do. */
function pageLinks(options: PageOptions): string {
  const { path, next, later, readTokenField } = options;
  if (next === null && !later) return '';
  const href = escapeHtml(path);
  const link = (cursor: string | null, label: string): string => {
    if (!readTokenField)
      return `<a href="${href}${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}">${label}</a>`;
    const hidden = cursor === null ? '' : `<input type="hidden" name="cursor" value="${escapeHtml(cursor)}">`;
    return `<form method="post" action="${href}">${hidden}<label>token <input name="token" type="password" size="10"></label> <button type="submit">${label}</button></form>`;
  };
  const parts = [later ? link(null, 'first page') : '', next !== null ? link(next, 'next page') : ''];
  return `<p>${options.entries.length} of ${options.total} keys on this page, in key order. ${parts.filter(Boolean).join(' ')}</p>\n`;
}

/** A row's own forms: set a new value, or unset, only if the key is still at the version the row shows. */
function rowForms(path: string, key: string, version: number, tokenField: boolean): string {
  const hidden =
    `<input type="hidden" name="key" value="${escapeHtml(key)}">` +
    `<input type="hidden" name="ifVersion" value="${version}">`;
  return (
    form(
      path,
      'set',
      `${hidden}<label>new value <input name="value" size="16"></label>`,
      tokenField,
      'set',
      'cas-set',
    ) + form(path, 'unset', hidden, tokenField, 'unset', 'cas-unset')
  );
}

function row(path: string, e: Entry, now: number, tokenField: boolean): string {
  const ttl = e.expiresAt === undefined ? undefined : e.expiresAt - now;
  const ttlAttr = ttl === undefined ? '' : ` data-ttl-ms="${ttl}"`;
  return (
    `<tr data-key="${escapeHtml(e.key)}" data-version="${e.version}"${ttlAttr}>` +
    `<td class="key">${escapeHtml(e.key)}</td><td class="value"><pre>${escapeHtml(shortValue(e.value))}</pre></td>` +
    `<td class="version">${e.version}</td><td class="ttl">${formatTtl(ttl)}</td>` +
    `<td class="edit">${rowForms(path, e.key, e.version, tokenField)}</td></tr>`
  );
}

export function renderPage(options: PageOptions): string {
  const { path, entries, total, revision, tokenField } = options;
  const now = options.now ?? Date.now();
  const rows = entries.map((e) => row(path, e, now, tokenField)).join('\n');
  // What the script needs: where to watch from, and which keys belong on this page (those between its first and
  // last row when there are pages before or after it). A private store's reads need the token: no live view.
  const bounds =
    (options.later && entries.length > 0 ? ` data-from="${escapeHtml(entries[0]!.key)}"` : '') +
    (options.next !== null && entries.length > 0 ? ` data-to="${escapeHtml(entries.at(-1)!.key)}"` : '');
  const live = options.readTokenField
    ? ''
    : ` data-revision="${revision}" data-complete="${options.next === null && !options.later}"`;
  const more = pageLinks(options);
  const notice = options.notice ? `<p><strong>${escapeHtml(options.notice)}</strong></p>\n` : '';
  const shown = options.shownValue
    ? options.shownValue.value === undefined
      ? `<p>${escapeHtml(options.shownValue.key)} is not set.</p>\n`
      : `<p>${escapeHtml(options.shownValue.key)} =</p>\n<pre>${escapeHtml(options.shownValue.value)}</pre>\n`
    : '';
  const keyField = '<label>key <input name="key" size="20"></label>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>plainwire store</title>
<script type="module" src="${PAGE_SCRIPT_PATH}"></script>
</head>
<body data-path="${escapeHtml(path)}"${live}${bounds}>
<h1>plainwire store</h1>
${notice}${shown}<p id="summary"><span id="count">${total}</span> <span id="count-unit">${total === 1 ? 'key' : 'keys'}</span>, revision <span id="revision">${revision}</span>. <span id="live" role="status"></span></p>
${form(path, 'set', `${keyField} <label>value <input name="value" size="30"></label>`, tokenField, 'set')}
${form(path, 'get', keyField, options.readTokenField, 'get')}
${form(path, 'unset', keyField, tokenField, 'unset')}
<table border="1">
<thead><tr><th>key</th><th>value</th><th>version</th><th>TTL</th><th>change (if still at this version)</th></tr></thead>
<tbody id="rows">
${rows}
</tbody>
</table>
<template id="row-forms">${rowForms(path, '', 0, tokenField)}</template>
${more}<p>The API: <code>?action=set&amp;key=K&amp;value=V</code>, <code>get</code>, <code>unset</code>, <code>keys</code>, <code>clear</code>, <code>list</code>, <code>watch</code>; see docs/STORE-API.md.</p>
</body>
</html>
`;
}
