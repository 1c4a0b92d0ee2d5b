// `plainwire browse` as a program of its own: what scripts/build-browse.mjs bundles, with the browser and its
// libraries, into dist/src/cli/browse.bundle.cjs, which the executable (plainwire.cts) runs for `browse`.
import * as browse from './browse.js';
import { createProgram } from './program.js';

/** Runs `plainwire browse ...`; argv as process.argv ([node, script, 'browse', ...]). */
export async function runBrowse(argv: string[]): Promise<void> {
  const program = createProgram();
  browse.register(program);
  await program.parseAsync(argv);
}
