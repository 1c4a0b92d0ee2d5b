// `browse --dump` of every sample page against golden files that were reviewed by eye.
// Regenerate after a deliberate rendering change with UPDATE_GOLDEN=1, then read every changed file.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const SITE_URL = pathToFileURL(SITE).href;

const pages = existsSync(SITE)
  ? [
      ...readdirSync(SITE).filter((f) => /\.(html|txt)$/.test(f)),
      ...(existsSync(join(SITE, 'redirect/index.html')) ? ['redirect/index.html'] : []),
    ].sort()
  : [];

describe.skipIf(pages.length === 0)('browse --dump of examples/site', () => {
  it.each(pages)('%s', async (page) => {
    const result = await runCli(['browse', '--dump', '--width', '80', join(SITE, page)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = result.stdout.split(SITE_URL).join('file:///SITE/');
    const golden = join(GOLDEN, `${page.replace(/\//g, '-').replace(/\.\w+$/, '')}.txt`);
    // A missing golden is written only on request or on a developer's machine, and then it still has to be read
    // by eye before it is committed; in CI it is a failure, or the test would compare the output with itself.
    if (process.env.UPDATE_GOLDEN || (!existsSync(golden) && !process.env.CI)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(golden, output);
    }
    expect(existsSync(golden), `no golden file ${golden}: run with UPDATE_GOLDEN=1 and read it`).toBe(true);
    expect(output).toBe(readFileSync(golden, 'utf8'));
  });
});
