// The small-file cache: an entry serves only while the file's identity and times are unchanged, recently
// changed files are not kept, and the byte bound holds. Real files, real stats.
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmallFileCache } from '../../src/web/file-cache.js';
import { type StaticServer, startStaticServer } from '../../src/web/server.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plainwire-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file whose times are an hour old, so the cache keeps it. */
async function settledFile(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  const old = new Date(Date.now() - 3600_000);
  await utimes(path, old, old);
  return path;
}

describe('SmallFileCache', () => {
  it('gives back what was kept while the file is unchanged, and forgets it once the file changes', async () => {
    const path = await settledFile('a.txt', 'one');
    const cache = new SmallFileCache<string>(1024);
    // utimes itself changed ctime just now: a file touched so recently is not kept yet.
    cache.set(path, await stat(path), 'one');
    expect(cache.get(path, await stat(path))).toBeUndefined();
    cache.set(path, await stat(path), 'one', Date.now() + 10_000);
    expect(cache.get(path, await stat(path))).toBe('one');

    // Same size, and the modification time put back: the change time still gives it away.
    const before = await stat(path);
    await writeFile(path, 'two');
    await utimes(path, before.atime, before.mtime);
    expect(cache.get(path, await stat(path))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its byte bound, dropping the least recently used first', async () => {
    const cache = new SmallFileCache<string>(10);
    const later = Date.now() + 10_000;
    const paths = await Promise.all(['x', 'y', 'z'].map((n) => settledFile(`${n}.txt`, 'abcd')));
    const infos = await Promise.all(paths.map((p) => stat(p)));
    cache.set(paths[0]!, infos[0]!, 'x', later);
    cache.set(paths[1]!, infos[1]!, 'y', later);
    expect(cache.get(paths[0]!, infos[0]!)).toBe('x');
    cache.set(paths[2]!, infos[2]!, 'z', later);
    expect(cache.bytes).toBeLessThanOrEqual(10);
    expect(cache.get(paths[1]!, infos[1]!)).toBeUndefined();
    expect(cache.get(paths[0]!, infos[0]!)).toBe('x');
    expect(cache.get(paths[2]!, infos[2]!)).toBe('z');
    const big = await settledFile('big.txt', 'a'.repeat(11));
    cache.set(big, await stat(big), 'big', later);
    expect(cache.get(big, await stat(big))).toBeUndefined();
  });
});

describe('the server with its cache', () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer({ root: dir, port: 0 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves a file changed in place (same size, same mtime) with its new bytes', async () => {
    const path = await settledFile('page.html', '<p>old</p>');
    // Let the change time settle too, so the first reads are kept.
    await new Promise((r) => setTimeout(r, 2100));
    for (let i = 0; i < 2; i++)
      expect(await (await fetch(`${server.url}/page.html`)).text()).toBe('<p>old</p>');
    const before = await stat(path);
    await writeFile(path, '<p>new</p>');
    await utimes(path, before.atime, before.mtime);
    expect(await (await fetch(`${server.url}/page.html`)).text()).toBe('<p>new</p>');
  });
});
