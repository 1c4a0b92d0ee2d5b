import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/browser/document.js';
import { initialFormState, toggleField } from '../../src/browser/forms.js';
import { displayWidth, fitColumns, renderPage } from '../../src/browser/render.js';

const BASE = 'http://example.test/dir/page.html';

function render(body: string, width = 40, colour = false) {
  return renderPage(parseDocument(`<title>T</title><body>${body}`, BASE), { width, colour });
}

describe('renderPage', () => {
  it('starts with TITLE, sets headings apart and separates paragraphs with blank lines', () => {
    const page = render('<h1>Head</h1><p>one</p><p>two</p>');
    expect(page.lines).toEqual(['TITLE: T', '', 'HEADING: Head', '', 'one', '', 'two']);
    expect(page.headings).toEqual([{ level: 1, text: 'Head', lineIndex: 2 }]);
  });

  it('word-wraps to the width, measuring wide characters as two columns', () => {
    const page = render(`<p>${'漢字 '.repeat(12)}</p>`, 20);
    const body = page.lines.slice(2);
    for (const line of body) expect(displayWidth(line)).toBeLessThanOrEqual(20);
    expect(body[0]).toBe('漢字 漢字 漢字 漢字');
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('🙂')).toBe(2);
  });

  it('numbers links after their text and lists them under References with absolute URLs', () => {
    const page = render('<p>go <a href="a.html">to A</a> or <a href="https://x.test/b">B</a></p>');
    expect(page.lines).toEqual([
      'TITLE: T',
      '',
      'go to A[1] or B[2]',
      '',
      'References',
      '',
      '1: http://example.test/dir/a.html',
      '2: https://x.test/b',
    ]);
    expect(page.links.map((l) => [l.number, l.text, l.lineIndex, l.column])).toEqual([
      [1, 'to A', 2, 7],
      [2, 'B', 2, 15],
    ]);
  });

  it('never breaks a URL or a [n] marker across lines, even when longer than the width', () => {
    const url = `http://example.test/${'x'.repeat(60)}`;
    const page = render(`<p>see ${url} and <a href="/l">link</a> marker</p>`, 20);
    expect(page.lines).toContain(url);
    const withMarker = page.lines.find((l) => l.includes('[1]'));
    expect(withMarker).toMatch(/link\[1\]/);
  });

  it('marks emphasis with asterisks without colour, and with italic/bold SGR with colour', () => {
    const plain = render('<p>a <em>b c</em> <strong>d</strong> <b><i>e</i></b></p>');
    expect(plain.lines[2]).toBe('a *b c* **d** ***e***');
    const coloured = render('<p>a <em>b</em> <strong>d</strong></p>', 40, true);
    expect(coloured.lines[2]).toBe('a \u001b[3mb\u001b[0m \u001b[1md\u001b[0m');
  });

  it('indents nested lists with bullets and right-aligned numbers', () => {
    const page = render('<ul><li>a<ul><li>b</li></ul></li></ul><ol start=9><li>x</li><li>y</li></ol>');
    expect(page.lines.slice(2)).toEqual(['  * a', '      - b', '', '   9. x', '  10. y']);
  });

  it('keeps pre verbatim with tabs expanded, and prefixes blockquotes', () => {
    const page = render(
      '<pre>a\tb\n  c</pre><blockquote><p>q</p><blockquote><p>r</p></blockquote></blockquote>',
    );
    expect(page.lines.slice(2)).toEqual(['a       b', '  c', '', '> q', '>', '> > r']);
  });

  it('aligns table columns by display width and rules off header rows', () => {
    const page = render('<table><tr><th>名前</th><th>n</th></tr><tr><td>ab</td><td>1</td></tr></table>');
    expect(page.lines.slice(2)).toEqual(['名前 | n', '-----+--', 'ab   | 1']);
  });

  it('shows images as [alt] and a rule for hr', () => {
    const page = render('<p><img alt="a cat"> <img src=x></p><hr>', 20);
    expect(page.lines.slice(2)).toEqual(['[a cat] [image]', '', '-'.repeat(20)]);
  });

  it('numbers form fields with links and shows their current values', () => {
    const doc = parseDocument(
      '<form><a href="/x">x</a> <input name=q> <input type=checkbox name=c> <select name=s><option>A</select> <input type=submit value=Go></form>',
      BASE,
    );
    const before = renderPage(doc, { width: 80, colour: false });
    expect(before.lines[2]).toBe('x[1] [2 text: q=____] [3 [ ] c] [4 select: s=A] [5 submit: Go]');
    expect(before.targets.map((t) => t.kind)).toEqual(['link', 'field', 'field', 'field', 'field']);
    const state = toggleField(doc, initialFormState(doc), 1);
    state.values[0] = 'hello';
    const after = renderPage(doc, { width: 80, colour: false, formState: state });
    expect(after.lines[2]).toBe('x[1] [2 text: q=hello] [3 [x] c] [4 select: s=A] [5 submit: Go]');
  });

  it('leaves single spaces where escape sequences were removed, and wraps long runs of plain words', () => {
    const page = render('<p>one \u001b[2J two &#27;]0;t&#7; three</p>');
    expect(page.lines[2]).toBe('one two three');
    const long = render(`<p>${'word '.repeat(30)}<em>end</em></p>`, 24);
    expect(long.lines.slice(2, 4)).toEqual(['word word word word word', 'word word word word word']);
    expect(long.lines[long.lines.length - 1]).toBe('*end*');
  });

  it('keeps every line within the width for ordinary text at many widths', () => {
    const words = 'the quick brown fox jumps over the lazy dog '.repeat(20);
    for (const width of [20, 33, 57, 80, 132]) {
      const page = render(
        `<p>${words}</p><ul><li>${words}</li></ul><blockquote>${words}</blockquote>`,
        width,
      );
      for (const line of page.lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    }
  });
});

describe('fitColumns', () => {
  it('keeps natural widths when they fit and gives narrow columns their full width when not', () => {
    expect(fitColumns([3, 4], [3, 4], 20)).toEqual([3, 4]);
    const widths = fitColumns([4, 18, 150], [3, 11, 9], 74);
    expect(widths.slice(0, 2)).toEqual([4, 18]);
    expect(widths.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(74);
  });
});
