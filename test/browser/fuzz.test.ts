// Property: for any HTML (random trees, then randomly mutated bytes), parsing and rendering never throw and
// never emit escape or control characters, except plainwire's own SGR when colour is on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/browser/document.js';
import { initialFormState } from '../../src/browser/forms.js';
import { renderPage } from '../../src/browser/render.js';

const TAGS = [
  'p',
  'div',
  'span',
  'a',
  'b',
  'i',
  'em',
  'strong',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'table',
  'tr',
  'td',
  'th',
  'thead',
  'caption',
  'blockquote',
  'h1',
  'h3',
  'h6',
  'br',
  'hr',
  'img',
  'script',
  'style',
  'form',
  'input',
  'select',
  'option',
  'textarea',
  'button',
  'q',
  'noscript',
  'template',
  'svg',
  'title',
];
const NASTY = [
  '\u001b[2J',
  '\u001b]0;owned\u0007',
  '\u001b]52;c;aGk=\u001b\\',
  '\u009b31m',
  '\u0007',
  '\b',
  '\r',
  '\f',
  '\u0000',
  '\u007f',
  '\u202e',
  '\u2066',
  '&#27;[1m',
  '&#x9b;',
  '&#0;',
  '漢字',
  '🙂',
  'e\u0301',
  '\t',
  '\n',
  ' ',
  '&amp;',
  '<',
];

const text = fc
  .array(
    fc.oneof(
      fc.constantFrom(...NASTY),
      fc.string({ maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    {
      maxLength: 6,
    },
  )
  .map((parts) => parts.join(''));

const attribute = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      'href',
      'alt',
      'name',
      'value',
      'colspan',
      'start',
      'type',
      'style',
      'hidden',
      'action',
      'method',
      'selected',
      'checked',
    ),
    text,
  ),
  fc.constant(['href', 'javascript:x()'] as [string, string]),
  fc.constant(['style', 'display:none'] as [string, string]),
  fc.constant(['colspan', '1000000'] as [string, string]),
  fc.constant(['type', 'checkbox'] as [string, string]),
);

const { html } = fc.letrec<{ html: string; node: string }>((tie) => ({
  html: fc.array(tie('node'), { maxLength: 6 }).map((nodes) => nodes.join('')),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc
      .tuple(fc.constantFrom(...TAGS), fc.array(attribute, { maxLength: 3 }), tie('html'), fc.boolean())
      .map(([tag, attrs, inner, close]) => {
        const a = attrs.map(([k, v]) => ` ${k}="${v.replace(/"/g, '&quot;')}"`).join('');
        return `<${tag}${a}>${inner}${close ? `</${tag}>` : ''}`;
      }),
  ),
}));

const deep = fc.integer({ min: 1, max: 600 }).map((n) => `${'<div><b><ul><li>'.repeat(n)}deep`);

const mutated = fc
  .tuple(
    html,
    fc.array(
      fc.tuple(fc.nat(), fc.nat({ max: 5 }), fc.constantFrom(...NASTY, '<', '>', '"', '</', '<a href=')),
      { maxLength: 8 },
    ),
  )
  .map(([source, edits]) => {
    let s = source;
    for (const [at, cut, insert] of edits) {
      const i = s.length === 0 ? 0 : at % (s.length + 1);
      s = s.slice(0, i) + insert + s.slice(i + cut);
    }
    return s;
  });

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const OUR_SGR = /\u001b\[(?:0|1|3|1;3)m/g;

function check(source: string, width: number, colour: boolean): void {
  const doc = parseDocument(source, 'http://fuzz.test/a/b.html');
  const page = renderPage(doc, { width, colour, formState: initialFormState(doc) });
  for (const line of page.lines) {
    const visible = colour ? line.replace(OUR_SGR, '') : line;
    if (UNSAFE.test(visible))
      throw new Error(`unsafe output line ${JSON.stringify(line)} from ${JSON.stringify(source)}`);
  }
  for (const t of page.targets) expect(t.lineIndex).toBeLessThan(page.lines.length);
}

describe('reading the body while it is parsed', () => {
  it('gives the same document as reading the finished tree, for random and mutated HTML', () => {
    fc.assert(
      fc.property(fc.oneof(html, mutated), (body) => {
        const source = `<title>t</title><base href="http://base.test/x/">${body}`;
        const incremental = parseDocument(source, 'http://fuzz.test/a/b.html');
        const whole = parseDocument(source, 'http://fuzz.test/a/b.html', { incremental: false });
        expect(incremental).toEqual(whole);
      }),
      { numRuns: 400 },
    );
  });

  it('agrees on the cases where the parser moves nodes after closing them', () => {
    const cases = [
      '<table>stray text<tr><td>cell</td></tr>more</table><p>after',
      '<b>bold<p>para</b>rest</p><div>x</div>',
      '<p>one<b>two</p><p>three</b>four</p><ul><li>x</ul>',
      '<a href=a>link<div>block</div></a><p>z</p>',
      '</p><p>x</body></html><p>after the end',
      '<h1>t<title>late title</title></h1><p>x<p>y',
      '<div><table><tr><td>a<b>b</table>c</div><p>d',
    ];
    for (const body of cases) {
      const incremental = parseDocument(body, 'http://x.test/');
      expect(incremental).toEqual(parseDocument(body, 'http://x.test/', { incremental: false }));
    }
  });
});

describe('document + render on hostile input', () => {
  it('never throws and never emits control characters, for random HTML trees', () => {
    fc.assert(
      fc.property(html, fc.integer({ min: 1, max: 160 }), fc.boolean(), (source, width, colour) => {
        check(source, width, colour);
      }),
      { numRuns: 400 },
    );
  });

  it('holds for mutated HTML and deep nesting', () => {
    fc.assert(
      fc.property(
        fc.oneof(mutated, deep),
        fc.integer({ min: 20, max: 120 }),
        fc.boolean(),
        (source, width, colour) => {
          check(source, width, colour);
        },
      ),
      { numRuns: 300 },
    );
  });
});
