// fastTags takes simple tags past parse5's per-character tag states: every token, the tree, and the tokenizer's
// and preprocessor's bookkeeping must come out exactly as parse5 makes them on its own, for any input, whether
// written at once or in chunks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type DefaultTreeAdapterMap, Parser, type ParserOptions, serialize, type Token } from 'parse5';
import { describe, expect, it } from 'vitest';
import { generatePage } from '../../bench/browse-page.js';
import { mergeTextRuns } from '../../src/browser/document.js';
import { fastTags } from '../../src/browser/fast-tags.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

interface Internals {
  onStartTag(token: Token.TagToken): void;
  onEndTag(token: Token.TagToken): void;
  tokenizer: {
    state: number;
    runStart: number;
    runEnd: number;
    consumedAfterSnapshot: number;
    lastStartTagName: string;
    currentAttr: Token.Attribute;
    currentCharacterToken: unknown;
    preprocessor: {
      pos: number;
      line: number;
      lineStartPos: number;
      isEol: boolean;
      skipNextNewLine: boolean;
      lastGapPos: number;
      gapStack: number[];
      droppedBufferSize: number;
      endOfChunkHit: boolean;
      html: string;
    };
  };
}

function state(p: Internals): string {
  const t = p.tokenizer;
  const pre = t.preprocessor;
  return [
    pre.pos,
    pre.line,
    pre.lineStartPos,
    pre.isEol,
    pre.skipNextNewLine,
    pre.lastGapPos,
    pre.gapStack.join(','),
    pre.droppedBufferSize,
    pre.endOfChunkHit,
    pre.html.length,
    t.state,
    t.runStart,
    t.runEnd,
    t.consumedAfterSnapshot,
    t.lastStartTagName,
    JSON.stringify(t.currentAttr),
    JSON.stringify(t.currentCharacterToken),
  ].join(' ');
}

interface Run {
  /** Node count, final tokenizer state and the serialized tree. */
  tree: string;
  /** Each tag token as the tree builder receives it (fields in order), with the tokenizer's state then. */
  tokens: string;
  taken: number;
}

/** Parses `html` written in pieces cut at `cuts`, with or without the shortcut (and mergeTextRuns). */
function run(
  html: string,
  fast: boolean,
  merge: boolean,
  cuts: number[] = [],
  options: ParserOptions<DefaultTreeAdapterMap> = {},
): Run {
  const parser = new Parser<DefaultTreeAdapterMap>({ scriptingEnabled: false, ...options });
  if (merge) mergeTextRuns(parser);
  const stats = fast ? fastTags(parser) : null;
  if (fast && stats === null) throw new Error('fastTags did not recognize parse5');
  const p = parser as unknown as Internals;
  const tokens: string[] = [];
  const onStartTag = p.onStartTag;
  const onEndTag = p.onEndTag;
  // Recorded before the tree builder sees the token: it adjusts foreign attributes and acknowledges self-closing.
  p.onStartTag = function (this: Internals, token) {
    tokens.push(`${JSON.stringify(token)} ${state(this)}`);
    onStartTag.call(this, token);
  };
  p.onEndTag = function (this: Internals, token) {
    tokens.push(`${JSON.stringify(token)} ${state(this)}`);
    onEndTag.call(this, token);
  };
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.tokenizer.write(html.slice(from, cut), false);
    from = cut;
  }
  parser.tokenizer.write(html.slice(from), true);
  let nodes = 0;
  const count = (n: { childNodes?: unknown[]; content?: unknown }) => {
    nodes++;
    for (const c of (n.childNodes ?? []) as Array<{ childNodes?: unknown[] }>) count(c);
    if (n.content) count(n.content as { childNodes?: unknown[] });
  };
  count(parser.document);
  return {
    tree: `${nodes} ${state(p)}\n${serialize(parser.document)}`,
    tokens: tokens.join('\n'),
    taken: stats?.tags ?? 0,
  };
}

/** Compares the shortcut with parse5's own path, with and without mergeTextRuns; returns the tags it took. */
function same(html: string, cuts: number[] = []): number {
  let taken = 0;
  for (const merge of [false, true]) {
    const plain = run(html, false, merge, cuts);
    const fast = run(html, true, merge, cuts);
    expect(fast.tokens).toBe(plain.tokens);
    expect(fast.tree).toBe(plain.tree);
    taken = fast.taken;
  }
  return taken;
}

// Mostly names the shortcut takes, and enough of the rest: those that switch the tokenizer (title, textarea,
// script, style, plaintext, xmp, iframe, noembed, noframes, noscript), foreign content, and names parse5 reads
// differently from a plain ASCII name.
const COMMON_NAMES = [
  'p',
  'a',
  'b',
  'i',
  'em',
  'EM',
  'Em',
  'td',
  'tr',
  'table',
  'li',
  'ul',
  'DIV',
  'P',
  'A',
  'br',
  'img',
];
const OTHER_NAMES = [
  'th',
  'caption',
  'title',
  'TITLE',
  'textarea',
  'script',
  'style',
  'plaintext',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'noscript',
  'svg',
  'SVG',
  'math',
  'mi',
  'mtext',
  'foreignObject',
  'desc',
  'path',
  'annotation-xml',
  'select',
  'option',
  'image',
  'input',
  'template',
  'pre',
  'listing',
  'head',
  'body',
  'html',
  'frameset',
  'font',
  'x-el',
  'a<b',
  'a"b',
  'h1',
  'hr',
  'form',
  'button',
  'col',
  'tbody',
  'averyveryverylongname',
  'ä',
  'Aä',
  'aÄ',
  'x😀',
  'a\ud800',
  'a\u0000',
  'a\u0001',
];
const TAG_NAME = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...COMMON_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHER_NAMES) },
);
const ATTR_NAME = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('href', 'id', 'class', 'HREF', 'Class', 'a', 'b', 'x', 'data-x') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'viewBox',
      'viewbox',
      'definitionURL',
      'xlink:href',
      'XLINK:HREF',
      'xml:lang',
      'encoding',
      'type',
      'color',
      'averyveryverylongattribute',
      '=x',
      '"q',
      "'q",
      'a<b',
      'ä',
      'Aä',
      'aÄ',
      'x😀',
      'a\u0000',
      'a\u0001',
      '`',
      '&amp;',
    ),
  },
);
const VALUE_PART = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('x', 'Y', ' ', '/', '/page12.html?q=345', 'a value longer than thirteen'),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '&amp;',
      '&',
      '&notit;',
      '&#x41;',
      '<',
      '>',
      '"',
      "'",
      '=',
      '`',
      '\u0000',
      '\r',
      '\n',
      '\r\n',
      '\t',
      '\f',
      '漢',
      '😀',
      '\ud800',
      '\udc00',
      'é',
      '\u0001',
    ),
  },
);
const SPACE = fc.oneof(
  { weight: 4, arbitrary: fc.constant(' ') },
  { weight: 1, arbitrary: fc.constantFrom('  ', '\n', '\t', '\f', '\r\n', '\r', '', ' \n ', '\n\n') },
);
const ATTR = fc
  .record({
    space: SPACE,
    name: ATTR_NAME,
    eq: fc.constantFrom('=', '=', '=', '=', ' = ', '=\n', ' =', '\r='),
    quote: fc.constantFrom('"', '"', "'", '', 'none'),
    value: fc.array(VALUE_PART, { maxLength: 4 }).map((parts) => parts.join('')),
  })
  .map(({ space, name, eq, quote, value }) =>
    quote === 'none' ? `${space}${name}` : `${space}${name}${eq}${quote}${value}${quote}`,
  );
const TAG = fc
  .record({
    end: fc.boolean(),
    name: TAG_NAME,
    attrs: fc.array(ATTR, { maxLength: 4 }),
    repeat: fc.boolean(),
    close: fc.oneof(
      { weight: 4, arbitrary: fc.constant('>') },
      { weight: 1, arbitrary: fc.constantFrom('/>', ' />', ' >', '\n>', '/ >', '', ' / >', '\r>', '\r\n>') },
    ),
  })
  .map(({ end, name, attrs, repeat, close }) => {
    // A repeated attribute (upper case: the same name once lowered): parse5 keeps the first.
    const list = repeat && attrs.length > 0 ? [...attrs, attrs[0]!.toUpperCase()] : attrs;
    return `<${end ? '/' : ''}${name}${list.join('')}${close}`;
  });
// Tags the shortcut takes (ASCII names, plain values, white space with LF), among them those after which the
// tree builder switches the tokenizer to RCDATA, RAWTEXT, script data or plaintext, or enters foreign content.
const PLAIN_ATTR = fc
  .record({
    space: fc.constantFrom(' ', ' ', '\n', '\t ', '  \f'),
    name: fc.constantFrom('href', 'id', 'CLASS', 'viewBox', 'definitionURL', 'xlink:href', 'x-y', 'b'),
    value: fc.constantFrom('="x"', "='y z'", '=/p?q=1', '', '=""', ' = "a\nb"', '="<b>"', '=漢字é'),
  })
  .map(({ space, name, value }) => `${space}${name}${value}`);
const PLAIN_TAG = fc
  .record({
    end: fc.boolean(),
    name: fc.constantFrom(
      ...COMMON_NAMES,
      'title',
      'textarea',
      'script',
      'style',
      'xmp',
      'svg',
      'math',
      'mi',
    ),
    attrs: fc.array(PLAIN_ATTR, { maxLength: 3 }),
    close: fc.constantFrom('>', '>', '>', '/>', ' />', '\n>'),
  })
  .map(({ end, name, attrs, close }) =>
    end ? `</${name}${close === '\n>' ? close : '>'}` : `<${name}${attrs.join('')}${close}`,
  );
const TEXT = fc.constantFrom(
  'word',
  'two words ',
  ' ',
  '\n',
  '\r\n',
  '\r',
  '&amp;',
  '&lt',
  '<',
  '</',
  '< p>',
  '</>',
  '<!-- c -->',
  '<!doctype html>',
  '<?pi?>',
  '<![CDATA[x]]>',
  '</script >',
  '</style>',
  '</title>',
  '</textarea>',
  '\u0000',
  '漢字',
  '😀',
  '\ud800',
);
const SOUP = fc.array(fc.oneof({ weight: 3, arbitrary: TAG }, { weight: 2, arbitrary: TEXT }), {
  minLength: 1,
  maxLength: 40,
});

const PLAIN_SOUP = fc.array(fc.oneof({ weight: 3, arbitrary: PLAIN_TAG }, { weight: 1, arbitrary: TEXT }), {
  minLength: 1,
  maxLength: 40,
});

describe('fastTags', () => {
  it('leaves every token and the tree of every example page unchanged, written at once or in chunks', () => {
    const pages = readdirSync(SITE)
      .filter((f) => f.endsWith('.html'))
      .map((f) => readFileSync(join(SITE, f), 'utf8'));
    expect(pages.length).toBeGreaterThan(5);
    let taken = 0;
    for (const html of pages) {
      taken += same(html);
      const cuts = Array.from({ length: Math.floor(html.length / 37) }, (_, k) => (k + 1) * 37);
      same(html, cuts);
    }
    expect(taken).toBeGreaterThan(100);
  });

  it('takes nearly every tag of a generated page, leaving it unchanged', () => {
    for (const [size, seed] of [
      [40_000, 5],
      [150_000, 2], // past parse5's buffer waterline, so parsed chunks are dropped along the way
      [10_000, 17],
    ] as const) {
      const html = generatePage(size, seed);
      const tags = html.match(/<\/?[a-zA-Z]/g)?.length ?? 0;
      const taken = same(html);
      expect(taken).toBeGreaterThan(tags * 0.95);
      expect(taken).toBeLessThanOrEqual(tags);
    }
    const html = generatePage(20_000, 3);
    same(
      html,
      Array.from({ length: 40 }, (_, k) => (k + 1) * 499),
    );
  });

  it('leaves the tokens and tree of random tag soup unchanged', () => {
    let taken = 0;
    fc.assert(
      fc.property(SOUP, (parts) => {
        taken += same(parts.join(''));
      }),
      { numRuns: 2500 },
    );
    // The soup must exercise the shortcut, not only parse5's path.
    expect(taken).toBeGreaterThan(2_000);
  });

  it('leaves the tokens and tree of random plain tags (and the states they switch to) unchanged', () => {
    let taken = 0;
    fc.assert(
      fc.property(PLAIN_SOUP, (parts) => {
        taken += same(parts.join(''));
      }),
      { numRuns: 1500 },
    );
    expect(taken).toBeGreaterThan(5_000);
  });

  it('leaves random tag soup written in random chunks unchanged', () => {
    fc.assert(
      fc.property(SOUP, fc.array(fc.nat(), { maxLength: 8 }), (parts, cutSeeds) => {
        const html = parts.join('');
        same(
          html,
          cutSeeds.map((n) => n % (html.length + 1)),
        );
      }),
      { numRuns: 1500 },
    );
  });

  it('steps aside when parse errors or source locations are wanted', () => {
    const html = '<p class=x>a <a href="/y">b</a></p><svg viewBox="0 0 1 1"><path d=M0/></svg>';
    const errors: string[] = [];
    for (const options of [
      { sourceCodeLocationInfo: true },
      { onParseError: (e: { code: string }) => errors.push(e.code) },
    ]) {
      const fast = run(html, true, true, [], options);
      expect(fast.taken).toBe(0);
      expect(fast.tree).toBe(run(html, false, true, [], options).tree);
    }
  });

  it('replaces nothing when parse5 is not the shape it knows', () => {
    const tokenizer = { _stateTagOpen() {} };
    const original = tokenizer._stateTagOpen;
    expect(fastTags({ tokenizer } as unknown as Parser<DefaultTreeAdapterMap>)).toBeNull();
    expect(tokenizer._stateTagOpen).toBe(original);
  });
});
