// `plainwire browse` as a program of its own: what scripts/build-browse.mjs bundles, with the browser and its
// libraries, into dist/src/cli/browse.bundle.cjs, which the executable (plainwire.cts) runs for `browse`.
import * as browse from './browse.js';
import { setImportLoader } from './import-later.js';
import { createProgram } from './program.js';

/**
 * Runs `plainwire browse ...`; argv as process.argv ([node, script, 'browse', ...]). `importModule` is how to load
 * an ES module by URL, for a caller that runs this where import() cannot (see import-later.ts).
 */
export async function runBrowse(
  argv: string[],
  importModule?: (href: string) => Promise<unknown>,
): Promise<void> {
  if (importModule) setImportLoader(importModule);
  const program = createProgram();
  browse.register(program);
  await program.parseAsync(argv);
}
