// resolveUrl joins the common href forms by hand for speed: its answers must be exactly new URL()'s.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSimple, resolveUrl } from '../../src/browser/resolve-url.js';

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
  '#sec-1.a',
  'lib.html#os.path',
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

  // walkElement numbers a hand-joined URL without cleaning it or testing it for javascript:, on this ground.
  it('joins by hand only into http(s) and file URLs of printable ASCII, whatever the base', () => {
    const bases = [
      ...BASES,
      'http://example.com/\u00e9/\u202e/x.html',
      'http://h/\u001b[2J/',
      'file:///tmp/\u0085/p',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...PIECES, '\u001b', '\u202e', '\u0085', 'javascript:'), { maxLength: 8 }),
        fc.constantFrom(...bases),
        (pieces, base) => {
          const url = resolveSimple(pieces.join(''), base);
          if (url !== null) expect(url).toMatch(/^(https?|file):[\x21-\x7e]*$/);
        },
      ),
      { numRuns: 3000 },
    );
    expect(resolveSimple('/p.html', 'http://h/a.html')).toBe('http://h/p.html');
  });

  it('joins the common forms', () => {
    expect(resolveUrl('/page7.html?q=3', 'file:///tmp/x/big.html')).toBe('file:///page7.html?q=3');
    expect(resolveUrl('item2.html', 'http://h/dir/p.html?x#y')).toBe('http://h/dir/item2.html');
    expect(resolveUrl('./page4.html', 'http://h/dir/p.html')).toBe('http://h/dir/page4.html');
  });

  // Python's documentation links to fragments everywhere (every heading and definition has a permalink).
  it('joins hrefs with a fragment by hand', () => {
    expect(resolveSimple('#json.dump', 'http://h/library/json.html')).toBe(
      'http://h/library/json.html#json.dump',
    );
    expect(resolveSimple('#a:b', 'http://h/dir/p.html?x#y')).toBe('http://h/dir/p.html?x#a:b');
    expect(resolveSimple('whatsnew/3.11.html#summary', 'file:///doc/contents.html')).toBe(
      'file:///doc/whatsnew/3.11.html#summary',
    );
    expect(resolveSimple('/x.html?q#f#g', 'http://h/a/b.html')).toBe('http://h/x.html?q#f#g');
    expect(resolveSimple('a/..#x', 'http://h/a/b.html')).toBeNull();
  });
});
