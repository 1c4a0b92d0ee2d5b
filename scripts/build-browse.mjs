// Bundles `plainwire browse` into one module next to the compiled CLI: dist/src/cli/browse.bundle.js, made from
// dist/src/cli/browse.js (run `tsc -p tsconfig.build.json` first) with the browser and its libraries (parse5,
// entities, string-width) inside: one module instead of about eighty to resolve, read and link at start-up (see
// docs/BROWSER.md, "Start-up"). src/cli/main.ts loads it only while it is newer than browse.js, so a later
// compile without this step runs the modules tsc wrote, never a stale bundle.
// Left outside: commander (one copy, shared with main.ts's program) and the full-screen TUI (ink, react), which
// browse.ts loads from dist/src/browser/tui/ as before. Usage: node scripts/build-browse.mjs
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli');
const entry = join(cli, 'browse.js');
if (!existsSync(entry)) {
  console.error(`build-browse: ${entry} is missing: run "tsc -p tsconfig.build.json" first (npm run build does).`);
  process.exit(1);
}
const outfile = join(cli, 'browse.bundle.js');
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: ['node22'],
  external: ['commander', 'ink', 'react'],
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`build-browse: ${outfile} (${Math.round(statSync(outfile).size / 1024)} KB)`);
