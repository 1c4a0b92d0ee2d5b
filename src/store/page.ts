// The store's HTML page (the bare URL): every key, value and version, newest first, escaped so stored markup is
// shown and never run, with forms to set, get and unset that work in any browser, terminal ones included (GET forms,
// or POST when they carry the token).
import type { Entry } from './engine.js';

export const PAGE_ROWS = 1000;

export interface PageOptions {
  /** The path the page was requested at, so the forms post back to it (/ or /IMServer.php...). */
  path: string;
  entries: Entry[];
  total: number;
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

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
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

export function renderPage(options: PageOptions): string {
  const { path, entries, total, revision, tokenField } = options;
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.key)}</td><td><pre>${escapeHtml(e.value)}</pre></td><td>${e.version}</td></tr>`,
    )
    .join('\n');
  const more =
    total > entries.length
      ? `<p>Showing the ${entries.length} most recently changed of ${total} keys; use <code>?action=keys</code> or <code>?action=list&amp;format=json</code> for all.</p>`
      : '';
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
