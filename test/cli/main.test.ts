// The `plainwire` executable itself: version, overall help, and the compile cache it turns on where Node has one.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../src/cli/compile-cache.cjs';
import { runCli } from '../helpers/cli.js';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe('plainwire', () => {
  it('prints its version for -V and --version, exit 0', async () => {
    for (const flag of ['-V', '--version']) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${packageVersion}\n`);
    }
  });

  it('lists every command in the overall help', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['serve', 'browse', 'store', 'kv', 'imchat', 'chat-server', 'chat', 'connect'])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  // The tests run on Node 20 (no compile cache) and Node 24 (one): each checks what its Node should do.
  it('keeps compiled code in NODE_COMPILE_CACHE on a Node that has the cache, and writes nothing on one without', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'plainwire-compile-cache-'));
    dirs.push(cache);
    const result = await runCli(['--version'], { env: { NODE_COMPILE_CACHE: cache } });
    expect(result.code).toBe(0);
    const hasCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
    const written = readdirSync(cache, { recursive: true }).length;
    if (hasCache) expect(written).toBeGreaterThan(0);
    else expect(written).toBe(0);
  });

  it('keeps the compile cache under the user cache directory when NODE_COMPILE_CACHE is not set', async () => {
    const hasCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
    const home = mkdtempSync(join(tmpdir(), 'plainwire-cache-home-'));
    dirs.push(home);
    const result = await runCli(['--version'], {
      env: { NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined, XDG_CACHE_HOME: home },
    });
    expect(result.code).toBe(0);
    if (hasCache)
      expect(
        readdirSync(join(home, 'plainwire', 'node-compile-cache'), { recursive: true }).length,
      ).toBeGreaterThan(0);
  });
});

describe('compileCacheDir', () => {
  it('is NODE_COMPILE_CACHE when set, else the platform cache directory', () => {
    expect(compileCacheDir({ NODE_COMPILE_CACHE: '/c' }, 'linux', '/home/u')).toBe('/c');
    expect(compileCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/plainwire/node-compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x' }, 'linux', '/home/u')).toBe(
      '/x/plainwire/node-compile-cache',
    );
    // The XDG spec says a relative path is invalid and is to be ignored.
    expect(compileCacheDir({ XDG_CACHE_HOME: 'rel' }, 'linux', '/home/u')).toBe(
      '/home/u/.cache/plainwire/node-compile-cache',
    );
    expect(compileCacheDir({}, 'darwin', '/Users/u')).toBe(
      '/Users/u/Library/Caches/plainwire/node-compile-cache',
    );
  });
});
