#!/usr/bin/env node
// The `plainwire` executable (package.json "bin"). A CommonJS file, so that `plainwire browse`, whose start-up is
// most of a small page's time, runs without Node's ES module loader: one bundle (browse.bundle.cjs, made by
// scripts/build-browse.mjs) holds the command, the browser and its libraries. Every other command, and browse
// when no bundle is newer than the modules tsc wrote, goes through main.js as before. docs/BROWSER.md
// ("Start-up") has the measurements behind this.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { requireWithCodeCache } from './code-cache.cjs';
import { enableCompileCache } from './compile-cache.cjs';

// Before anything else is loaded, so that its compiled code is cached too.
const cacheDir = enableCompileCache();

/** Whether the bundle was made after the last compile (a stale one would run old code). */
function bundleIsFresh(): boolean {
  try {
    return (
      statSync(join(__dirname, 'browse.bundle.cjs')).mtimeMs >= statSync(join(__dirname, 'browse.js')).mtimeMs
    );
  } catch {
    return false;
  }
}

if (process.argv[2] === 'browse' && bundleIsFresh()) {
  const { runBrowse } = requireWithCodeCache(join(__dirname, 'browse.bundle.cjs'), cacheDir) as {
    runBrowse(argv: string[], importModule: (href: string) => Promise<unknown>): Promise<void>;
  };
  // The bundle runs as a vm script, where import() has no loader: this module's has.
  runBrowse(process.argv, (href) => import(href)).catch((err: unknown) => {
    process.stderr.write(`plainwire browse: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
} else {
  // main.js is an ES module with top-level await: import(), not require().
  import('./main.js').catch((err: unknown) => {
    process.stderr.write(`plainwire: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
