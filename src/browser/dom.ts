// Reading parse5's tree: attributes, hidden elements, text content, a page's <base> and <title>.
import type { DefaultTreeAdapterMap } from 'parse5';
import { collapseAndClean } from './html-text.js';
import { resolveUrl } from './resolve-url.js';

export type Node = DefaultTreeAdapterMap['node'];
export type Element = DefaultTreeAdapterMap['element'];
export type ParentNode = DefaultTreeAdapterMap['parentNode'];

export function attr(el: Element, name: string): string | undefined {
  const attrs = el.attrs;
  for (let i = 0; i < attrs.length; i++) if (attrs[i]!.name === name) return attrs[i]!.value;
  return undefined;
}

export function isHidden(el: Element): boolean {
  const attrs = el.attrs;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    if (a.name === 'hidden') return true;
    // Inline display:none is how pages hide menus and dialogs without CSS files; aria-hidden is NOT treated
    // as hidden, because it hides content from screen readers, not from the eye.
    if (a.name === 'style' && /display\s*:\s*none/i.test(a.value)) return true;
  }
  return false;
}

/** Text content of a subtree, as is (for <pre>, <textarea>, <option>, <title>); iterative, so depth is free. */
export function textContent(root: Node, out: string[]): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const tag = node.nodeName;
    if (tag === '#text') out.push((node as DefaultTreeAdapterMap['textNode']).value);
    else if (tag === 'br') out.push('\n');
    else if (tag !== 'script' && tag !== 'style' && tag !== 'template') {
      const children = (node as ParentNode).childNodes;
      if (children) for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
}

export function collapsedText(node: Node): string {
  const parts: string[] = [];
  textContent(node, parts);
  return collapseAndClean(parts.join('')).trim();
}

export function findBase(node: ParentNode, documentUrl: string): string | null {
  for (const child of node.childNodes) {
    if (child.nodeName === 'base') {
      const href = attr(child as Element, 'href');
      if (href !== undefined) return resolveUrl(href, documentUrl);
    }
    if (child.nodeName === 'html' || child.nodeName === 'head') {
      const found = findBase(child as Element, documentUrl);
      if (found) return found;
    }
  }
  return null;
}

export function findTitle(node: ParentNode): string {
  for (const child of node.childNodes) {
    if (child.nodeName === 'title') return collapsedText(child);
    if (child.nodeName === 'html' || child.nodeName === 'head') {
      const t = findTitle(child as Element);
      if (t) return t;
    }
  }
  return '';
}
