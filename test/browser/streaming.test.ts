// --dump renders blocks while the page is parsed (StreamingRender): it must give exactly renderPage's lines.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatePage, generateShapePage, SHAPES } from '../../bench/browse-page.js';
import { type Block, type FormField, parseDocument } from '../../src/browser/document.js';
import { renderPage, StreamingRender } from '../../src/browser/render.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));
const URL_ = 'http://example.test/dir/page.html';

function streamed(html: string, width: number, colour: boolean): { lines: string[]; blocks: number } {
  const stream = new StreamingRender({ width, colour });
  let blocks = 0;
  const doc = parseDocument(html, URL_, {
    onBlock: (block: Block, fields: readonly FormField[]) => {
      blocks++;
      stream.block(block, fields);
    },
  });
  expect(doc.blocks).toEqual([]);
  return { lines: stream.lines(doc), blocks };
}

function whole(html: string, width: number, colour: boolean): string[] {
  return renderPage(parseDocument(html, URL_), { width, colour }).lines;
}

/** The text StreamingRender writes as it goes (--dump), with the rest that text() returns at the end. */
function written(html: string, width: number): { text: string; writes: number } {
  const out: string[] = [];
  const stream = new StreamingRender({ width, colour: false }, (text) => out.push(text));
  const doc = parseDocument(html, URL_, {
    onBlock: (block, fields, title) => stream.block(block, fields, title),
  });
  const writes = out.length;
  out.push(stream.text(doc));
  return { text: out.join(''), writes };
}

describe('StreamingRender', () => {
  const pages = readdirSync(SITE).filter((f) => f.endsWith('.html'));

  it.each(pages)('writes, as it goes, exactly the text it would return for %s', (page) => {
    const html = readFileSync(join(SITE, page), 'utf8');
    expect(written(html, 80).text).toBe(whole(html, 80, false).join('\n'));
  });

  it('writes a large page in many pieces, the same text as renderPage gives', () => {
    const html = generatePage(300_000, 5);
    const result = written(html, 64);
    expect(result.text).toBe(whole(html, 64, false).join('\n'));
    expect(result.writes).toBeGreaterThan(10);
  });

  // A page that is one paragraph (text and inline elements straight in <body>) is laid out as one flat string:
  // looking at its end once per link or emphasis used to flatten it each time (5 MB took 48 s).
  it('lays out a page that is one long paragraph like renderPage, in one pass', () => {
    const piece = (i: number) =>
      `the server sent ${i} lines <a href="/x${i}">link ${i}</a> <em>some words</em> and <strong>more</strong> text `;
    const html = `<body>${Array.from({ length: 4000 }, (_, i) => piece(i)).join('')}`;
    const result = written(html, 72);
    expect(result.text).toBe(whole(html, 72, false).join('\n'));
    expect(result.text.split('\n').length).toBeGreaterThan(4000);
  });

  it('holds the text back until the title is known, then writes it first', () => {
    const body = Array.from(
      { length: 600 },
      (_, i) => `<p>paragraph ${i} <a href="/l${i}">link</a></p>`,
    ).join('');
    for (const html of [`<body>${body}<title>Late</title>${body}`, `<body>${body}`, '<title>T</title><p>x']) {
      const result = written(html, 40);
      expect(result.text).toBe(whole(html, 40, false).join('\n'));
    }
    expect(written(`<body>${body}<title>Late</title>${body}`, 40).text.startsWith('TITLE: Late\n')).toBe(
      true,
    );
  });
  it.each(pages)('gives renderPage lines for %s (80 plain, 33 colour)', (page) => {
    const html = readFileSync(join(SITE, page), 'utf8');
    expect(streamed(html, 80, false).lines).toEqual(whole(html, 80, false));
    expect(streamed(html, 33, true).lines).toEqual(whole(html, 33, true));
  });

  it('gives renderPage lines for a generated page, receiving its blocks one by one', () => {
    const html = generatePage(60_000, 3);
    const result = streamed(html, 72, false);
    expect(result.lines).toEqual(whole(html, 72, false));
    expect(result.blocks).toBeGreaterThan(50);
  });

  it('a <title> found late in the body still comes first', () => {
    const html = '<body><p>one <a href="/x">x</a></p><title>Late</title><p>two</p>';
    expect(streamed(html, 40, false).lines).toEqual(whole(html, 40, false));
    expect(streamed(html, 40, false).lines[0]).toBe('TITLE: Late');
  });

  it('matches renderPage on random tag soup', () => {
    const piece = fc.constantFrom(
      '<p>',
      '</p>',
      '<b>',
      '</b>',
      '<a href="/l">',
      '</a>',
      '<ul><li>',
      '</li>',
      '<table><tr><td>',
      '</td>',
      '<pre>x\ty</pre>',
      '<h2>',
      '<select><option>o</select>',
      '<input value="v">',
      '<br>',
      ' word ',
      'text',
      '<blockquote>',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const html = parts.join('');
        expect(streamed(html, 30, false).lines).toEqual(whole(html, 30, false));
      }),
      { numRuns: 200 },
    );
  });

  // --dump lays out what it can as one flat string (FlatText): the markers must glue exactly as word by word.
  it('matches renderPage on random inline markup, in paragraphs and table cells', () => {
    const inline = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(
          'word',
          ' ',
          'two words',
          ' lead',
          'trail ',
          ' both ',
          'x',
          '',
          'averyveryverylongwordthatdoesnotfitanywhere',
        ),
        fc.constantFrom(
          '<img alt="an image">',
          '<img>',
          '<img alt="">',
          '<br>',
          '<input value=v>',
          '\u00e9t\u00e9',
          '&amp;',
        ),
        fc
          .tuple(
            fc.constantFrom('em', 'i', 'strong', 'b', 'code', 'a href="/x"', 'a href="/y"', 'span'),
            fc.array(tie('node'), { maxLength: 4 }),
          )
          .map(([tag, children]) => `<${tag}>${children.join('')}</${tag.split(' ')[0]}>`),
      ),
    })).node;
    const page = fc
      .tuple(
        fc.array(inline, { maxLength: 12 }),
        fc.array(inline, { maxLength: 6 }),
        fc.integer({ min: 20, max: 50 }),
      )
      .map(([para, cell, width]) => ({
        html: `<p>${para.join('')}</p><table><tr><td>${cell.join('')}</td><td>${para.join('')}</td></tr></table><h3>${cell.join('')}</h3>`,
        width,
      }));
    fc.assert(
      fc.property(page, ({ html, width }) => {
        expect(streamed(html, width, false).lines).toEqual(whole(html, width, false));
      }),
      { numRuns: 1500 },
    );
  });

  // A long unordered list is handed over a few items at a time (continued list blocks): the lines must run on
  // without a blank line, with the bullets of the depth the whole list has, in colour and without.
  it('lays out an unordered list handed over in pieces like renderPage', () => {
    const pieces = [
      '<li>item <a href="/x">link</a>',
      '<li><p>one</p><p>two</p></li>',
      '<li>outer<ul><li>inner<li>inner two</ul></li>',
      '<li><ol><li>a</li><li>b</li></ol></li>',
      '<li></li>',
      'loose text between items ',
      '<p>a loose paragraph</p>',
      '<li hidden>hidden</li>',
      '<li><b>bold <i>both</i></b> plain',
      '\n',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { minLength: 0, maxLength: 40 }),
        fc.constantFrom('<ul>', '<menu>', '<dir>', '<ol>', '<b><ul>', '<div><ul>'),
        fc.boolean(),
        (items, open, colour) => {
          const html = `<title>t</title><p>before</p>${open}${items.join('')}</ul></menu></dir></ol><p>after</p>`;
          expect(streamed(html, 50, colour).lines).toEqual(whole(html, 50, colour));
          if (!colour) expect(written(html, 50).text).toBe(whole(html, 50, false).join('\n'));
        },
      ),
      { numRuns: 400 },
    );
  });

  // Every shortcut at once (text runs, fast tags, reading early in containers and lists, flat layout, widths
  // without string-width) against none of them: the example pages, pages of each bench shape, and both cut,
  // doubled and shuffled at random (broken nesting, tags cut in half).
  it('gives the text of a parse and layout without any shortcut, on whole and mangled pages', () => {
    const pages = readdirSync(SITE)
      .filter((f) => f.endsWith('.html'))
      .map((f) => readFileSync(join(SITE, f), 'utf8'));
    for (const shape of SHAPES) pages.push(generateShapePage(shape, 20_000, 2));
    pages.push(generatePage(40_000, 9));
    const reference = (html: string, width: number) =>
      renderPage(parseDocument(html, URL_, { incremental: false }), {
        width,
        colour: false,
      }).lines;
    const mangle = (html: string, cuts: number[]) => {
      let out = html;
      for (let k = 0; k + 2 < cuts.length; k += 3) {
        const a = Math.floor(cuts[k]! * out.length);
        const b = Math.min(out.length, a + Math.floor(cuts[k + 1]! * 400));
        const at = Math.floor(cuts[k + 2]! * out.length);
        out =
          k % 2 === 0 ? out.slice(0, a) + out.slice(b) : out.slice(0, at) + out.slice(a, b) + out.slice(at);
      }
      return out;
    };
    for (const html of pages) expect(written(html, 61).text).toBe(reference(html, 61).join('\n'));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: pages.length - 1 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 18 }),
        fc.integer({ min: 20, max: 90 }),
        (page, cuts, width) => {
          const html = mangle(pages[page]!, cuts);
          expect(written(html, width).text).toBe(reference(html, width).join('\n'));
        },
      ),
      { numRuns: 300 },
    );
  });
});
