// Generates a realistic HTML page of a given size for bench:browse: paragraphs with links and emphasis,
// headings, nested lists, tables and the odd pre, from a seeded generator so every run measures the same page.

const WORDS = (
  'the a server browser request response header body connection socket protocol line text page link ' +
  'status client byte stream message chat store key value version lab course telnet terminal window ' +
  'quick brown fox jumps over lazy dog while reading every document sent across network carefully'
).split(' ');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

export function generatePage(targetBytes: number, seed = 1): string {
  const random = rng(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const parts: string[] = [
    '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>Generated page for bench:browse</title>\n</head>\n<body>\n',
  ];
  let size = parts[0]!.length;
  let section = 0;
  let link = 0;
  const push = (s: string) => {
    parts.push(s);
    size += s.length;
  };
  while (size < targetBytes) {
    section++;
    push(`<h2 id="s${section}">Section ${section}: ${words(4)}</h2>\n`);
    for (let p = 0; p < 4; p++) {
      const sentence: string[] = [];
      for (let k = 0; k < 8; k++) {
        const r = random();
        if (r < 0.12) sentence.push(`<a href="/page${++link % 500}.html?q=${link}">${words(3)}</a>`);
        else if (r < 0.2) sentence.push(`<em>${words(2)}</em>`);
        else if (r < 0.26) sentence.push(`<strong>${words(2)}</strong>`);
        else if (r < 0.3) sentence.push(`<code>${pick(WORDS)}()</code>`);
        else sentence.push(words(6));
      }
      push(`<p>${sentence.join(' ')}.</p>\n`);
    }
    const kind = section % 4;
    if (kind === 0) {
      push('<ul>\n');
      for (let i = 0; i < 5; i++)
        push(
          `<li>${words(5)} <a href="item${i}.html">${words(2)}</a>${i === 2 ? `<ol><li>${words(4)}</li><li>${words(3)}</li></ol>` : ''}</li>\n`,
        );
      push('</ul>\n');
    } else if (kind === 1) {
      push('<table>\n<tr><th>Name</th><th>Port</th><th>Description</th></tr>\n');
      for (let i = 0; i < 6; i++)
        push(`<tr><td>${pick(WORDS)}</td><td>${8000 + i}</td><td>${words(10)}</td></tr>\n`);
      push('</table>\n');
    } else if (kind === 2) {
      push(`<pre>GET /page${section}.html HTTP/1.1\nHost: 127.0.0.1:8000\n\n${words(6)}\n</pre>\n`);
    } else {
      push(`<blockquote><p>${words(25)}</p></blockquote>\n`);
    }
  }
  push('</body>\n</html>\n');
  return parts.join('');
}

/** Pages of one shape each, for BENCH_SHAPES: how much each browser's speed depends on what a page is made of. */
export const SHAPES = ['tables', 'links', 'paragraph', 'nested', 'list', 'contents'] as const;
export type Shape = (typeof SHAPES)[number];

// What a shape's units go inside, if anything but <body>.
const AROUND: Partial<Record<Shape, [string, string]>> = {
  list: ['<ul>\n', '</ul>\n'],
  contents: ['<div class="toctree"><ul><li><a href="/">Contents</a><ul>\n', '</ul></li></ul></div>\n'],
};

export function generateShapePage(shape: Shape, targetBytes: number, seed = 1): string {
  const random = rng(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const unit: Record<Shape, (i: number) => string> = {
    // Many small tables (a forum, a price list): what w3m and lynx find slowest.
    tables: () =>
      `<table><tr><td>${words(3)}</td><td>${words(5)}</td></tr><tr><td>${words(2)}</td><td>${words(8)}</td></tr></table>\n`,
    // Paragraphs that are nothing but links (an index).
    links: (i) =>
      `<p>${Array.from({ length: 10 }, (_, k) => `<a href="/p${i}_${k}.html">${words(2)}</a>`).join(' ')}</p>\n`,
    // One paragraph: text and inline elements straight in <body>, never a block.
    paragraph: (i) => `${words(50)} <a href="/x${i}">${words(2)}</a> <em>${words(3)}</em> `,
    // Every paragraph three <div>s deep.
    nested: (i) => `<div><div><div><p>${words(12)} <a href="/n${i}">${words(2)}</a></p></div></div></div>\n`,
    // One big list (a directory listing, as plainwire serve makes it).
    list: (i) => `<li><a href="/item${i}.html">Item number ${i}</a> ${words(6)}</li>\n`,
    // A table of contents: one item of the page's list holds all the others, two levels deep (Sphinx's contents).
    contents: (i) =>
      `<li><a href="/m${i}.html">${words(3)}</a><ul>${Array.from(
        { length: 5 },
        (_, k) => `<li><a href="/m${i}.html#s${k}">${words(4)}</a></li>`,
      ).join('')}</ul></li>\n`,
  };
  const parts = [
    '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>Shape: ',
    shape,
    '</title>\n</head>\n<body>\n',
  ];
  const [open, close] = AROUND[shape] ?? ['', ''];
  parts.push(open);
  let size = parts.join('').length;
  for (let i = 0; size < targetBytes; i++) {
    const piece = unit[shape](i);
    parts.push(piece);
    size += piece.length;
  }
  parts.push(close);
  parts.push('</body>\n</html>\n');
  return parts.join('');
}
