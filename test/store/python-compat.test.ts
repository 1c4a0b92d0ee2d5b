// The lab's own Python proxy (urllib only, quote() of keys and values, GETs of ?action= URLs) against the real
// store: what Python writes, TypeScript reads back exactly, and the other way round.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { sharedMemoryStore } from './memory-store.js';

const PROXY = fileURLToPath(new URL('./fixtures/lab_proxy.py', import.meta.url));

const store = sharedMemoryStore();

function python(args: string[], input?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', [PROXY, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python3 ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin!.end(input ?? '');
  });
}

// The characters a URL gives meaning to, percent signs that look like escapes, spaces, and non-ASCII text.
const PAIRS: Array<[string, string]> = [
  ['plain', 'value'],
  ['a/b/c', 'path/like/value'],
  ['k&v=1', 'a&b=c'],
  ['one+two', '1+1=2'],
  ['what?', 'why? because'],
  ['#hash', '#not a fragment'],
  ['100%', '%41 is not A, %zz is not an escape'],
  ['with spaces', '  leading and trailing  '],
  ['héllo', 'wörld ünïcödé'],
  ['日本', '語 😀 emoji'],
  ['html', '<script>alert(1)</script> <?php echo 1; ?>'],
  ['empty value', ''],
];

it('serves the lab proxy: set, get, unset, keys and clear with awkward keys and values', async () => {
  await store.client.set('left over', 'cleared by the proxy first');
  const report = (await python([store.url, 'scenario'], JSON.stringify(PAIRS))) as {
    got: string[];
    keys: string[];
    missing: string;
    keysAfterUnset: string[];
    unsetValue: string;
  };
  expect(report.got).toEqual(PAIRS.map(([, value]) => value));
  expect(report.keys).toEqual(PAIRS.map(([key]) => key).sort());
  expect(report.missing).toBe('');
  expect(report.keysAfterUnset).toEqual(
    PAIRS.slice(1)
      .map(([key]) => key)
      .sort(),
  );
  expect(report.unsetValue).toBe('');

  // What Python stored is exactly what a TypeScript program reads.
  for (const [key, value] of PAIRS.slice(1)) expect(await store.client.get(key)).toBe(value);
  expect(await store.client.get(PAIRS[0]![0])).toBeUndefined();

  // And what TypeScript stores, Python reads.
  await store.client.set('from ts & co', 'sent by StoreClient: 100% = ok?');
  const again = (await python(
    [store.url, 'scenario'],
    JSON.stringify([['from ts & co', 'rewritten by python']]),
  )) as {
    got: string[];
  };
  expect(again.got).toEqual(['rewritten by python']);

  expect(await python([store.url, 'clear'])).toEqual([]);
  expect(await store.client.keys()).toEqual([]);
});
