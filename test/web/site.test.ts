// The sample site in examples/site: every page parses, the lab's pages are what the lab asks for, every link
// and image resolves to a file that exists, and the byte-level pages (Latin-1, hostile) are what they claim.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { describe, expect, it } from 'vitest';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? htmlFiles(join(dir, d.name)) : d.name.endsWith('.html') ? [join(dir, d.name)] : [],
  );
}

const pages = htmlFiles(SITE).map((file) => relative(SITE, file));

function decode(file: string): string {
  const bytes = readFileSync(join(SITE, file));
  return /charset="?iso-8859-1/i.test(bytes.subarray(0, 1024).toString('latin1'))
    ? bytes.toString('latin1')
    : bytes.toString('utf8');
}

function elements(node: Node, name?: string): Element[] {
  const found: Element[] = [];
  const walk = (n: Node) => {
    if ('tagName' in n && (name === undefined || n.tagName === name)) found.push(n);
    const children = 'content' in n && n.nodeName === 'template' ? [] : 'childNodes' in n ? n.childNodes : [];
    for (const child of children) walk(child);
  };
  walk(node);
  return found;
}

function text(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  return 'childNodes' in node ? node.childNodes.map(text).join('') : '';
}

const attr = (el: Element, name: string) => el.attrs.find((a) => a.name === name)?.value;

function load(file: string) {
  return parse(decode(file));
}

describe('the sample site', () => {
  it('has the pages the lab and the browser need', () => {
    for (const name of [
      'index.html',
      'page1.html',
      'page2.html',
      'page3.html',
      'page4.html',
      'page5.html',
      'lists.html',
      'table.html',
      'pre.html',
      'quote.html',
      'images.html',
      'entities.html',
      'latin1.html',
      'broken.html',
      'forms.html',
      'hostile.html',
      'long.html',
      'redirect/index.html',
    ])
      expect(pages, name).toContain(name);
  });

  it.each(pages)('%s parses, with a title and a first-level heading', (file) => {
    const errors: string[] = [];
    const doc = parse(decode(file), { onParseError: (e) => errors.push(e.code) });
    const title = elements(doc, 'title')[0];
    expect(title && text(title).trim().length).toBeGreaterThan(0);
    expect(elements(doc, 'h1').length).toBeGreaterThan(0);
    // Only broken.html and hostile.html are allowed to be wrong; the rest are examples of good HTML.
    if (file !== 'broken.html' && file !== 'hostile.html' && file !== 'entities.html')
      expect(errors.filter((e) => e !== 'missing-doctype')).toEqual([]);
  });

  it('page1 has a title, an h1, paragraphs and emphasised words; page2 nests em, strong, b, i', () => {
    const one = load('page1.html');
    expect(elements(one, 'p').length).toBeGreaterThanOrEqual(2);
    expect(elements(one, 'em').length).toBeGreaterThan(0);
    const two = load('page2.html');
    for (const tag of ['em', 'strong', 'b', 'i']) expect(elements(two, tag).length, tag).toBeGreaterThan(0);
    expect(elements(two, 'strong').some((s) => elements(s, 'em').length > 0)).toBe(true);
  });

  it('page3 links to ./page4.html and ./page5.html, and both link back to ./page3.html', () => {
    const hrefs = (file: string) => elements(load(file), 'a').map((a) => attr(a, 'href'));
    expect(hrefs('page3.html')).toEqual(expect.arrayContaining(['./page4.html', './page5.html']));
    expect(hrefs('page4.html')).toContain('./page3.html');
    expect(hrefs('page5.html')).toContain('./page3.html');
  });

  it('the index links to every page', () => {
    const base = 'http://site.invalid/';
    const linked = new Set(
      elements(load('index.html'), 'a').map((a) => new URL(attr(a, 'href') ?? '', base).pathname),
    );
    for (const file of pages) {
      if (file === 'index.html' || file === 'form-result.html') continue;
      const path = `/${file.replace(/index\.html$/, '').replace(/\/$/, '')}`;
      expect(linked.has(path) || linked.has(`${path}/`), file).toBe(true);
    }
  });

  it('every link, image and form action resolves to a file of the site (no broken links)', () => {
    const base = 'http://site.invalid/';
    const checked: string[] = [];
    for (const file of pages) {
      const doc = load(file);
      const ids = new Set(
        elements(doc)
          .map((el) => attr(el, 'id'))
          .filter(Boolean),
      );
      const refs = [
        ...elements(doc, 'a').map((el) => attr(el, 'href')),
        ...elements(doc, 'img').map((el) => attr(el, 'src')),
        ...elements(doc, 'form').map((el) => attr(el, 'action')),
      ].filter((r): r is string => r !== undefined);
      for (const ref of refs) {
        const url = new URL(ref, base + file);
        if (url.origin !== new URL(base).origin) continue;
        const samePage = url.pathname === `/${file}` || ref.startsWith('#');
        if (samePage && url.hash)
          expect(ids.has(decodeURIComponent(url.hash.slice(1))), `${file}: ${ref}`).toBe(true);
        const target = join(SITE, decodeURIComponent(url.pathname));
        const ok =
          existsSync(target) &&
          (statSync(target).isFile() ||
            existsSync(join(target, 'index.html')) ||
            statSync(target).isDirectory());
        expect(ok, `${file} links to ${ref}, which does not exist`).toBe(true);
        checked.push(ref);
      }
    }
    expect(checked.length).toBeGreaterThan(60);
  });

  it('latin1.html really is ISO-8859-1 bytes, declared as such', () => {
    const bytes = readFileSync(join(SITE, 'latin1.html'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(bytes.includes(0xe9)).toBe(true); // é
    expect(bytes.includes(0xdf)).toBe(true); // ß
    expect(bytes.includes(0xfc)).toBe(true); // ü
    expect(bytes.toString('latin1')).toContain('<meta charset="iso-8859-1">');
    expect(text(elements(load('latin1.html'), 'title')[0]!)).toContain('café, Müller, Straße');
  });

  it('hostile.html carries raw escape sequences in its title, body, link text and hrefs', () => {
    const raw = readFileSync(join(SITE, 'hostile.html'), 'utf8');
    expect(raw).toContain('\u001b]52;c;'); // OSC 52: write the clipboard
    expect(raw).toContain('\u001b]0;'); // OSC 0: set the window title
    expect(raw).toContain('\u001b[2J');
    expect(raw).toContain('\u009b');
    const doc = parse(raw);
    expect(text(elements(doc, 'title')[0]!)).toContain('\u001b');
    const links = elements(doc, 'a');
    expect(links.some((a) => text(a).includes('\u001b'))).toBe(true);
    expect(links.some((a) => (attr(a, 'href') ?? '').includes('\u001b'))).toBe(true);
  });

  it('has a directory without a slash to redirect, and a long page', () => {
    expect(statSync(join(SITE, 'redirect')).isDirectory()).toBe(true);
    expect(elements(load('long.html'), 'p').length).toBeGreaterThan(50);
  });
});
