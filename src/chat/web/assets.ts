// The web client's files (built by scripts/build-web.mjs into dist/web/), read once and kept in memory with
// their gzip forms: the page is three small files, so every request is answered from memory.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { builtWebDir } from '../../web/built.js';

export interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/app.css': 'app.css',
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Where the build puts the page: dist/web/ of the package this module belongs to (from src/ or dist/src/). */
export const defaultAssetsDir = builtWebDir;

/** The index page names the line limit in a meta tag, so the page can refuse a long line before sending it. */
export const LIMIT_PLACEHOLDER = '__MAX_LINE_BYTES__';

/** Reads the built page; a missing build is an error that says how to make it. */
export function loadAssets(dir: string, maxLineBytes: number): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, file] of Object.entries(FILES)) {
    const full = join(dir, file);
    if (!existsSync(full)) {
      throw new Error(`the web client is not built: ${full} is missing (run npm run build)`);
    }
    let body = readFileSync(full);
    if (file === 'index.html') {
      body = Buffer.from(body.toString('utf8').replace(LIMIT_PLACEHOLDER, String(maxLineBytes)));
    }
    const ext = file.slice(file.lastIndexOf('.') + 1);
    assets.set(path, { type: TYPES[ext]!, body, gzip: gzipSync(body, { level: 9 }) });
  }
  return assets;
}
