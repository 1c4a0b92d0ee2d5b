// The body is read while it is parsed, also inside the containers that wrap a page (<div id="page"><main>...)
// and item by item inside a list there: whatever the markup, that must give exactly the document read from the
// finished tree, and the blocks handed to onBlock must be that document's blocks, in order.
import fc from 'fast-check';
import type { DefaultTreeAdapterMap } from 'parse5';
import { describe, expect, it, vi } from 'vitest';
import { type Block, type Document, parseDocument } from '../../src/browser/document.js';

// The parser's tree, seen as it is built (to show that an open list does not keep its items): parse5 unchanged,
// except that appendChild also tells `watchAppend`.
type ParentNode = DefaultTreeAdapterMap['parentNode'];
type ChildNode = DefaultTreeAdapterMap['childNode'];
const watch = vi.hoisted(() => ({ append: null as ((parent: ParentNode, child: ChildNode) => void) | null }));
vi.mock('parse5', async (importOriginal) => {
  const parse5 = await importOriginal<typeof import('parse5')>();
  const appendChild = parse5.defaultTreeAdapter.appendChild;
  return {
    ...parse5,
    defaultTreeAdapter: {
      ...parse5.defaultTreeAdapter,
      appendChild(parent: ParentNode, child: ChildNode): void {
        watch.append?.(parent, child);
        appendChild(parent, child);
      },
    },
  };
});

const URL_ = 'http://inc.test/a/b.html';

const CONTAINERS = [
  'div',
  'section',
  'article',
  'main',
  'aside',
  'nav',
  'header',
  'footer',
  'center',
  'address',
  'figure',
  'details',
  'dl',
  'fieldset',
  'hgroup',
];
// Wrappers that are not plain containers: each is walked in a way of its own, or the parser treats it specially.
const OTHER_WRAPPERS = [
  'form action="/f"',
  'blockquote',
  'ul',
  'li',
  'table',
  'td',
  'p',
  'span',
  'b',
  'a href="/w"',
  'select',
  'template',
  'h2',
  'button',
  'object',
  'marquee',
  'dd',
  'noscript',
  'svg',
  'search',
];
const ATTRS = [
  '',
  '',
  '',
  ' hidden',
  ' style="display: none"',
  ' id="x"',
  ' style="color:red"',
  ' class="a"',
];

// Pieces chosen for what the parser does with them: text it merges or foster-parents, formatting elements left
// open (reconstructed later, moved by the adoption agency), forms and selects, <p> closed by a block, late <body>
// and <html> attributes, a frameset, templates, titles in the body.
const LEAVES = [
  'word ',
  ' more text\n',
  '  ',
  '<p>para</p>',
  '<p>open para',
  '</p>',
  '<b>bold',
  '</b>',
  '<i>it</i>',
  '<em>em<strong>strong</em>after</strong>',
  '<a href="/l">link</a>',
  '<a href="/open">open link',
  '</a>',
  '<font>font',
  '<nobr>no',
  '<b>x<p>y</b>z</p>',
  '<table>stray<tr><td>cell</td></tr>more</table>',
  '<table><tr><td>a<b>b</table>c',
  '<table>foster',
  '<table><tr><td>cell',
  '<tr><td>row',
  '</td>',
  '</table>',
  '<table><caption>cap</caption><tr><th>h</th></tr></table>',
  '<table><div>in table</div><tr><td>x</td></tr></table>',
  '<input name="n" value="v">',
  '<input type="hidden" name="h">',
  '<input type="checkbox" name="c" checked>',
  '<form action="/f" method="post">',
  '</form>',
  '<form action="/g"><input name="q"><button>Go</button></form>',
  '<select name="s"><option>o1<option selected>o2</select>',
  '<select name="t"><option value="v">open select',
  '<option>loose',
  '</select>',
  '<textarea name="ta">\nt</textarea>',
  '<br>',
  '<hr>',
  '<img alt="pic">',
  '<h2>head</h2>',
  '<h3>open head',
  '<ul><li>one<li>two</ul>',
  '<ul></ul>',
  '<blockquote></blockquote>',
  '<li>item',
  '<dd>dd',
  '<dt>dt',
  '<pre>\npre\n text</pre>',
  '<blockquote>q</blockquote>',
  '<body hidden>',
  '<body style="display:none">',
  '<html style="display:none">',
  '</body>',
  '</html>',
  '<title>Late</title>',
  '<!--c-->',
  '<template><div>t</div></template>',
  '<svg><div>out of svg</div></svg>',
  '<frameset><frame>',
  '<object>obj',
  '</div>',
  '</section>',
  '</article>',
  '</main>',
  '</span>',
  '<span>span',
  '<q>q',
  '<script>s</script>',
  '<style>x</style>',
  '<base href="http://base.test/x/">',
  '<a href="/x"><div>block in link</div></a>',
];

const leaf = fc.constantFrom(...LEAVES);
const attrs = fc.constantFrom(...ATTRS);
const container = fc.constantFrom(...CONTAINERS);

const { html } = fc.letrec<{ html: string; piece: string }>((tie) => ({
  html: fc.array(tie('piece'), { maxLength: 7 }).map((pieces) => pieces.join('')),
  piece: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    leaf,
    // A container, closed by its own end tag, left open, or closed by another container's end tag.
    fc
      .tuple(
        container,
        attrs,
        tie('html'),
        fc.oneof(
          fc.constant('own'),
          fc.constant(''),
          fc.constantFrom(...CONTAINERS).map((c) => `</${c}>`),
        ),
      )
      .map(([tag, a, inner, close]) => `<${tag}${a}>${inner}${close === 'own' ? `</${tag}>` : close}`),
    fc.tuple(container, attrs, tie('html')).map(([tag, a, inner]) => `<${tag}${a}>${inner}</${tag}>`),
    fc
      .tuple(fc.constantFrom(...OTHER_WRAPPERS), tie('html'), fc.boolean())
      .map(([tag, inner, close]) => `<${tag}>${inner}${close ? `</${tag.split(' ')[0]}>` : ''}`),
  ),
}));

/** A page's usual wrappers around random content: none, or a few containers, closed or not. */
const wrapped = fc
  .tuple(fc.array(fc.tuple(container, attrs), { maxLength: 4 }), html, fc.boolean(), fc.boolean())
  .map(([stack, inner, close, body]) => {
    const open = stack.map(([tag, a]) => `<${tag}${a}>`).join('');
    const end = close
      ? stack
          .map(([tag]) => `</${tag}>`)
          .reverse()
          .join('')
      : '';
    return `${body ? '<body>' : ''}${open}${inner}${end}`;
  });

/** Containers nested around and beyond MAX_ELEMENT_DEPTH (64), where walk() flattens what is deeper. */
const deep = fc
  .tuple(
    fc.integer({ min: 58, max: 72 }),
    fc.integer({ min: 0, max: 75 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 72 }), html), { maxLength: 4 }),
  )
  .map(([n, closes, inserts]) => {
    const parts = Array.from({ length: n }, (_, i) => `<div>d${i} `);
    for (const [at, content] of inserts) parts[Math.min(at, n - 1)] += content;
    return `${parts.join('')}<p>deepest</p>${'</div><p>after</p>'.repeat(closes)}`;
  });

const LIST_TAGS = ['ul', 'ol', 'menu', 'dir', 'ol start="3"', 'ol start="x"', 'ul start="-2"'];
// What else turns up between items, or closes them and the list: text, misnested and stray end tags, tables that
// foster-parent into the list, fields, formatting left open across </li>, items outside any list.
const BETWEEN = [
  ' ',
  'loose text',
  '</li>',
  '<li>',
  '<li hidden>hidden item',
  '</ul>',
  '</ol>',
  '</p>',
  '<p>loose para</p>',
  '<div>loose div</div>',
  '<b>bold across',
  '</b>',
  '<a href="/across">link across',
  '<table>foster<tr><td>cell</td></tr></table>',
  '<table><li>in table',
  '<input name="between">',
  '<select name="s"><option>o</select>',
  '<form action="/lf"><input name="f"></form>',
  '<dd>dd',
  '<dt>dt',
  '<h3>h</h3>',
  '<!--c-->',
];
const itemContent = fc.oneof(
  { arbitrary: html, weight: 1 },
  {
    arbitrary: fc.constantFrom(
      'item',
      'two words',
      '<a href="/i">item link</a> rest',
      '<input name="i">',
      '',
    ),
    weight: 3,
  },
);
const { list } = fc.letrec<{ list: string; child: string }>((tie) => ({
  list: fc
    .tuple(
      fc.constantFrom(...LIST_TAGS),
      attrs,
      fc.array(tie('child'), { maxLength: 6 }),
      fc.constantFrom('own', 'own', 'own', '', '</ul>', '</ol>', '</div>', '</li>'),
    )
    .map(
      ([tag, a, children, close]) =>
        `<${tag}${a}>${children.join('')}${close === 'own' ? `</${tag.split(' ')[0]}>` : close}`,
    ),
  child: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(attrs, itemContent, fc.boolean())
      .map(([a, inner, close]) => `<li${a}>${inner}${close ? '</li>' : ''}`),
    fc
      .tuple(attrs, itemContent, fc.boolean())
      .map(([a, inner, close]) => `<li${a}>${inner}${close ? '</li>' : ''}`),
    fc.constantFrom(...BETWEEN),
    leaf,
    tie('list'),
    fc.tuple(attrs, tie('list'), itemContent).map(([a, inner, more]) => `<li${a}>${inner}${more}`),
  ),
}));

// Lists as a page has them (in <body> or its wrappers), among other content, and where they are not read early:
// inside an inline, a form, a list item, a heading, a table.
const listPage = fc
  .tuple(
    fc.array(fc.tuple(container, attrs), { maxLength: 3 }),
    fc.array(
      fc.oneof(
        { arbitrary: list, weight: 3 },
        { arbitrary: html, weight: 1 },
        {
          arbitrary: fc
            .tuple(
              fc.constantFrom('<span>', '<b>', '<form action="/x">', '<li>', '<h2>', '<table><tr><td>'),
              list,
            )
            .map(([open, inner]) => open + inner),
          weight: 1,
        },
      ),
      { maxLength: 3 },
    ),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([stack, pieces, close, body]) => {
    const open = stack.map(([tag, a]) => `<${tag}${a}>`).join('');
    const end = close
      ? stack
          .map(([tag]) => `</${tag}>`)
          .reverse()
          .join('')
      : '';
    return `${body ? '<body>' : ''}${open}${pieces.join('')}${end}`;
  });

/** Lists around MAX_ELEMENT_DEPTH (64), where walk() flattens what is deeper. */
const deepList = fc
  .tuple(fc.integer({ min: 58, max: 70 }), list, fc.integer({ min: 0, max: 8 }), list)
  .map(([n, inner, closes, after]) => `${'<div>'.repeat(n)}${inner}${'</div>'.repeat(closes)}${after}`);

/** The blocks handed to onBlock with each `continued` list's items put back on the list before it. */
function joinContinued(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const block of blocks) {
    const last = out[out.length - 1];
    if (block.type === 'list' && block.continued) {
      // A continued list only ever follows an unordered list (the rest of the same one).
      expect(last?.type === 'list' && !last.ordered).toBe(true);
      if (last?.type === 'list') out[out.length - 1] = { ...last, items: [...last.items, ...block.items] };
    } else out.push(block);
  }
  return out;
}

function check(source: string): void {
  const whole = parseDocument(source, URL_, { incremental: false });
  const incremental = parseDocument(source, URL_);
  expect(incremental).toEqual(whole);
  const streamed: Block[] = [];
  const doc: Document = parseDocument(source, URL_, { onBlock: (block) => streamed.push(block) });
  expect(joinContinued(streamed)).toEqual(whole.blocks);
  expect(doc.blocks).toEqual([]);
  expect({ ...doc, blocks: whole.blocks }).toEqual(whole);
}

// The two 2,500-run properties take several seconds alone, and a busy machine can make that more than 30 s.
describe('reading inside open containers while the page is parsed', () => {
  it('gives the document of the finished tree, for random content in random stacks of containers', () => {
    fc.assert(
      fc.property(wrapped, (body) => check(`<title>t</title>${body}`)),
      { numRuns: 2500 },
    );
  }, 120_000);

  it('gives the document of the finished tree, for containers nested beyond the walk depth', () => {
    fc.assert(
      fc.property(deep, (body) => check(body)),
      { numRuns: 150 },
    );
  });

  it('agrees on hand-picked cases where the parser changes the tree around containers', () => {
    const cases = [
      '<div id=page><p>a</p><table>foster<tr><td>c</td></tr>more</table><p>b</p></div>',
      '<div><p>a</p>text<table>x<div>foster div</div><tr><td>c</table>after</div>',
      '<div><b>bold</div>after<p>p</p>',
      '<div><section><p>a</p></div><p>b</p></section><p>c',
      '<div><p>x<div>y</div>z</div>',
      '<main><form action=/f><div><input name=a></main><input name=b></form><input name=c>',
      '<div><select><option>a</div><option>b</select>c</div>',
      '<div><a href=/a>x<div>y</a>z</div>w',
      '<div>a<body hidden><p>b</p><html style="display:none">c</div>',
      '<div></div><frameset><frame>',
      '<div><blockquote></blockquote><section><ul></ul></section></div><div><frameset><frame>',
      '<div><input type=hidden name=h></div><div>x</div><frameset>',
      '<article><template><div>t</div></template><p>x</p></article>',
      '<div hidden><p>a</p><div><p>b</p></div></div><p>c</p>',
      '<div style="display:none"><div><p>a</p></div></div>',
      '<div><h2>h</h2><div><p>a</p></div></div>',
      '<div><p>a</p><title>Late</title><p>b</p></div>',
      '<section><div><b><div>x</b>y</div></div></section>',
      '<div><table><tr><td><div>cell<p>p</div></table>z</div>',
      '<center><nav><p>n</p></nav><aside>a</aside></center>tail',
      '</div><div><p>x</p></div></div></div><p>y',
    ];
    for (const body of cases) check(body);
  });
});

describe('reading a list item by item while it is parsed', () => {
  it('gives the document of the finished tree, for random lists in random stacks of containers', () => {
    fc.assert(
      fc.property(listPage, (body) => check(`<title>t</title>${body}`)),
      { numRuns: 2500 },
    );
  }, 120_000);

  it('gives the document of the finished tree, for lists around the walk depth', () => {
    fc.assert(
      fc.property(deepList, (body) => check(body)),
      { numRuns: 200 },
    );
  });

  it('gives the content between items to the item above, as one run across hidden items', () => {
    const text = (t: string) => ({ type: 'text', text: t });
    const para = (...inlines: object[]) => ({ type: 'paragraph', inlines });
    const html = '<ul><li>a</li>x <b>y</b><li hidden>h</li> z<ul><li>n</li></ul><li>b</li></ul>';
    const expected = [
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [
          [
            para(text('a')),
            para(text('x '), { type: 'strong', children: [text('y')] }, text(' z')),
            { type: 'list', ordered: false, start: 1, items: [[para(text('n'))]] },
          ],
          [para(text('b'))],
        ],
      },
    ];
    expect(parseDocument(html, URL_, { incremental: false }).blocks).toEqual(expected);
    check(html);
  });

  it('agrees on hand-picked cases where the parser changes the tree around list items', () => {
    const cases = [
      '<ul><li>a</li>text<li hidden>h</li>more<li>b</li>tail</ul>after',
      'x<ul>before<li hidden>h</li><b>between</b><li>a</ul>',
      '<ul><li>a<li>b<li>c</ul>',
      '<ol start=5><li>a</li><li>b</li></ol><ol><li>c',
      '<ul><li>a</li><ul><li>nested</li></ul><li>b</li></ul>',
      '<ul><li>a<ul><li>in item</ul>b</li><li>c</li></ul>',
      '<ul><li><b>bold</li><li>still bold</li></ul>',
      '<ul><li><a href=/a>link</li><li>x</a>y</li></ul>',
      '<ul><li>a<b>b<p>c</b>d</p></li><li>e</li></ul>',
      '<ul><li>a</li><table>foster<tr><td>c</td></tr>more</table><li>b</li></ul>',
      '<ul><li>a</li><table><div>foster div</div><li>foster li</li><tr><td>c</table><li>b</ul>',
      '<div><ul><li>a</div><li>b</ul>c</div>',
      '<ul><li>a</ol><li>b</li></ul>',
      '<form action=/f><ul><li><input name=a></li></ul></form><ul><li><input name=b></li><li><input name=c>',
      '<ul><li><form action=/f><input name=a></li><li><input name=b></form><input name=c></li></ul>',
      '<ul><li><select name=s><option>a</li><option>b</select></li></ul>',
      '<ul></ul><frameset><frame>',
      '<ul><li>a</li></ul><frameset><frame>',
      '<ul><li>a</li><title>Late</title><li><title>Later</title>b</li></ul>',
      '<ul><li><h2>head</h2>x<pre>\npre</pre></li><li><table><tr><td>t</table></li></ul>',
      '<ul><li>a<p>open para<li>b<p>x</ul>y',
      '<ul><dd>dd<li>a<dt>dt<li>b</ul>',
      '<ul><li><button><li>in button</button></li></ul>',
      '<li>outside<li>twice<ul><li>in</ul>',
      '<ul><li>a</li><body hidden><li>b</li><html style="display:none"></ul>',
      '<div hidden><ul><li>a</ul></div><ul style="display:none"><li>b</ul><ul><li>c',
      '<ul><template><li>t</li></template><li>a</li><svg><li>svg</li></svg><li>b</ul>',
      `${'<div>'.repeat(63)}<ul><li>a</li><li>b<ul><li>c</ul></li></ul>`,
      `${'<div>'.repeat(64)}<ul><li>a</li><li>b</li></ul>`,
      '<ul><li>a</li><p>p</p></ul><p>after</p><ul><li>b',
    ];
    for (const body of cases) check(body);
  });
});

describe('early reading', () => {
  it('happens inside the containers that wrap a page, long before the page is parsed', () => {
    // `fields` is the live list: a block handed over while the field at the end of the page is not read yet was
    // read while the page was still being parsed.
    const paragraphs = Array.from(
      { length: 2000 },
      (_, i) => `<p>paragraph ${i} <a href="/l${i}">link</a></p>`,
    );
    const html = `<body><div id="page"><main><article>${paragraphs.join('\n')}<input name="last"></article></main></div>`;
    let early = 0;
    let blocks = 0;
    parseDocument(html, URL_, {
      onBlock: (_block, fields) => {
        blocks++;
        if (fields.length === 0) early++;
      },
    });
    expect(blocks).toBe(2001);
    expect(early).toBe(2000);
  });

  it('happens 40 containers deep', () => {
    const paragraphs = Array.from({ length: 300 }, (_, i) => `<p>p${i}</p>`).join('');
    const html = `${'<div>'.repeat(40)}${paragraphs}<input name="last">`;
    let early = 0;
    parseDocument(html, URL_, {
      onBlock: (_block, fields) => {
        if (fields.length === 0) early++;
      },
    });
    expect(early).toBe(300);
  });

  it('drops each list item from the tree once it is read, so that an open list holds a few nodes', () => {
    const items = Array.from({ length: 3000 }, (_, i) => `<li><a href="/f${i}">file ${i}</a> text</li>\n`);
    for (const html of [
      `<body><ul>${items.join('')}</ul>`,
      `<div id="page"><main><ol start="7">${items.join('')}`,
      `<ul>${items.join('<!--between-->')}</ul>`,
    ]) {
      // The most children the list had when an item was added to it, and the items added.
      let most = 0;
      let added = 0;
      watch.append = (parent, child) => {
        if (child.nodeName === 'li' && (parent.nodeName === 'ul' || parent.nodeName === 'ol')) {
          added++;
          most = Math.max(most, parent.childNodes.length);
        }
      };
      let listed = 0;
      try {
        parseDocument(html, URL_, {
          onBlock: (block) => {
            if (block.type === 'list') listed += block.items.length;
          },
        });
      } finally {
        watch.append = null;
      }
      expect(added).toBe(3000);
      expect(listed).toBe(3000);
      expect(most).toBeLessThanOrEqual(2);
    }
  });

  it("drops the items of a list nested in an item of the page's list as they are read (a table of contents)", () => {
    const items = (n: number, inner: () => string) =>
      Array.from({ length: n }, (_, i) => `<li><a href="/s${i}">section ${i}</a>${inner()}</li>\n`).join('');
    const leaves = () => `<ul>${items(40, () => '')}</ul>`;
    for (const html of [
      // 300 items under the one item of the page's only list, as Sphinx writes its contents page.
      `<div class="toctree-wrapper"><ul><li>Library<ul class="nested">${items(300, leaves)}</ul></li></ul></div>`,
      // Items that are never closed, in an ordered list, in an item of an unordered one, after other items.
      `<body><ul><li>a<li>b<li><p>top</p><ol class="nested">${items(300, leaves).replaceAll('</li>', '')}</ol></ul>`,
    ]) {
      // The most items the nested list had when an item was added to it, and the items added.
      let most = 0;
      let added = 0;
      watch.append = (parent, child) => {
        const element = parent as DefaultTreeAdapterMap['element'];
        if (child.nodeName === 'li' && element.attrs?.some((a) => a.value === 'nested')) {
          added++;
          most = Math.max(most, element.childNodes.filter((c) => c.nodeName === 'li').length);
        }
      };
      let blocks = 0;
      try {
        parseDocument(html, URL_, { onBlock: () => blocks++ });
      } finally {
        watch.append = null;
      }
      expect(added).toBe(300);
      expect(blocks).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(2);
    }
  });

  it('hands over an unordered list a few items at a time while it is parsed, an ordered one only whole', () => {
    const items = Array.from({ length: 1000 }, (_, i) => `<li>file ${i}</li>\n`).join('');
    for (const [html, handOvers] of [
      [`<body><ul>${items}</ul><p>after</p>`, 'many'],
      [`<div><menu>${items}</menu></div>`, 'many'],
      [`<body><ol>${items}</ol>`, 'one'],
    ] as const) {
      const lists: Array<{ items: number; continued: boolean }> = [];
      parseDocument(html, URL_, {
        onBlock: (block) => {
          if (block.type === 'list')
            lists.push({ items: block.items.length, continued: block.continued === true });
        },
      });
      expect(lists.reduce((n, l) => n + l.items, 0)).toBe(1000);
      expect(lists[0]!.continued).toBe(false);
      if (handOvers === 'one') expect(lists).toHaveLength(1);
      else {
        expect(lists.length).toBeGreaterThan(100);
        expect(lists.slice(1).every((l) => l.continued)).toBe(true);
      }
    }
  });

  it('reads a list whole where it is not a child of <body> or of a container being read', () => {
    const items = Array.from({ length: 100 }, (_, i) => `<li>file ${i}</li>`).join('');
    let most = 0;
    watch.append = (parent, child) => {
      if (child.nodeName === 'li') most = Math.max(most, parent.childNodes.length);
    };
    try {
      parseDocument(`<span><ul>${items}</ul></span>`, URL_, { onBlock: () => {} });
    } finally {
      watch.append = null;
    }
    expect(most).toBe(99);
  });

  it('waits for the end of what is not a plain container (a list, a form)', () => {
    for (const [open, close] of [
      ['<ul><li>', '</ul>'],
      ['<form>', '</form>'],
    ] as const) {
      const paragraphs = Array.from({ length: 50 }, (_, i) => `<p>p${i}</p>`).join('');
      const html = `<div>${open}${paragraphs}<input name="last">${close}</div>`;
      let early = 0;
      parseDocument(html, URL_, {
        onBlock: (_block, fields) => {
          if (fields.length === 0) early++;
        },
      });
      expect(early).toBe(0);
    }
  });
});
