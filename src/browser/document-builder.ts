// Walks parse5's tree into the block model: which elements are blocks, inline wrappers, links, tables or form
// fields, and what is skipped (scripts, styles, hidden elements). Used whole (walk) or a child at a time by the
// incremental reader (incremental.ts).
import type { DefaultTreeAdapterMap } from 'parse5';
import { sanitizeText } from '../text/sanitize.js';
import { BlockBuilder } from './block-builder.js';
import {
  type Block,
  type FieldKind,
  type Form,
  type FormField,
  flattenBlocks,
  type Inline,
  type ContainerInline,
  type TableCell,
} from './blocks.js';
import {
  attr,
  collapsedText,
  type Element,
  isHidden,
  type Node,
  type ParentNode,
  textContent,
} from './dom.js';
import { clean, collapseAndClean, sanitizePre } from './html-text.js';
import { resolveFull, resolveSimple, resolveUrl } from './resolve-url.js';

// Content a text browser does not show. <noscript> is not here on purpose: plainwire runs no scripts, so the
// fallback a page offers to script-less browsers is exactly what it should show (parse5 runs with scripting
// off so that noscript content is parsed as markup).
const SKIPPED = new Set([
  'script',
  'style',
  'template',
  'head',
  'title',
  'meta',
  'link',
  'base',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'svg',
  'math',
  'canvas',
  'audio',
  'video',
  'source',
  'track',
  'map',
  'datalist',
  'dialog',
  'area',
  'param',
]);

// Elements that start a new block; everything else not handled specially is an inline wrapper.
const BLOCKISH = new Set([
  'address',
  'article',
  'aside',
  'body',
  'center',
  'details',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'header',
  'hgroup',
  'html',
  'legend',
  'main',
  'nav',
  'p',
  'section',
  'summary',
  'caption',
  'form',
  'search',
  'optgroup',
  'option',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'li',
  'dir',
  'listing',
  'xmp',
  'plaintext',
]);

const EMPHASIS = new Set(['em', 'i', 'cite', 'dfn', 'var']);
const STRONG = new Set(['strong', 'b']);
const CODE = new Set(['code', 'kbd', 'samp', 'tt']);
// A Map, not an object: looking up a property by a name made at run time (every element's is) first interns the
// name in V8's string table; a Map uses the hash the name already has from parse5's own tag lookup.
const HEADING_LEVEL = new Map([
  ['h1', 1],
  ['h2', 2],
  ['h3', 3],
  ['h4', 4],
  ['h5', 5],
  ['h6', 6],
]);
const TEXT_INPUT_TYPES = new Set(['text', 'search', 'email', 'url', 'tel', 'number', 'date', 'time', '']);

// Nesting beyond this depth (and inline wrappers beyond MAX_INLINE_WRAPPERS in block-builder.ts) is flattened: no
// page needs it to be read, and a hostile one could use it to exhaust the stack or make layout quadratic. (Browsers cap DOM depth in the parser for the same reason.)
const MAX_ELEMENT_DEPTH = 64;

/** A list's items so far, read one child of the list at a time. */
export interface ListItems {
  items: Block[][];
  /** The content between items since the last item (it belongs to the item above), walked as it comes. */
  loose: BlockBuilder | null;
  /** The builder the list's block goes to (its open wrappers are reopened in each item). */
  around: BlockBuilder;
  /** Whether items of it were handed over already (see IncrementalReader.handOverItems). */
  handedOver: boolean;
}

/** The block of a list's `items`: all of them, or (see IncrementalReader.handOverItems) the ones read so far. */
export function listBlock(el: Element, list: ListItems, items: Block[][]): Block {
  // `start` is recorded for unordered lists too; 1 if absent or not a number.
  const value = attr(el, 'start');
  const start = value === undefined ? 1 : Number.parseInt(value, 10);
  const block: Block = {
    type: 'list',
    ordered: el.nodeName === 'ol',
    start: Number.isFinite(start) ? start : 1,
    items,
  };
  if (list.handedOver) block.continued = true;
  return block;
}

export class DocumentBuilder {
  readonly forms: Form[] = [];
  readonly fields: FormField[] = [];
  private formStack: number[] = [];
  /** A <select> being read, so its <option>s land in it. */
  private select: FormField | null = null;
  title = '';

  constructor(readonly baseUrl: string) {}

  /** Walks one node into a builder that lives across calls (the body, read while it is being parsed). */
  walkInto(node: Node, builder: BlockBuilder): void {
    this.walk(node, builder);
  }

  /**
   * What walk() does for a plain container (BLOCKISH, not hidden) before its children, for one read while it is
   * parsed; false, doing nothing, where walk() would flatten it instead (too deep).
   */
  enterContainer(builder: BlockBuilder): boolean {
    if (this.depth >= MAX_ELEMENT_DEPTH) return false;
    this.depth++;
    builder.flush();
    return true;
  }

  /** What walk() does for that container after its children. */
  leaveContainer(builder: BlockBuilder): void {
    builder.flush();
    this.depth--;
  }

  /**
   * What walk() does for a list (not hidden) before its children, for one read while it is parsed; null where walk()
   * would flatten it instead. (Its block flushes the paragraph before it: the same done now, as nothing is added to
   * `builder` until the list ends.)
   */
  enterList(builder: BlockBuilder): ListItems | null {
    if (this.depth >= MAX_ELEMENT_DEPTH) return null;
    this.depth++;
    builder.flush();
    return this.startList(builder);
  }

  /** What walk() does for that list after its children. */
  leaveList(el: Element, list: ListItems, builder: BlockBuilder): void {
    builder.pushBlock(this.endList(el, list));
    this.depth--;
  }

  blocksOf(children: Node[], around?: BlockBuilder): Block[] {
    const builder = new BlockBuilder(around?.openWrappers());
    for (let i = 0; i < children.length; i++) this.walk(children[i]!, builder);
    return builder.finish();
  }

  private depth = 0;

  private walk(node: Node, b: BlockBuilder): void {
    const name = node.nodeName;
    if (name === '#text') {
      b.pushText((node as DefaultTreeAdapterMap['textNode']).value);
      return;
    }
    if (name === '#comment' || name === '#documentType') return;
    if (this.depth >= MAX_ELEMENT_DEPTH) {
      const parts: string[] = [];
      textContent(node, parts);
      b.pushText(` ${parts.join('')} `);
      return;
    }
    this.depth++;
    try {
      this.walkElement(node as Element, b);
    } finally {
      this.depth--;
    }
  }

  private walkElement(el: Element, b: BlockBuilder): void {
    const name = el.nodeName;
    if (name === 'title') {
      if (!this.title) this.title = collapsedText(el);
      return;
    }
    if (SKIPPED.has(name) || isHidden(el)) return;
    // Only HTML elements; foreign content (inside svg/math) was skipped above.
    const level = HEADING_LEVEL.get(name);
    if (level !== undefined) {
      const inner = this.blocksOf(el.childNodes, b);
      const inlines: Inline[] = [];
      const rest: Block[] = [];
      for (const block of inner) {
        if (block.type === 'paragraph') {
          if (inlines.length > 0) inlines.push({ type: 'text', text: ' ' });
          for (const inline of block.inlines) inlines.push(inline);
        } else rest.push(block);
      }
      if (inlines.length > 0) b.pushBlock({ type: 'heading', level, inlines });
      for (const block of rest) b.pushBlock(block);
      return;
    }
    switch (name) {
      case 'br':
        b.pushInline({ type: 'br' });
        return;
      case 'wbr':
        return;
      case 'hr':
        b.pushBlock({ type: 'hr' });
        return;
      case 'img': {
        const alt = attr(el, 'alt');
        // alt="" marks a decorative image (HTML spec): nothing to show. No alt at all: say there is an image.
        if (alt === undefined) b.pushInline({ type: 'image', alt: '' });
        else {
          const text = collapseAndClean(alt).trim();
          if (text) b.pushInline({ type: 'image', alt: text });
        }
        return;
      }
      case 'pre':
      case 'listing':
      case 'xmp':
      case 'plaintext': {
        const parts: string[] = [];
        textContent(el, parts);
        let text = parts.join('').replace(/\r\n?/g, '\n');
        if (text.endsWith('\n')) text = text.slice(0, -1);
        b.pushBlock({ type: 'pre', text: sanitizePre(text) });
        return;
      }
      case 'ul':
      case 'ol':
      case 'menu':
      case 'dir':
        b.pushBlock(this.list(el, b));
        return;
      case 'dd':
        b.pushBlock({ type: 'indent', blocks: this.blocksOf(el.childNodes, b) });
        return;
      case 'blockquote':
        b.pushBlock({ type: 'blockquote', blocks: this.blocksOf(el.childNodes, b) });
        return;
      case 'table':
        this.table(el, b);
        return;
      case 'a': {
        const href = attr(el, 'href');
        if (href === undefined) break;
        // A URL joined by hand is http(s) or file and made of ASCII letters, digits and punctuation only, on a
        // base new URL() serialised (ASCII, no control characters): nothing there to check or clean.
        let url = resolveSimple(href, this.baseUrl);
        if (url === null) {
          url = resolveFull(href, this.baseUrl);
          // javascript: links do nothing without scripts: show their text, do not number them.
          if (url === null || /^javascript:/i.test(url)) break;
          url = clean(url);
        }
        const opened = b.openInline({ type: 'link', href: url, children: [] });
        this.children(el, b);
        if (opened) b.closeInline();
        return;
      }
      case 'q':
        b.pushText('\u201c');
        this.children(el, b);
        b.pushText('\u201d');
        return;
      case 'form':
        this.form(el, b);
        return;
      case 'input':
        this.input(el, b);
        return;
      case 'textarea': {
        const parts: string[] = [];
        textContent(el, parts);
        this.addField(b, el, 'textarea', parts.join('').replace(/^\n/, ''), false);
        return;
      }
      case 'select':
        this.selectField(el, b);
        return;
      case 'button': {
        const type = (attr(el, 'type') ?? 'submit').toLowerCase();
        const label = collapsedText(el) || 'Submit';
        const field = this.addField(b, el, type === 'submit' ? 'submit' : 'button', label, false);
        if (type === 'submit' && attr(el, 'value') !== undefined) field.value = clean(attr(el, 'value')!);
        return;
      }
      case 'option':
        if (this.select) this.option(el, this.select);
        return;
      case 'optgroup':
        if (this.select) this.children(el, b);
        return;
    }
    if (EMPHASIS.has(name)) {
      this.wrap(el, b, { type: 'emphasis', children: [] });
      return;
    }
    if (STRONG.has(name)) {
      this.wrap(el, b, { type: 'strong', children: [] });
      return;
    }
    if (CODE.has(name)) {
      this.wrap(el, b, { type: 'code', children: [] });
      return;
    }
    if (BLOCKISH.has(name)) {
      b.flush();
      this.children(el, b);
      b.flush();
      return;
    }
    this.children(el, b);
  }

  private children(el: ParentNode, b: BlockBuilder): void {
    const children = el.childNodes;
    for (let i = 0; i < children.length; i++) this.walk(children[i]!, b);
  }

  private wrap(el: Element, b: BlockBuilder, node: ContainerInline): void {
    const opened = b.openInline(node);
    this.children(el, b);
    if (opened) b.closeInline();
  }

  private list(el: Element, around: BlockBuilder): Block {
    const list = this.startList(around);
    const children = el.childNodes;
    for (let i = 0; i < children.length; i++) this.listChild(list, children[i]!);
    return this.endList(el, list);
  }

  /**
   * A list is read one child at a time, in order, so that a long list being parsed can be read item by item (see
   * IncrementalReader) with the walks, and so the fields, in the same order as when it is read whole.
   */
  private startList(around: BlockBuilder): ListItems {
    return { items: [], loose: null, around, handedOver: false };
  }

  /**
   * What listChild() does for an item (not hidden) before its children, for one read while it is parsed: the
   * builder its children are walked into. (An item adds no depth: listChild() walks its children directly.)
   */
  enterItem(list: ListItems): BlockBuilder {
    this.flushLoose(list);
    return new BlockBuilder(list.around.openWrappers());
  }

  /** What listChild() does for that item after its children. */
  leaveItem(list: ListItems, item: BlockBuilder): void {
    list.items.push(item.finish());
  }

  /** Reads the next child of a list (for one entered with enterList(): one that is final). */
  listChild(list: ListItems, child: Node): void {
    if (child.nodeName === 'li') {
      if (isHidden(child as Element)) return;
      this.flushLoose(list);
      list.items.push(this.blocksOf((child as Element).childNodes, list.around));
      return;
    }
    // The content between two items is one run (a hidden item does not end it), walked as it comes: the walk order
    // is the one of reading it all when the next item comes.
    if (list.loose === null) list.loose = new BlockBuilder(list.around.openWrappers());
    this.walk(child, list.loose);
  }

  private flushLoose(list: ListItems): void {
    const loose = list.loose;
    if (loose === null) return;
    list.loose = null;
    const blocks = loose.finish();
    if (blocks.length === 0) return;
    // Content between items (often a nested <ul> written directly inside <ul>) belongs to the item above.
    const last = list.items.length === 0 ? undefined : list.items[list.items.length - 1];
    if (last) for (const block of blocks) last.push(block);
    else list.items.push(blocks);
  }

  private endList(el: Element, list: ListItems): Block {
    this.flushLoose(list);
    return listBlock(el, list, list.items);
  }

  private table(el: Element, b: BlockBuilder): void {
    const rows: TableCell[][] = [];
    let caption: Inline[] | undefined;
    const visitRows = (parent: ParentNode, inHead: boolean) => {
      for (const child of parent.childNodes) {
        const tag = child.nodeName;
        if (tag === '#text' || tag === '#comment') continue;
        const ch = child as Element;
        if (isHidden(ch)) continue;
        if (tag === 'caption') caption = flattenBlocks(this.blocksOf(ch.childNodes));
        else if (tag === 'thead') visitRows(ch, true);
        else if (tag === 'tbody' || tag === 'tfoot') visitRows(ch, false);
        else if (tag === 'tr') {
          const cells: TableCell[] = [];
          for (const cell of ch.childNodes) {
            if (cell.nodeName !== 'td' && cell.nodeName !== 'th') continue;
            if (isHidden(cell as Element)) continue;
            const inlines = flattenBlocks(this.blocksOf((cell as Element).childNodes));
            const colspan = Number.parseInt(attr(cell as Element, 'colspan') ?? '1', 10);
            // Browsers clamp colspan to 1..1000; so do we, so a hostile page cannot ask for a million columns.
            const span = Number.isFinite(colspan) ? Math.min(1000, Math.max(1, colspan)) : 1;
            cells.push({ header: inHead || cell.nodeName === 'th', span, inlines });
          }
          if (cells.length > 0) rows.push(cells);
        }
      }
    };
    visitRows(el, false);
    if (rows.length > 0 || caption) b.pushBlock({ type: 'table', caption, rows });
  }

  private form(el: Element, b: BlockBuilder): void {
    const action = resolveUrl(attr(el, 'action') || '', this.baseUrl) ?? this.baseUrl;
    const method = (attr(el, 'method') ?? 'get').toLowerCase() === 'post' ? 'post' : 'get';
    this.forms.push({ action: clean(action), method });
    this.formStack.push(this.forms.length - 1);
    b.flush();
    this.children(el, b);
    b.flush();
    this.formStack.pop();
  }

  private addField(
    b: BlockBuilder | null,
    el: Element,
    kind: FieldKind,
    value: string,
    checked: boolean,
  ): FormField {
    const form = this.formStack.length > 0 ? this.formStack[this.formStack.length - 1]! : null;
    const field: FormField = {
      index: this.fields.length,
      form,
      kind,
      name: clean(attr(el, 'name') ?? ''),
      // A textarea's line breaks are part of its value; everywhere else a value is one line.
      value: kind === 'textarea' ? sanitizeText(value) : clean(value),
      checked,
      options: [],
    };
    if (kind === 'submit') {
      const fa = attr(el, 'formaction');
      if (fa !== undefined) {
        const u = resolveUrl(fa, this.baseUrl);
        if (u) field.formAction = clean(u);
      }
      const fm = attr(el, 'formmethod');
      if (fm !== undefined) field.formMethod = fm.toLowerCase() === 'post' ? 'post' : 'get';
    }
    this.fields.push(field);
    if (b && kind !== 'hidden') b.pushInline({ type: 'field', field: field.index });
    return field;
  }

  private input(el: Element, b: BlockBuilder): void {
    const type = (attr(el, 'type') ?? 'text').toLowerCase();
    const value = attr(el, 'value');
    if (TEXT_INPUT_TYPES.has(type)) this.addField(b, el, 'text', value ?? '', false);
    else if (type === 'password') this.addField(b, el, 'password', value ?? '', false);
    else if (type === 'checkbox' || type === 'radio')
      this.addField(b, el, type, value ?? 'on', attr(el, 'checked') !== undefined);
    else if (type === 'submit' || type === 'image')
      this.addField(b, el, 'submit', value ?? attr(el, 'alt') ?? 'Submit', false);
    else if (type === 'hidden') this.addField(b, el, 'hidden', value ?? '', false);
    else if (type === 'reset' || type === 'button') {
      if (value) this.addField(b, el, 'button', value, false);
    } else if (type !== 'file' && type !== 'image') this.addField(b, el, 'text', value ?? '', false);
  }

  private selectField(el: Element, b: BlockBuilder): void {
    const field = this.addField(b, el, 'select', '', false);
    const outer = this.select;
    this.select = field;
    const scratch = new BlockBuilder();
    this.children(el, scratch);
    this.select = outer;
    if (field.options.length > 0 && !field.options.some((o) => o.selected)) field.options[0]!.selected = true;
    field.value = field.options.find((o) => o.selected)?.value ?? '';
  }

  private option(el: Element, select: FormField): void {
    const label = collapsedText(el);
    const value = attr(el, 'value');
    select.options.push({
      label,
      value: value === undefined ? label : clean(value),
      selected: attr(el, 'selected') !== undefined,
    });
  }
}
