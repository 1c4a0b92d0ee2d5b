// mergeTextRuns lets parse5 carry a word and its spaces as one token where the tree builder treats them alike:
// the tree must come out exactly as parse5 builds it on its own, for any input.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type DefaultTreeAdapterMap, Parser, serialize } from 'parse5';
import { describe, expect, it } from 'vitest';
import { generatePage } from '../../bench/browse-page.js';
import { mergeTextRuns, parseDocument } from '../../src/browser/document.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

function tree(html: string, merge: boolean): string {
  const parser = new Parser<DefaultTreeAdapterMap>({ scriptingEnabled: false });
  if (merge) mergeTextRuns(parser);
  parser.tokenizer.write(html, true);
  // Where the preprocessor stopped (its line count included) must not depend on the shortcut either.
  const pre = (
    parser.tokenizer as unknown as { preprocessor: { line: number; pos: number; lineStartPos: number } }
  ).preprocessor;
  // serialize() joins adjacent text nodes' text; the node count tells whether they were split differently.
  let nodes = 0;
  const count = (n: { childNodes?: unknown[] }) => {
    nodes++;
    for (const c of (n.childNodes ?? []) as Array<{ childNodes?: unknown[] }>) count(c);
  };
  count(parser.document);
  return `${nodes} ${pre.line} ${pre.lineStartPos} ${pre.pos}\n${serialize(parser.document)}`;
}

const PIECES = [
  '<p>',
  '</p>',
  '<b>',
  '</b>',
  '<i>',
  '</i>',
  '<a href=x>',
  '</a>',
  '<table>',
  '</table>',
  '<tr>',
  '<td>',
  '</td>',
  '<caption>',
  '<pre>',
  '</pre>',
  '<textarea>',
  '</textarea>',
  '<listing>',
  '<svg>',
  '</svg>',
  '<math><mi>',
  '<frameset>',
  '<head>',
  '</head>',
  '<body>',
  '</body>',
  '</html>',
  '<title>',
  '</title>',
  '<select>',
  '<option>',
  '<template>',
  '</template>',
  '<plaintext>',
  '<!-- c -->',
  '&amp;',
  '&nbsp;',
  '\u0000',
  '\r\n',
  '\n',
  ' ',
  '\t',
  '\f',
  '  ',
  'word',
  'two words',
  '漢字',
  '😀 emoji',
  '\uD800',
  '\r',
  'a\u0001b',
  '&lt;',
  '&ampx ',
  '< notatag',
  '<br/>',
  '\n\nline\n',
];

describe('mergeTextRuns', () => {
  it('leaves the tree of every example page and a generated page unchanged', () => {
    const pages = readdirSync(SITE)
      .filter((f) => f.endsWith('.html'))
      .map((f) => readFileSync(join(SITE, f), 'utf8'));
    pages.push(generatePage(40_000, 5));
    for (const html of pages) expect(tree(html, true)).toBe(tree(html, false));
  });

  it('leaves the tree of random tag soup unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }), (parts) => {
        const html = parts.join('');
        expect(tree(html, true)).toBe(tree(html, false));
      }),
      { numRuns: 1500 },
    );
  });

  it('gives parseDocument the same document either way', () => {
    const html = generatePage(30_000, 9);
    expect(parseDocument(html, 'http://h/', { mergeText: true })).toEqual(
      parseDocument(html, 'http://h/', { mergeText: false }),
    );
  });
});
