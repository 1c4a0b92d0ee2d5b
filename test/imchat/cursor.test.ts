// CursorWriter against a real `plainwire store` process.
import { describe, expect, it } from 'vitest';
import { StoreClient } from '../../src/store/client.js';
import { CursorWriter } from '../../src/imchat/cursor.js';
import { cursorKey, parseCursorValue } from '../../src/imchat/keys.js';
import { shareTestStore } from './store.js';

const shared = shareTestStore();

function writer(name: string, abort = new AbortController()) {
  const client = new StoreClient(shared.store.url);
  let next = 1;
  const failures: unknown[] = [];
  const cursor = new CursorWriter(client, {
    room: 'cur',
    name,
    nextSeq: () => next,
    signal: abort.signal,
    onRetry: (err) => failures.push(err),
  });
  return { client, cursor, abort, failures, setNext: (n: number) => (next = n) };
}

async function stored(name: string) {
  const value = await shared.client.get(cursorKey('cur', name));
  return value === undefined ? undefined : parseCursorValue(value);
}

describe('CursorWriter', () => {
  it('coalesces many moves into writes that end with the latest values', async () => {
    const w = writer('ann');
    for (let revision = 1; revision <= 50; revision++) {
      w.setNext(revision + 1);
      w.cursor.moveTo(revision);
    }
    expect(w.cursor.revision).toBe(50);
    await w.cursor.flush();
    expect(await stored('ann')).toEqual({ next: 51, revision: 50 });
    expect(w.failures).toEqual([]);
    w.client.close();
  });

  it('moves backwards too (a store that restarted without its data)', async () => {
    const w = writer('bob');
    w.cursor.moveTo(40);
    await w.cursor.flush();
    w.cursor.moveTo(3);
    await w.cursor.flush();
    expect(await stored('bob')).toEqual({ next: 1, revision: 3 });
    w.client.close();
  });

  it('starts no write once its signal has aborted', async () => {
    const w = writer('cat');
    w.abort.abort();
    w.cursor.moveTo(7);
    // Nothing was started: the one write still possible is leaving's flush, which writes the latest values.
    expect(await stored('cat')).toBeUndefined();
    await w.cursor.flush();
    expect(await stored('cat')).toEqual({ next: 1, revision: 7 });
    w.client.close();
  });
});
