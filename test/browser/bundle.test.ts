// `plainwire browse` runs from its CommonJS bundle (scripts/build-browse.mjs, built by `npm test` and `npm run
// build`) while the bundle is newer than the compiled browse.js, and from the compiled ES modules otherwise (a
// compile without the bundling step must never run a stale bundle). Either way the page comes out the same.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
