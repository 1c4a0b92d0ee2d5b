// Builds the chat's web client and the store page's script into dist/web/: the page's TypeScript bundled and minified by esbuild into one
// script (no CDN, no framework: it runs offline), next to index.html and app.css. Prints the sizes, gzipped too.
// Usage: node scripts/build-web.mjs [outdir]
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'src', 'chat', 'web', 'page');
const out = resolve(process.argv[2] ?? join(root, 'dist', 'web'));
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(page, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
});
// The store's page script (src/store/web/): served by the store beside its HTML page.
await build({
  entryPoints: [join(root, 'src', 'store', 'web', 'live.ts')],
  outfile: join(out, 'store-page.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(page, 'index.html'), join(out, 'index.html'));
copyFileSync(join(page, 'app.css'), join(out, 'app.css'));

let raw = 0;
let gz = 0;
for (const file of ['index.html', 'app.js', 'app.css']) {
  const body = readFileSync(join(out, file));
  raw += body.length;
  gz += gzipSync(body, { level: 9 }).length;
}
if (!process.env.PLAINWIRE_QUIET_BUILD) {
  console.log(`web client: ${out} (${raw} bytes, ${gz} gzipped)`);
  const store = readFileSync(join(out, 'store-page.js'));
  console.log(`store page script: ${store.length} bytes, ${gzipSync(store, { level: 9 }).length} gzipped`);
}
