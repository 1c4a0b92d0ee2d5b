// Reads a page's <body> while parse5 is still building it, so that the tree of a large page never exists whole
// and its blocks can be laid out as they come (see IncrementalReader).
import { type DefaultTreeAdapterMap, html as markup, type Parser } from 'parse5';
import { BlockBuilder } from './block-builder.js';
import type { Block, FormField } from './blocks.js';
import { DocumentBuilder, type ListItems, listBlock } from './document-builder.js';
import { type Element, findBase, findTitle, isHidden, type ParentNode } from './dom.js';
import { noActiveFormatting } from './parse5-internals.js';

// Formatting elements take part in the parser's adoption agency (<b>a<p>b</b>c</p>), which can move them after
// they were closed; a closed child of <body> (or of a container being read) that is not one is final, and can be
// read and let go at once.
const FORMATTING = new Set([
  'a',
  'b',
  'big',
  'code',
  'em',
  'font',
  'i',
  'nobr',
  's',
  'small',
  'strike',
  'strong',
  'tt',
  'u',
]);
// Containers whose walk is only flush, children, flush (BLOCKISH, no case of their own), so one that wraps a whole
// page (<div id="page"><main><article>...) can be entered while it is open and its children read as they close.
// Anything walked in a way of its own (form, tables, headings, blockquote...) is read whole once closed; lists
// are entered too, but read item by item (LISTS).
// All are "special" to parse5 (<search> is not yet, so it is not here): no misnested end tag closes one from the
// middle of its stack of open elements, and the adoption agency never takes one off it.
const CONTAINERS = new Set([
  'address',
  'article',
  'aside',
  'center',
  'details',
  'div',
  'dl',
  'fieldset',
  'figure',
  'footer',
  'header',
  'hgroup',
  'main',
  'nav',
  'section',
]);
// Lists are entered like containers, but their children are their items (list()), each read once it is closed;
// only an item in which a list opens is entered (see onPush), so that the nested list is read as it comes too.
const LISTS = new Set(['ul', 'ol', 'menu', 'dir']);
const READ: DefaultTreeAdapterMap['commentNode'] = { nodeName: '#comment', data: '', parentNode: null };

/**
 * <body>, or a container or list being read while it is parsed: its children before `next` are read (or entered).
 */
interface Frame {
  el: Element;
  next: number;
  /** A list's items read so far; null for <body>, the containers and the items. */
  list: ListItems | null;
  /** For an item (<li>): the list it is an item of; null for the others. */
  itemOf: ListItems | null;
  /** Where its children are walked: an item's own builder; else the builder of the frame it is in (a list: where its block goes). */
  blocks: BlockBuilder;
}

/**
 * Reads <body> while parse5 builds it: each finished block is turned into blocks and dropped from the tree as soon
 * as it is closed, so the tree of a large page never exists whole (its garbage dies young, which is most of the
 * saving on a 5 MB page). That happens in <body>, in the plain containers open in it (the page's wrappers) and, item
 * by item, in a list open in one of these (a directory listing is one <ul> of 100,000 items) and in a list open in
 * an item of such a list, with the wrappers in that item (a table of contents, whose first item can be most of the
 * page); containers and lists are entered when they open, as walk() would enter them, and such an item when a list
 * opens in it. Anything not provably final waits until it is.
 *
 * Why a read is safe: children are read only while parse5's stack of open elements is exactly <html> and the open
 * frames (each the last child of the one below), with no active formatting element (nothing the adoption agency
 * could move). Then nothing read is open, and all the parser can still do to a frame is append to it, or insert
 * before an open table, which comes after anything read. Only a <frameset> could still undo it all (by taking the
 * body out), while framesetOk is true: until then what is read is held back.
 */
export class IncrementalReader {
  builder: DocumentBuilder | null = null;
  private blocks = new BlockBuilder();
  private body: Element | null = null;
  /** <body>, then the containers entered in it, outermost first; each was the last child of the one before. */
  private frames: Frame[] = [];
  /** How many frames, from the end, parse5 has closed but are not read to their end (it was not safe yet). */
  private closed = 0;
  /**
   * The innermost open frame (what most pushes and pops are compared with, once each); null before <body>, once a
   * <frameset> closed the body, and if the frames ever did something thought impossible: then nothing more is read
   * before the end (which is always right).
   */
  private top: Element | null = null;

  constructor(
    private readonly parser: Parser<DefaultTreeAdapterMap>,
    private readonly url: string,
    private readonly onBlock?: BlockListener,
  ) {}

  private start(body: Element): void {
    const doc = this.parser.document;
    this.builder = new DocumentBuilder(findBase(doc, this.url) ?? this.url);
    this.builder.title = findTitle(doc);
    this.body = body;
    this.frames.push({ el: body, next: 0, list: null, itemOf: null, blocks: this.blocks });
    this.top = body;
  }

  /** Whether nothing closed can change any more (see the class comment); false when that cannot be known. */
  private settled(): boolean {
    return noActiveFormatting(this.parser);
  }

  /** Hands over the blocks read so far, once they are sure to be the page's. */
  private deliverRead(): void {
    // Until framesetOk is false, a <frameset> can still take the body out of the tree (the page then has no blocks).
    if (this.onBlock && this.parser.framesetOk === false) this.deliver(this.blocks.take());
  }

  onPush(element: Element): void {
    const top = this.top;
    if (top === null) {
      if (this.body === null && element.nodeName === 'body' && element.parentNode?.nodeName === 'html')
        this.start(element);
      return;
    }
    const name = element.nodeName;
    if (element.parentNode !== top) {
      // A list opening in an item of a list whose block goes straight to the page (a table of contents, whose
      // items can each be most of the page): the item is entered first, so that the nested list is read item by
      // item as it comes. Other items, and the items of lists in these, are read whole once closed: entering
      // costs more than that, and they are small.
      const item = element.parentNode as Element | null;
      if (!LISTS.has(name) || item === null || item.nodeName !== 'li' || item.parentNode !== top) return;
      if (!this.enterItem(item)) return;
    }
    const open = this.frames.length - this.closed;
    const parent = this.frames[open - 1]!;
    // Inside a list nothing is entered here (see above); elsewhere the lists and the containers.
    const isList = LISTS.has(name);
    if (parent.list !== null || (!isList && !CONTAINERS.has(name))) return;
    const siblings = parent.el.childNodes;
    // Only a container just opened at the end of the innermost open frame, right above it on the parser's stack:
    // not one foster-parented before a table, nor one that the adoption agency moved or announces again.
    const stack = this.parser.openElements;
    if (
      siblings.length === 0 ||
      siblings[siblings.length - 1] !== element ||
      element.childNodes.length !== 0 ||
      stack.current !== element ||
      stack.depth !== open + 2 ||
      element.namespaceURI !== markup.NS.HTML ||
      // Its attributes are final: the parser adds attributes later only to <html> and <body>.
      isHidden(element) ||
      !this.settled()
    )
      return;
    this.finishClosed();
    // walk() reaches the container after its earlier siblings, all closed (it is the only open child).
    this.readUpTo(parent, siblings.length - 1);
    const builder = this.builder!;
    let frame: Frame | null = null;
    if (isList) {
      const list = builder.enterList(parent.blocks);
      if (list !== null) frame = { el: element, next: 0, list, itemOf: null, blocks: parent.blocks };
    } else if (builder.enterContainer(parent.blocks))
      frame = { el: element, next: 0, list: null, itemOf: null, blocks: parent.blocks };
    if (frame !== null) {
      parent.next = siblings.length;
      this.frames.push(frame);
      this.top = element;
    }
    this.deliverRead();
  }

  /**
   * Enters `item`, the open last child of the list being read, as a list opens in it (the only open child, right
   * above it on the parser's stack): the items before it are read, and it becomes the innermost frame, its
   * children walked into a builder of its own. False, doing nothing, where that is not sure to be safe.
   */
  private enterItem(item: Element): boolean {
    const open = this.frames.length - this.closed;
    const parent = this.frames[open - 1]!;
    const list = parent.list;
    const siblings = parent.el.childNodes;
    if (
      list === null ||
      list.around !== this.blocks ||
      siblings[siblings.length - 1] !== item ||
      this.parser.openElements.depth !== open + 3 ||
      item.namespaceURI !== markup.NS.HTML ||
      isHidden(item) ||
      !this.settled()
    )
      return false;
    this.finishClosed();
    this.readUpTo(parent, siblings.length - 1);
    parent.next = siblings.length;
    this.frames.push({ el: item, next: 0, list: null, itemOf: list, blocks: this.builder!.enterItem(list) });
    this.top = item;
    return true;
  }

  onPop(element: Element, newTop: ParentNode | undefined): void {
    const top = this.top;
    if (element === top) {
      const open = this.frames.length - this.closed;
      // The parser closes a container only from the top of its stack, so the frame below is the new top.
      if (open === 1 || newTop !== this.frames[open - 2]!.el) {
        this.top = null;
        return;
      }
      // Read to its end (and left) with the next read in its parent, when that is safe.
      this.closed++;
      this.top = this.frames[open - 2]!.el;
    } else if (newTop !== top || top === null) return;
    if (FORMATTING.has(element.nodeName) || !this.settled()) return;
    const open = this.frames.length - this.closed;
    const parent = this.frames[open - 1]!;
    const children = parent.el.childNodes;
    // A frame taken off the middle of the stack (never seen) would show here, and nothing would be read.
    if (
      children.length === 0 ||
      children[children.length - 1] !== element ||
      this.parser.openElements.depth !== open + 1
    )
      return;
    this.finishClosed();
    this.readUpTo(parent, children.length);
    this.deliverRead();
  }

  /** Reads the closed frames to their end and leaves them, innermost first. */
  private finishClosed(): void {
    for (; this.closed > 0; this.closed--) {
      const frame = this.frames.pop()!;
      this.readUpTo(frame, frame.el.childNodes.length);
      this.leave(frame);
    }
  }

  private leave(frame: Frame): void {
    if (frame.itemOf !== null) this.builder!.leaveItem(frame.itemOf, frame.blocks);
    else if (frame.list === null) this.builder!.leaveContainer(frame.blocks);
    else this.builder!.leaveList(frame.el, frame.list, frame.blocks);
  }

  private readUpTo(frame: Frame, end: number): void {
    const children = frame.el.childNodes;
    const builder = this.builder!;
    if (frame.list !== null) {
      // A list is read to its end, or up to an item just opened (which is entered): each child becomes its blocks,
      // and the nodes read leave the tree, so an open list holds no item however long it is (even a placeholder
      // per item would make a long array). Only a last text node would have to stay, as the parser appends the
      // next text to it; but an open list is read to its end when a child element closes, and a closed one gets
      // no more text.
      for (let i = frame.next; i < end; i++) builder.listChild(frame.list, children[i]!);
      const drop =
        end === children.length && end > 0 && children[end - 1]!.nodeName === '#text' ? end - 1 : end;
      for (let i = 0; i < drop; i++) children[i]!.parentNode = null;
      children.splice(0, drop);
      frame.next = end - drop;
      this.handOverItems(frame.el, frame.list);
      return;
    }
    for (let i = frame.next; i < end; i++) {
      const child = children[i]!;
      if (child === READ) continue;
      builder.walkInto(child, frame.blocks);
      // The last child stays: the parser looks at it to decide where the next text goes.
      if (i < children.length - 1) children[i] = READ;
    }
    if (frame.next > 0 && frame.next - 1 < children.length - 1) children[frame.next - 1] = READ;
    frame.next = end;
  }

  /**
   * Hands over the finished items of an unordered list being read, when nothing before it is held back: an item is
   * finished once the next one starts (content between items belongs to the item above). Only unordered lists:
   * an ordered list's markers are as wide as its last number, which is not known before it ends.
   */
  private handOverItems(el: Element, list: ListItems): void {
    if (
      !this.onBlock ||
      el.nodeName === 'ol' ||
      list.items.length < 2 ||
      // Only a list whose block goes straight to the page (not one in an item), with nothing before it held back.
      list.around !== this.blocks ||
      this.blocks.blocks.length > 0 ||
      this.parser.framesetOk !== false
    )
      return;
    const block = listBlock(el, list, list.items.splice(0, list.items.length - 1));
    list.handedOver = true;
    this.deliver([block]);
  }

  private deliver(blocks: Block[]): void {
    const builder = this.builder!;
    for (let i = 0; i < blocks.length; i++) this.onBlock!(blocks[i]!, builder.fields, builder.title);
  }

  finish(): { builder: DocumentBuilder; blocks: Block[] } {
    // A <frameset> can take the body out of the tree: what was read of it (nothing was handed over) is not the page.
    if (this.body === null || this.builder === null || this.body.parentNode === null) {
      const html = this.parser.document.childNodes.find((n) => n.nodeName === 'html') as Element | undefined;
      const body = html?.childNodes.find((n) => n.nodeName === 'body') as Element | undefined;
      const builder = new DocumentBuilder(findBase(this.parser.document, this.url) ?? this.url);
      builder.title = findTitle(this.parser.document);
      this.builder = builder;
      const blocks = body ? builder.blocksOf(body.childNodes) : [];
      if (!this.onBlock) return { builder, blocks };
      this.deliver(blocks);
      return { builder, blocks: [] };
    }
    // The tree is final: the rest of each frame, innermost first, is what walk() still had to read.
    this.finishClosed();
    for (let i = this.frames.length - 1; i > 0; i--) {
      const frame = this.frames[i]!;
      this.readUpTo(frame, frame.el.childNodes.length);
      this.leave(frame);
    }
    this.frames.length = 1;
    this.readUpTo(this.frames[0]!, this.body.childNodes.length);
    const blocks = this.blocks.finish();
    if (!this.onBlock) return { builder: this.builder, blocks };
    this.deliver(blocks);
    return { builder: this.builder, blocks: [] };
  }
}

/**
 * Receives each top-level block of the body, in order, as soon as it is final; `fields` is the live list;
 * `title` the page's title as far as it is known (once it is not empty, it is the page's title).
 */
export type BlockListener = (block: Block, fields: readonly FormField[], title: string) => void;
