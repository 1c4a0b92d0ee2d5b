// Bundles `plainwire browse` into one CommonJS script next to the compiled CLI: dist/src/cli/browse.bundle.cjs,
// made from dist/src/cli/browse-main.js (run `tsc -p tsconfig.build.json` first) with commander, the browser and
// its libraries (parse5, entities, string-width) inside. The executable (src/cli/plainwire.cts) runs it for
// `browse`, only while it is newer than browse.js, so a later compile without this step runs the modules tsc
// wrote, never a stale bundle. One script loaded by Node's CommonJS loader instead of about eighty ES modules
// resolved, read and linked by its ES module loader: see docs/BROWSER.md, "Start-up".
// Left outside: the full-screen TUI (ink, react, ES modules with top-level await), which browse.ts imports from
// dist/src/browser/tui/ as before. Usage: node scripts/build-browse.mjs
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli');
const entry = join(cli, 'browse-main.js');
if (!existsSync(entry)) {
  console.error(`build-browse: ${entry} is missing: run "tsc -p tsconfig.build.json" first (npm run build does).`);
  process.exit(1);
}
const outfile = join(cli, 'browse.bundle.cjs');
const shim = join(root, 'scripts', 'bundle', 'lazy-child-process.cjs');
/** commander's node:child_process, loaded on first use (see the shim); the shim's own require stays Node's. */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer === shim ? { path: 'node:child_process', external: true } : { path: shim },
    );
  },
};
/** The version of a package as installed now, which is what the bundle will hold. */
function bundledVersion(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: ['node22'],
  external: ['ink', 'react'],
  // The modules find package.json, parse5 and string-width from their own URL; in the bundle that is its own.
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: {
    'import.meta.url': '__bundleUrl',
    // src/browser/parse5-internals.ts checks its parse5's version: here, the one bundled.
    PLAINWIRE_BUNDLED_PARSE5: JSON.stringify(bundledVersion('parse5')),
  },
  // A third fewer bytes to read and scan at each start; names stay as written, for stack traces.
  minifyWhitespace: true,
  plugins: [lazyChildProcess],
  // The executable runs the bundle as a vm script (src/cli/code-cache.cts), where import() has no loader: the
  // bundle's own (node:http and node:https, loaded for http(s) pages only) become require(). The TUI, an ES
  // module, is loaded through the executable's loader (src/cli/import-later.ts).
  supported: { 'dynamic-import': false },
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`build-browse: ${outfile} (${Math.round(statSync(outfile).size / 1024)} KB)`);
