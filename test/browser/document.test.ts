import { describe, expect, it } from 'vitest';
import { type Block, type Inline, inlineText, parseDocument } from '../../src/browser/document.js';

const BASE = 'http://example.test/dir/page.html';

function parse(body: string, head = '') {
  return parseDocument(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`, BASE);
}

function texts(blocks: Block[]): string[] {
  return blocks.map((b) => (b.type === 'paragraph' || b.type === 'heading' ? inlineText(b.inlines) : b.type));
}

describe('parseDocument', () => {
  // A text split by comments is one text with single spaces where the halves meet, however often it is split
  // (reading the end of the growing text each time made 2 MB of this take 11 s).
  it('joins text split by many comments with single spaces', () => {
    const html = `<p>${'a <!-- c --> '.repeat(20000)}b<!-- --> <!---->c</p>`;
    const doc = parseDocument(html, BASE);
    expect(doc.blocks).toHaveLength(1);
    const text = inlineText((doc.blocks[0] as Extract<Block, { type: 'paragraph' }>).inlines);
    expect(text).toBe(`${'a '.repeat(20000)}b c`);
  });

  it('reads the title and collapses white space in it', () => {
    expect(parseDocument('<title>  A \n  title </title><p>x', BASE).title).toBe('A title');
  });

  it('collapses white space across inline elements like a browser', () => {
    const doc = parse('<p>  one   <b> two </b>  <i>three</i>\n four  </p>');
    expect(texts(doc.blocks)).toEqual(['one two three four']);
  });

  it('leaves one space where a comment or an empty element split the text', () => {
    const doc = parse('<p>a <!-- c --> b</p><p>x <span></span> y <b></b> z</p>');
    expect(texts(doc.blocks)).toEqual(['a b', 'x y z']);
  });

  it('keeps <pre> verbatim, dropping the newline that follows the start tag', () => {
    const doc = parse('<pre>\n  a\tb\n   c  </pre>');
    expect(doc.blocks).toEqual([{ type: 'pre', text: '  a\tb\n   c  ' }]);
  });

  it('skips script, style, template, head content, [hidden] and display:none, but shows noscript', () => {
    const doc = parse(
      '<script>bad()</script><style>p{}</style><template><p>t</template><p hidden>h</p>' +
        '<div style="color:red; display : none">n</div><noscript><p>fallback</p></noscript><p>shown</p>',
    );
    expect(texts(doc.blocks)).toEqual(['fallback', 'shown']);
  });

  it('resolves links against <base href> and numbers nothing for javascript: links', () => {
    const doc = parse(
      '<p><a href="x.html">x</a> <a href="javascript:go()">js</a> <a href="/r">r</a></p>',
      '<base href="http://other.test/a/">',
    );
    const p = doc.blocks[0] as Extract<Block, { type: 'paragraph' }>;
    const links = p.inlines.filter((i): i is Extract<Inline, { type: 'link' }> => i.type === 'link');
    expect(links.map((l) => l.href)).toEqual(['http://other.test/a/x.html', 'http://other.test/r']);
    expect(inlineText(p.inlines)).toBe('x js r');
  });

  it('builds headings, nested lists with start numbers, blockquotes and hr', () => {
    const doc = parse(
      '<h2>Head <em>ing</em></h2><ol start="3"><li>a<ul><li>b</li></ul></li><li>c</li></ol><blockquote><p>q</p></blockquote><hr>',
    );
    expect(doc.blocks[0]).toMatchObject({ type: 'heading', level: 2 });
    const list = doc.blocks[1] as Extract<Block, { type: 'list' }>;
    expect(list).toMatchObject({ type: 'list', ordered: true, start: 3 });
    expect(list.items).toHaveLength(2);
    expect(list.items[0]![1]).toMatchObject({ type: 'list', ordered: false });
    expect(doc.blocks[2]).toMatchObject({ type: 'blockquote' });
    expect(doc.blocks[3]).toEqual({ type: 'hr' });
  });

  it('understands broken HTML the way browsers do (unclosed p, misnested b/i)', () => {
    const doc = parse('<p>one<p>two <b>b <i>bi</b> i</i>');
    expect(texts(doc.blocks)).toEqual(['one', 'two b bi i']);
  });

  it('keeps a link around a heading when the heading is inside the link', () => {
    const doc = parse('<a href="/h"><h2>Title</h2></a>');
    const h = doc.blocks[0] as Extract<Block, { type: 'heading' }>;
    expect(h.inlines[0]).toMatchObject({ type: 'link', href: 'http://example.test/h' });
  });

  it('reads tables with header flags and clamps colspan', () => {
    const doc = parse('<table><thead><tr><th>A<th>B</thead><tr><td colspan=99999>x</table>');
    const t = doc.blocks[0] as Extract<Block, { type: 'table' }>;
    expect(t.rows[0]!.map((c) => c.header)).toEqual([true, true]);
    expect(t.rows[1]![0]!.span).toBe(1000);
  });

  it('treats images: alt shown, alt="" skipped, missing alt marked', () => {
    const doc = parse('<p><img alt="cat"><img alt=""><img src=x></p>');
    const p = doc.blocks[0] as Extract<Block, { type: 'paragraph' }>;
    expect(p.inlines).toEqual([
      { type: 'image', alt: 'cat' },
      { type: 'image', alt: '' },
    ]);
  });

  it('collects forms and their fields', () => {
    const doc = parse(
      '<form action="/go" method="POST"><input name="q" value="v"><input type=hidden name=h value=1>' +
        '<input type=checkbox name=c checked><select name=s><option value=1>One<option selected>Two</select>' +
        '<textarea name=t>hi</textarea><button>Send</button></form><input name="orphan">',
    );
    expect(doc.forms).toEqual([{ action: 'http://example.test/go', method: 'post' }]);
    expect(doc.fields.map((f) => [f.kind, f.name, f.value, f.checked, f.form])).toEqual([
      ['text', 'q', 'v', false, 0],
      ['hidden', 'h', '1', false, 0],
      ['checkbox', 'c', 'on', true, 0],
      ['select', 's', 'Two', false, 0],
      ['textarea', 't', 'hi', false, 0],
      ['submit', '', 'Send', false, 0],
      ['text', 'orphan', '', false, null],
    ]);
  });

  it('removes escape sequences and control characters from everything it keeps', () => {
    const doc = parseDocument(
      '<title>T\u001b]0;owned\u0007</title><p>a\u001b[2Jb &#27;[31mc <a href="x\u001b[1m">l\u009b1m</a></p><pre>p\u001b[H\tq</pre>',
      BASE,
    );
    const all = JSON.stringify(doc);
    expect(all).not.toMatch(/\\u001b|\\u009b|\\u0007/);
    expect(doc.title).toBe('T');
    expect((doc.blocks[1] as { text: string }).text).toBe('p\tq');
  });
});
