// The store page's script: keeps the rows the server drew current by following the store's watch API (a
// long-poll from the page's revision), with no reload. Rows change, appear and go; the version a row's
// compare-and-set forms carry follows the row unless someone is editing it, so a form filled in against a value
// that has since changed is refused by the store (409) instead of overwriting it. Text from the store is only
// ever put in as text. Without this script the page is the same page, current when loaded.
import { formatTtl, shortValue } from '../page-format.js';

interface Change {
  type: 'set' | 'unset' | 'expire';
  key: string;
  value?: string;
  version: number;
  revision: number;
}

const WATCH_TIMEOUT_S = 25;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

const body = document.body;
const tbody = document.getElementById('rows') as HTMLTableSectionElement;
const status = document.getElementById('live') as HTMLElement;
const template = document.getElementById('row-forms') as HTMLTemplateElement | null;
const path = body.dataset.path ?? '/';
const from = body.dataset.from;
const to = body.dataset.to;
const complete = body.dataset.complete === 'true';
const rows = new Map<string, HTMLTableRowElement>();
/** When each row's key expires, on this page's clock (performance.now()). */
const deadlines = new Map<string, number>();

function cell(row: HTMLTableRowElement, name: string): HTMLTableCellElement {
  return row.querySelector(`td.${name}`) as HTMLTableCellElement;
}

/** Someone is filling in this row's set form: its version stays the one they started from. */
function editing(row: HTMLTableRowElement): boolean {
  const value = row.querySelector<HTMLInputElement>('form.cas-set input[name="value"]');
  return (value !== null && value.value !== '') || row.contains(document.activeElement);
}

function inRange(key: string): boolean {
  return (from === undefined || key >= from) && (to === undefined || key <= to);
}

function makeRow(key: string): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.key = key;
  for (const name of ['key', 'value', 'version', 'ttl', 'edit']) {
    const td = document.createElement('td');
    td.className = name;
    row.append(td);
  }
  cell(row, 'key').textContent = key;
  cell(row, 'value').append(document.createElement('pre'));
  if (template) cell(row, 'edit').append(template.content.cloneNode(true));
  for (const input of row.querySelectorAll<HTMLInputElement>('input[name="key"]')) input.value = key;
  // In key order, as the server lists them.
  let before: Element | null = null;
  for (const other of tbody.rows) {
    if ((other.dataset.key ?? '') > key) {
      before = other;
      break;
    }
  }
  tbody.insertBefore(row, before);
  rows.set(key, row);
  return row;
}

function setCount(delta: number): void {
  if (!complete) return; // a page of a longer listing knows only its own rows
  const count = document.getElementById('count');
  const unit = document.getElementById('count-unit');
  if (!count || !unit) return;
  const n = Number(count.textContent) + delta;
  count.textContent = String(n);
  unit.textContent = n === 1 ? 'key' : 'keys';
}

function applySet(change: Change): void {
  let row = rows.get(change.key);
  if (!row) {
    if (!inRange(change.key)) return;
    row = makeRow(change.key);
    setCount(1);
  }
  (cell(row, 'value').firstElementChild as HTMLElement).textContent = shortValue(change.value ?? '');
  cell(row, 'version').textContent = String(change.version);
  row.dataset.version = String(change.version);
  deadlines.delete(change.key);
  cell(row, 'ttl').textContent = '...';
  queueTtlLookUp(change.key);
  const note = row.querySelector('.stale');
  if (editing(row)) {
    const text = `changed to version ${change.version} while you were editing: your set will be refused (409)`;
    if (note) note.textContent = text;
    else {
      const p = document.createElement('p');
      p.className = 'stale';
      p.setAttribute('role', 'alert');
      p.textContent = text;
      cell(row, 'edit').append(p);
    }
    return;
  }
  note?.remove();
  for (const input of row.querySelectorAll<HTMLInputElement>('input[name="ifVersion"]'))
    input.value = String(change.version);
}

function applyGone(change: Change): void {
  const row = rows.get(change.key);
  if (!row) return;
  row.remove();
  rows.delete(change.key);
  deadlines.delete(change.key);
  setCount(-1);
}

/** Keys whose TTL is to be read, once each however often they change, one request at a time. */
const ttlQueue = new Set<string>();
let readingTtls = false;

function queueTtlLookUp(key: string): void {
  ttlQueue.add(key);
  if (readingTtls) return;
  readingTtls = true;
  void (async () => {
    for (let next = ttlQueue.values().next(); !next.done; next = ttlQueue.values().next()) {
      ttlQueue.delete(next.value);
      if (rows.has(next.value)) await lookUpTtl(next.value);
    }
    readingTtls = false;
  })();
}

/** The watch carries no TTL: ask for the key's listing entry, which does. */
async function lookUpTtl(key: string): Promise<void> {
  try {
    const query = new URLSearchParams({ action: 'list', prefix: key, limit: '1' });
    const res = await fetch(`${path}?${query}`, { cache: 'no-store' });
    if (!res.ok) return;
    const listing = (await res.json()) as { items: Array<{ key: string; version: number; ttlMs?: number }> };
    const item = listing.items[0];
    const row = rows.get(key);
    // The TTL of the version the row shows; a newer one's change is on its way and is looked up in turn.
    if (!row || item?.key !== key || String(item.version) !== row.dataset.version) return;
    if (item.ttlMs !== undefined) deadlines.set(key, performance.now() + item.ttlMs);
    showTtl(key);
  } catch {
    // The watch reports the store's absence; the TTL is filled in at the next change.
  }
}

function showTtl(key: string): void {
  const row = rows.get(key);
  if (!row) return;
  const deadline = deadlines.get(key);
  cell(row, 'ttl').textContent = formatTtl(deadline === undefined ? undefined : deadline - performance.now());
}

function setRevision(revision: number): void {
  const shown = document.getElementById('revision');
  if (shown) shown.textContent = String(revision);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function follow(start: number): Promise<void> {
  let revision = start;
  let retry = RETRY_MIN_MS;
  for (;;) {
    try {
      const query = new URLSearchParams({
        action: 'watch',
        prefix: '',
        after: String(revision),
        timeout: String(WATCH_TIMEOUT_S),
      });
      const res = await fetch(`${path}?${query}`, { cache: 'no-store' });
      if (res.status === 410) {
        // The changes since this page was drawn are no longer kept (or the store was replaced): draw it again.
        location.reload();
        return;
      }
      if (!res.ok) throw new Error(`the store answered ${res.status}`);
      const answer = (await res.json()) as { revision: number; changes: Change[] };
      for (const change of answer.changes) {
        if (change.type === 'set') applySet(change);
        else applyGone(change);
      }
      revision = Math.max(revision, answer.revision);
      setRevision(revision);
      status.textContent = 'Following changes live.';
      retry = RETRY_MIN_MS;
    } catch {
      status.textContent = 'Lost the store; trying again.';
      await sleep(retry);
      retry = Math.min(retry * 2, RETRY_MAX_MS);
    }
  }
}

function start(): void {
  const loadedAt = performance.now();
  for (const row of tbody.rows) {
    const key = row.dataset.key;
    if (key === undefined) continue;
    rows.set(key, row);
    if (row.dataset.ttlMs !== undefined) deadlines.set(key, loadedAt + Number(row.dataset.ttlMs));
  }
  setInterval(() => {
    for (const key of deadlines.keys()) showTtl(key);
  }, 1000);
  if (body.dataset.revision === undefined) {
    status.textContent = 'Not live: this store needs its token to read (reload to see changes).';
    return;
  }
  status.textContent = 'Following changes live.';
  void follow(Number(body.dataset.revision));
}

start();
