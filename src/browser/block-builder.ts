// Gathers a container's content into blocks: inline content (text, links, emphasis...) into paragraphs with
// white space collapsed as a browser does, blocks as they come; open inline wrappers reopen after a block.
import type { Block, ContainerInline, Inline } from './blocks.js';
import { collapseAndClean, isHtmlSpace } from './html-text.js';

// Inline wrappers nested deeper than this are flattened (see MAX_ELEMENT_DEPTH in document-builder.ts).
const MAX_INLINE_WRAPPERS = 12;

/** Collapses white space across a run of inlines the way a browser does, in place; returns the array. */
export function collapseWhitespace(inlines: Inline[]): Inline[] {
  collapseList(inlines, true);
  trimTrailing(inlines, inlines.length);
  return pruneEmpty(inlines);
}

/**
 * `atLineStart`: the previous visible character was a space or a line start, so a leading space is dropped.
 * Returns the same for what follows the list. (A function, not a closure made per paragraph: this runs for
 * every paragraph, cell and list item of a page.)
 */
function collapseList(list: Inline[], atLineStart: boolean): boolean {
  for (let i = 0; i < list.length; i++) {
    const node = list[i]!;
    switch (node.type) {
      case 'text': {
        let t = node.text;
        if (atLineStart && t.charCodeAt(0) === 32) {
          t = t.slice(1);
          node.text = t;
        }
        if (t.length > 0) atLineStart = t.charCodeAt(t.length - 1) === 32;
        break;
      }
      case 'br':
        trimTrailing(list, i);
        atLineStart = true;
        break;
      case 'image':
      case 'field':
        atLineStart = false;
        break;
      default:
        atLineStart = collapseList(node.children, atLineStart);
    }
  }
  return atLineStart;
}

/** Removes the space that ends the text just before position `end` (searching into nested inlines). */
function trimTrailing(list: Inline[], end: number): void {
  for (let i = end - 1; i >= 0; i--) {
    const node = list[i]!;
    if (node.type === 'text') {
      if (node.text.length === 0) continue;
      if (node.text.charCodeAt(node.text.length - 1) === 32) node.text = node.text.slice(0, -1);
      return;
    }
    if (node.type === 'emphasis' || node.type === 'strong' || node.type === 'code' || node.type === 'link') {
      const before = node.children.length;
      trimTrailing(node.children, before);
      if (hasVisible(node.children)) return;
      continue;
    }
    return;
  }
}

function hasVisible(list: Inline[]): boolean {
  for (const node of list) {
    if (node.type === 'text') {
      if (node.text.length > 0) return true;
    } else if (node.type === 'br' || node.type === 'image' || node.type === 'field') return true;
    else if (hasVisible(node.children)) return true;
  }
  return false;
}

function pruneEmpty(list: Inline[]): Inline[] {
  let w = 0;
  for (let i = 0; i < list.length; i++) {
    const node = list[i]!;
    if (node.type === 'text' && node.text.length === 0) continue;
    if (node.type === 'emphasis' || node.type === 'strong' || node.type === 'code' || node.type === 'link') {
      pruneEmpty(node.children);
      // An empty link still gets a number (it may be the only way to reach a page), other wrappers go.
      if (node.children.length === 0 && node.type !== 'link') continue;
    }
    list[w++] = node;
  }
  list.length = w;
  return list;
}

const NO_WRAPPERS: readonly ContainerInline[] = [];

/** Builds blocks for one container (body, list item, blockquote, cell): inline content gathers into paragraphs. */
export class BlockBuilder {
  readonly blocks: Block[] = [];
  private paragraph: Inline[] | null = null;
  /** Open inline wrappers, outermost first; their children arrays receive new inlines. */
  private open: ContainerInline[];

  /** `inherited`: wrappers open around this container (<a href><h2>..</h2></a>), reopened inside it. */
  constructor(inherited: readonly ContainerInline[] = NO_WRAPPERS) {
    this.open = inherited.length === 0 ? [] : inherited.slice();
  }

  openWrappers(): readonly ContainerInline[] {
    return this.open;
  }

  target(): Inline[] {
    if (this.paragraph === null) {
      this.paragraph = [];
      // A block interrupted open wrappers (<b>a<p>b</p>c</b>): reopen them in the new paragraph.
      let list = this.paragraph;
      for (let i = 0; i < this.open.length; i++) {
        const copy = { ...this.open[i]!, children: [] } as ContainerInline;
        list.push(copy);
        this.open[i] = copy;
        list = copy.children;
      }
    }
    // (Never index an empty array at -1: V8 then looks for a "-1" property up the prototype chain, several times
    // slower than a read in bounds, and these run for every text and inline of a page.)
    const open = this.open.length;
    return open === 0 ? this.paragraph : this.open[open - 1]!.children;
  }

  pushInline(node: Inline): void {
    this.target().push(node);
  }

  pushText(text: string): void {
    if (this.paragraph === null && isHtmlSpace(text)) return;
    const t = this.target();
    const last = t.length === 0 ? undefined : t[t.length - 1];
    const collapsed = collapseAndClean(text);
    if (last && last.type === 'text') {
      // Text split by a comment or an empty element ("a <!-- --> b"): one space where the two halves meet.
      // Whether it ends in a space is remembered from the piece last added: reading the end of a string built
      // by appending flattens it, and a page can split one text thousands of times (quadratic; docs/BROWSER.md).
      const endsWithSpace =
        last === this.lastText ? this.lastTextSpace : last.text.charCodeAt(last.text.length - 1) === 32;
      last.text =
        endsWithSpace && collapsed.charCodeAt(0) === 32
          ? last.text + collapsed.slice(1)
          : last.text + collapsed;
      if (collapsed.length > 0) this.lastTextSpace = collapsed.charCodeAt(collapsed.length - 1) === 32;
      else this.lastTextSpace = endsWithSpace;
      this.lastText = last;
    } else {
      const node: Inline = { type: 'text', text: collapsed };
      t.push(node);
      this.lastText = node;
      this.lastTextSpace = collapsed.charCodeAt(collapsed.length - 1) === 32;
    }
  }

  /** The text inline pushText made or extended last, and whether it ends in a space. */
  private lastText: Inline | null = null;
  private lastTextSpace = false;

  /** Returns false (and opens nothing) when wrappers are already nested too deep to mean anything more. */
  openInline(node: ContainerInline): boolean {
    if (this.open.length >= MAX_INLINE_WRAPPERS) return false;
    this.target().push(node);
    this.open.push(node);
    return true;
  }

  closeInline(): void {
    this.open.pop();
  }

  /** Ends the current paragraph (if any) before a block starts. */
  flush(): void {
    if (this.paragraph === null) return;
    const inlines = collapseWhitespace(this.paragraph);
    this.paragraph = null;
    if (inlines.length > 0 && hasVisible(inlines)) this.blocks.push({ type: 'paragraph', inlines });
  }

  pushBlock(block: Block): void {
    this.flush();
    this.blocks.push(block);
  }

  finish(): Block[] {
    this.flush();
    return this.blocks;
  }

  /** Hands over the blocks that are final (the open paragraph is not one of them) and forgets them. */
  take(): Block[] {
    return this.blocks.splice(0, this.blocks.length);
  }
}
