// The store's HTML page (the bare URL): keys, values and versions in key order, a page of rows at a time (so the
// page costs the same with ten keys or a million), escaped so stored markup is shown and never run, with forms to set, get and unset that work in any browser, terminal ones included (GET forms,
// or POST when they carry the token).
import type { Entry } from './engine.js';
import { escapeHtml } from '../text/html.js';

/** Rows per page. */
export const PAGE_ROWS = 200;
/** Longer values are cut on the page (get shows them whole), so a page stays small whatever is stored. */
export const PAGE_VALUE_CHARS = 500;

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
}

function form(path: string, action: string, fields: string, tokenField: boolean, label: string): string {
  const token = tokenField ? ' <label>token <input name="token" type="password" size="10"></label>' : '';
  // A form with the token posts it in the body: in a GET URL it would land in the history, logs and Referer.
  const method = tokenField ? 'post' : 'get';
  return (
    `<form method="${method}" action="${escapeHtml(path)}">` +
    `<input type="hidden" name="action" value="${action}"><input type="hidden" name="format" value="html">` +
    `${fields}${token} <button type="submit">${label}</button></form>`
  );
}

function shortValue(value: string): string {
  if (value.length <= PAGE_VALUE_CHARS) return value;
  return `${value.slice(0, PAGE_VALUE_CHARS)}... (${Buffer.byteLength(value)} bytes: get the key to see it all)`;
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

export function renderPage(options: PageOptions): string {
  const { path, entries, total, revision, tokenField } = options;
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.key)}</td><td><pre>${escapeHtml(shortValue(e.value))}</pre></td><td>${e.version}</td></tr>`,
    )
    .join('\n');
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
</head>
<body>
<h1>plainwire store</h1>
${notice}${shown}<p>${total} ${total === 1 ? 'key' : 'keys'}, revision ${revision}.</p>
${form(path, 'set', `${keyField} <label>value <input name="value" size="30"></label>`, tokenField, 'set')}
${form(path, 'get', keyField, options.readTokenField, 'get')}
${form(path, 'unset', keyField, tokenField, 'unset')}
<table border="1">
<thead><tr><th>key</th><th>value</th><th>version</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${more}<p>The API: <code>?action=set&amp;key=K&amp;value=V</code>, <code>get</code>, <code>unset</code>, <code>keys</code>, <code>clear</code>, <code>list</code>, <code>watch</code>; see docs/STORE-API.md.</p>
</body>
</html>
`;
}
