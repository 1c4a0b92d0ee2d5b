// Real pages nobody here wrote: the HTML documentation of Python (Debian's python3-doc, which .ci/run installs)
// and of Node.js (shipped with Debian's nodejs), plus any directories in PLAINWIRE_PAGES (colon-separated).
// Every page must render without throwing and with nothing but plainwire's own SGR, and the fast paths that
// --dump takes (the incremental reader, streaming output) must give exactly the text
// of parse5's plain path laid out whole.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/browser/document.js';
import { renderPage, StreamingRender } from '../../src/browser/render.js';

const CORPORA = [
  '/usr/share/doc/python3/html',
  '/usr/share/doc/nodejs/api',
  ...(process.env.PLAINWIRE_PAGES ?? '').split(':').filter((d) => d !== ''),
];
// all.html (8 MB) is every other page of Node's docs in one: it adds nothing but time.
const SKIP = new Set(['all.html']);
// Above this a page is left out: the largest pages take seconds here and say nothing the others do not.
const MAX_BYTES = 2 * 1024 * 1024;

function htmlFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...htmlFiles(path));
    else if (/\.html?$/.test(entry.name) && !SKIP.has(entry.name) && statSync(path).size <= MAX_BYTES)
      found.push(path);
  }
  return found.sort();
}

const corpora = CORPORA.filter((dir) => existsSync(dir)).map((dir) => ({ dir, pages: htmlFiles(dir) }));
const pages = corpora.flatMap((corpus) => corpus.pages);
const OUR_SGR = /\u001b\[(?:0|1|3|1;3)m/g;
// C0 and C1 controls, DEL, and the bidi overrides and isolates that could reorder what the user sees.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** What --dump writes for the page: blocks rendered while parse5 reads it, through every fast path. */
function dumped(html: string, url: string, width: number): string {
  const out: string[] = [];
  const stream = new StreamingRender({ width, colour: false }, (text) => out.push(text));
  const doc = parseDocument(html, url, {
    onBlock: (block, fields, title) => stream.block(block, fields, title),
  });
  out.push(stream.text(doc));
  return out.join('');
}

describe.skipIf(pages.length === 0)('real pages', () => {
  it('finds a corpus of real pages', () => {
    expect(pages.length).toBeGreaterThan(50);
  });

  it.each(corpora)(
    'renders every page under $dir as parse5 alone would have it, safely',
    ({ pages: files }) => {
      for (const path of files) {
        const html = readFileSync(path, 'utf8');
        const url = `file://${path}`;
        // The reference: parse5's own tokenizer and tree, read once the tree is whole, laid out in one go.
        const plain = parseDocument(html, url, { incremental: false });
        const expected = renderPage(plain, { width: 72, colour: false }).lines.join('\n');
        expect.soft(dumped(html, url, 72), path).toBe(expected);
        for (const line of renderPage(parseDocument(html, url), { width: 72, colour: true }).lines) {
          const visible = line.replace(OUR_SGR, '');
          if (UNSAFE.test(visible)) expect.fail(`${path}: unsafe character in ${JSON.stringify(visible)}`);
        }
      }
      expect(files.length).toBeGreaterThan(0);
    },
    300_000,
  );
});

if (pages.length === 0)
  console.warn(
    'real-pages tests skipped: no corpus found (apt-get install -y python3-doc, or PLAINWIRE_PAGES=dir:dir)',
  );
