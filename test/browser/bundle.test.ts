// `plainwire browse` runs from its CommonJS bundle (scripts/build-browse.mjs, built by `npm test` and `npm run
// build`) while the bundle is newer than the compiled browse.js, and from the compiled ES modules otherwise (a
// compile without the bundling step must never run a stale bundle). Either way the page comes out the same.
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheFileFor } from '../../src/cli/code-cache.cjs';
import { runCli } from '../helpers/cli.js';

const CLI_DIR = fileURLToPath(new URL('../../dist/src/cli/', import.meta.url));
const PAGE = fileURLToPath(new URL('../../examples/site/page1.html', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./golden/page1.txt', import.meta.url));
const SITE_URL = new URL('../../examples/site/', import.meta.url).href;

describe('browse from the bundle', () => {
  it('loads the bundle exactly when it is newer than browse.js, with the same output', async () => {
    const bundle = `${CLI_DIR}browse.bundle.cjs`;
    const fresh = existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(`${CLI_DIR}browse.js`).mtimeMs;
    // Node's module loaders name every module they load on stderr under NODE_DEBUG=module,esm.
    const result = await runCli(['browse', '--dump', '--width', '80', PAGE], {
      env: { NODE_DEBUG: 'module,esm' },
    });
    expect(result.code).toBe(0);
    expect(result.stderr.includes('cli/browse.bundle.cjs')).toBe(fresh);
    expect(result.stderr.includes('browser/document.js')).toBe(!fresh);
    expect(result.stdout.split(SITE_URL).join('file:///SITE/')).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('runs the full-screen mode and the help from the bundle too', async () => {
    const help = await runCli(['browse', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: plainwire browse \[options\] \[url\]/);
    // --tui is loaded from dist/src/browser/tui/ at run time (ink and react stay out of the bundle); off a
    // terminal it says so instead of drawing.
    const tui = await runCli(['browse', '--tui', PAGE]);
    expect(tui.code).not.toBe(0);
    expect(tui.stderr).toMatch(/terminal/);
    expect(tui.stderr).not.toMatch(/not available/);
  });
});

describe("the bundle's code cache", () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'plainwire-code-cache-'));
    dirs.push(dir);
    return dir;
  };
  const caches = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.v8cache'));
  const dump = (env: NodeJS.ProcessEnv) => runCli(['browse', '--dump', '--width', '80', PAGE], { env });
  const expected = () => readFileSync(GOLDEN, 'utf8');
  const page = (stdout: string) => stdout.split(SITE_URL).join('file:///SITE/');

  it('is written by the first run, used by the next, and replaced when damaged, with the same page each time', async () => {
    const bundle = `${CLI_DIR}browse.bundle.cjs`;
    if (!existsSync(bundle) || statSync(bundle).mtimeMs < statSync(`${CLI_DIR}browse.js`).mtimeMs) {
      // Only a fresh bundle runs (see above); `npm test` always makes one.
      expect.fail('the browse bundle is missing or older than browse.js: run "npm run build"');
    }
    const dir = tempDir();
    const env = { NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: undefined };
    const first = await dump(env);
    expect(first.code).toBe(0);
    expect(page(first.stdout)).toBe(expected());
    const [cache] = caches(dir);
    expect(cache).toBe(cacheFileFor(bundle, dir).slice(dir.length + 1));
    const made = readFileSync(join(dir, cache!));
    expect(made.length).toBeGreaterThan(10_000);

    const second = await dump(env);
    expect(page(second.stdout)).toBe(expected());
    // Accepted, so not written again.
    expect(readFileSync(join(dir, cache!)).equals(made)).toBe(true);

    writeFileSync(join(dir, cache!), Buffer.alloc(made.length, 7));
    const third = await dump(env);
    expect(third.code).toBe(0);
    expect(page(third.stdout)).toBe(expected());
    expect(caches(dir)).toEqual([cache]);
    expect(readFileSync(join(dir, cache!)).equals(Buffer.alloc(made.length, 7))).toBe(false);
  });

  it('is neither read nor written under NODE_DISABLE_COMPILE_CACHE=1', async () => {
    const dir = tempDir();
    const result = await dump({ NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(page(result.stdout)).toBe(expected());
    expect(caches(dir)).toEqual([]);
  });

  it('is named for the node, the size and the modification time of the script it was made from', () => {
    const dir = tempDir();
    const script = join(dir, 'x.cjs');
    writeFileSync(script, 'module.exports = 1;');
    const before = cacheFileFor(script, dir);
    expect(before).toContain(process.version);
    utimesSync(script, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(cacheFileFor(script, dir)).not.toBe(before);
    writeFileSync(script, 'module.exports = 22;');
    utimesSync(script, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(cacheFileFor(script, dir)).not.toBe(before);
  });
});
