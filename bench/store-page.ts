// The store page's part of bench:web: how soon a key set over HTTP shows on the live page (a row appears in its
// table), against a plain watch client in this process seeing the same set, in the same run. Each time is the
// set's start (this process's clock) to the moment the page's DOM has the row (the browser's clock); both clocks
// are the system's, read as performance.timeOrigin + performance.now().
import type { Browser } from 'playwright-core';
import { startStoreServer } from '../src/store/server.js';

export interface StorePageFigures {
  page: number[];
  watch: number[];
}

const now = () => performance.timeOrigin + performance.now();

async function set(url: string, key: string, value: string): Promise<void> {
  const res = await fetch(`${url}/kv/${encodeURIComponent(key)}`, { method: 'PUT', body: value });
  if (!res.ok) throw new Error(`set ${key}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** A long-poll watch from this process: resolves with the time the change for `key` arrived. */
async function watchFor(url: string, after: number, key: string): Promise<{ at: number; revision: number }> {
  for (;;) {
    const res = await fetch(`${url}/?action=watch&key=${encodeURIComponent(key)}&after=${after}&timeout=30`);
    const answer = (await res.json()) as { revision: number; changes: Array<{ key: string }> };
    if (answer.changes.some((c) => c.key === key)) return { at: now(), revision: answer.revision };
  }
}

export async function storePageLatencies(
  browser: Browser,
  count: number,
  pageScriptDir: string,
): Promise<StorePageFigures> {
  const store = await startStoreServer({ memory: true, port: 0, pageScriptDir });
  try {
    const figures: StorePageFigures = { page: [], watch: [] };
    // The baseline first, with no page open: a watch client in this process, waiting before each set as the page
    // does.
    let revision = Number(
      ((await (await fetch(`${store.url}/?action=revision`)).json()) as { revision: number }).revision,
    );
    for (let i = 0; i < count; i++) {
      const key = `baseline/${i}`;
      const watched = watchFor(store.url, revision, key);
      const started = now();
      await set(store.url, key, 'x');
      const seen = await watched;
      figures.watch.push(seen.at - started);
      revision = seen.revision;
    }
    await fetch(`${store.url}/?action=clear`);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${store.url}/`);
    await page.getByRole('status').filter({ hasText: 'Following changes live.' }).waitFor();
    await page.evaluate(() => {
      const w = globalThis as unknown as {
        document: { getElementById(id: string): unknown };
        MutationObserver: new (
          callback: (records: Array<{ addedNodes: Iterable<{ dataset?: { key?: string } }> }>) => void,
        ) => { observe(target: unknown, options: { childList: boolean }): void };
        benchSeen: Map<string, number>;
        benchWaiters: Map<string, (at: number) => void>;
      };
      w.benchSeen = new Map();
      w.benchWaiters = new Map();
      new w.MutationObserver((records) => {
        const at = performance.timeOrigin + performance.now();
        for (const record of records)
          for (const node of record.addedNodes) {
            const key = node.dataset?.key;
            if (key === undefined) continue;
            const waiter = w.benchWaiters.get(key);
            if (waiter) waiter(at);
            else w.benchSeen.set(key, at);
          }
      }).observe(w.document.getElementById('rows'), { childList: true });
    });
    const shown = (key: string) =>
      page.evaluate(
        (k) =>
          new Promise<number>((resolve) => {
            const w = globalThis as unknown as {
              benchSeen: Map<string, number>;
              benchWaiters: Map<string, (at: number) => void>;
            };
            const seen = w.benchSeen.get(k);
            if (seen !== undefined) resolve(seen);
            else w.benchWaiters.set(k, resolve);
          }),
        key,
      );

    for (let i = 0; i < count; i++) {
      const key = `bench/${String(i).padStart(4, '0')}`;
      const appeared = shown(key);
      const started = now();
      await set(store.url, key, `value ${i}`);
      figures.page.push((await appeared) - started);
    }
    await context.close();
    return figures;
  } finally {
    await store.stop();
  }
}
