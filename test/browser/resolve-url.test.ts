// resolveUrl joins the common href forms by hand for speed: its answers must be exactly new URL()'s.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveUrl } from '../../src/browser/document.js';

function reference(href: string, base: string): string | null {
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return null;
  }
}

const BASES = [
  'http://example.com/a/b/page.html',
  'http://example.com',
  'https://user:pw@example.com:8443/dir/?q=1#frag',
  'file:///tmp/site/page3.html',
  'file:///C:/site/page.html',
  'file://server/share/x.html',
  'http://EXAMPLE.com/a/../b/',
  'about:blank',
  'mailto:someone@example.com',
];

const PIECES = [
  'a',
  'Z',
  '0',
  '.',
  '..',
  '/',
  '//',
  '?',
  '#',
  '&',
  '=',
  '%2e',
  '%',
  ' ',
  '\t',
  '\\',
  ':',
  '|',
  '~',
  '-',
  "'",
  '"',
  '<',
  'é',
  'page4.html',
  'x?q=1&r=2',
  'C:',
  'http:',
  '\n',
];

describe('resolveUrl', () => {
  it('gives what new URL() gives, for hrefs made of URL-awkward pieces and for every base', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }),
        fc.constantFrom(...BASES),
        (pieces, base) => {
          const href = pieces.join('');
          expect(resolveUrl(href, base)).toBe(reference(href, base));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('joins the common forms', () => {
    expect(resolveUrl('/page7.html?q=3', 'file:///tmp/x/big.html')).toBe('file:///page7.html?q=3');
    expect(resolveUrl('item2.html', 'http://h/dir/p.html?x#y')).toBe('http://h/dir/item2.html');
    expect(resolveUrl('./page4.html', 'http://h/dir/p.html')).toBe('http://h/dir/page4.html');
  });
});
