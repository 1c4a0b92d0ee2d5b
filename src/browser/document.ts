// Turns HTML into plainwire's small block model: parse5 understands the markup the way a browser does, and
// this module keeps only what a text browser shows (headings, paragraphs, lists, tables, links, form fields).
//
// Every string in the model (text, title, URLs, alt text, field values) is already terminal-safe: it passed
// through sanitizeText/sanitizeLine here, so a renderer can write it to a terminal as it is.
import {
  type DefaultTreeAdapterMap,
  defaultTreeAdapter,
  html as markup,
  Parser,
  type TreeAdapter,
} from 'parse5';
import { sanitizeLine, sanitizeText } from '../text/sanitize.js';
import { noActiveFormatting } from './parse5-internals.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];
type ParentNode = DefaultTreeAdapterMap['parentNode'];

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'emphasis'; children: Inline[] }
  | { type: 'strong'; children: Inline[] }
  | { type: 'code'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'image'; alt: string }
  | { type: 'field'; field: number }
  | { type: 'br' };

export type ContainerInline = Extract<Inline, { children: Inline[] }>;

export interface TableCell {
  header: boolean;
  /** colspan: how many columns the cell covers (1 or more). */
  span: number;
  inlines: Inline[];
}

export type Block =
  | { type: 'heading'; level: number; inlines: Inline[] }
  | { type: 'paragraph'; inlines: Inline[] }
  /**
   * `continued`: only on blocks handed to parseDocument's onBlock: these items go on the unordered list of the
   * block before (a long one is handed over a few items at a time while it is parsed).
   */
  | { type: 'list'; ordered: boolean; start: number; items: Block[][]; continued?: true }
  | { type: 'pre'; text: string }
  | { type: 'blockquote'; blocks: Block[] }
  /** Indented without a quote bar: <dd> and similar. */
  | { type: 'indent'; blocks: Block[] }
  | { type: 'table'; caption?: Inline[]; rows: TableCell[][] }
  | { type: 'hr' };

export interface Form {
  /** Absolute URL the form submits to (the page's own URL when there is no action). */
  action: string;
  method: 'get' | 'post';
}

export type FieldKind =
  | 'text'
  | 'password'
  | 'textarea'
  | 'checkbox'
  | 'radio'
  | 'select'
  | 'submit'
  | 'hidden'
  | 'button';

export interface SelectOption {
  label: string;
  value: string;
  selected: boolean;
}

export interface FormField {
  /** Index of this field in Document.fields. */
  index: number;
  /** Index in Document.forms, or null for a field outside any form (it cannot be submitted). */
  form: number | null;
  kind: FieldKind;
  name: string;
  /** Initial value (text), the value sent when checked (checkbox/radio), or the label (submit/button). */
  value: string;
  checked: boolean;
  options: SelectOption[];
  /** Method/action override from formmethod/formaction on a submit button. */
  formAction?: string;
  formMethod?: 'get' | 'post';
}

export interface Document {
  /** The URL the page came from (after redirects): links are resolved against baseUrl. */
  url: string;
  baseUrl: string;
  title: string;
  blocks: Block[];
  forms: Form[];
  fields: FormField[];
}

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

// Nesting beyond these depths is flattened: no page needs it to be read, and a hostile one could use it to
// exhaust the stack or make layout quadratic. (Browsers cap DOM depth in the parser for the same reason.)
const MAX_ELEMENT_DEPTH = 64;
const MAX_INLINE_WRAPPERS = 12;

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HTML_SPACE = /[ \t\n\f\r]+/g;
// Is there white space that is not already one plain space? Most text nodes have none: no copy for them.
const NEEDS_COLLAPSE = /[\t\n\f\r]| [ \t\n\f\r]/;

/** Whether a text is only HTML white space (mostly the line breaks between blocks: a loop beats a regex call). */
function isHtmlSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0c && c !== 0x0d) return false;
  }
  return true;
}

/** sanitizeLine, skipping the regex work for the (usual) clean string. */
function clean(text: string): string {
  return UNSAFE.test(text) ? sanitizeLine(text) : text;
}

/** HTML white space collapsed to single spaces, then made terminal-safe (which can leave spaces to collapse). */
function collapseAndClean(text: string): string {
  // Two scans beat one alternation: a single class and indexOf each run at native speed, while `class| {2}`
  // makes the regex engine try both branches at every character (about 10 ms on the 5 MB bench page).
  if (!UNSAFE.test(text) && text.indexOf('  ') === -1) return text;
  const collapsed = NEEDS_COLLAPSE.test(text) ? text.replace(HTML_SPACE, ' ') : text;
  return UNSAFE.test(collapsed) ? sanitizeLine(collapsed).replace(/ {2,}/g, ' ') : collapsed;
}

function attr(el: Element, name: string): string | undefined {
  const attrs = el.attrs;
  for (let i = 0; i < attrs.length; i++) if (attrs[i]!.name === name) return attrs[i]!.value;
  return undefined;
}

function isHidden(el: Element): boolean {
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

export function resolveUrl(href: string, base: string): string | null {
  return resolveSimple(href, base) ?? resolveFull(href, base);
}

function resolveFull(href: string, base: string): string | null {
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return null;
  }
}

// A big page has tens of thousands of links and new URL() costs about half a microsecond each, so the common
// forms (`/path?q`, `dir/file.html`) on an http(s) or file base are joined by hand. Only characters the URL
// parser copies unchanged are allowed, and no dot segments, so the result is exactly what new URL() gives.
const SIMPLE_HREF = /^[A-Za-z0-9_~!*()+,;=&-][A-Za-z0-9_~!*()+,;=&/.?-]*$/;
// The same after the `/` of a path-absolute href (`//host` is not one).
const SIMPLE_PATH = /^\/[A-Za-z0-9_~!*()+,;=&-][A-Za-z0-9_~!*()+,;=&/.?-]*$/;
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:[/?]|$)/;
let simpleBase = '';
let simpleOrigin: string | null = null;
let simpleDir = '';

/** The hand-joined URL, or null where new URL() must do it (exported for the tests). */
export function resolveSimple(href: string, base: string): string | null {
  if (base !== simpleBase) {
    simpleBase = base;
    simpleOrigin = null;
    try {
      const u = new URL(base);
      // Only a base new URL() leaves as it is, so that its text can be the prefix of the results.
      const special = u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'file:';
      // Credentials are not in u.host, and a file: drive letter survives a path-absolute href.
      if (u.href === base && special && !u.username && !u.password && !/^\/[A-Za-z][:|]/.test(u.pathname)) {
        simpleOrigin = `${u.protocol}//${u.host}`;
        simpleDir = simpleOrigin + u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1);
      }
    } catch {}
  }
  if (simpleOrigin === null) return null;
  if (href.charCodeAt(0) === 47 /* / */) {
    if (!SIMPLE_PATH.test(href) || DOT_SEGMENT.test(href)) return null;
    return simpleOrigin + href;
  }
  if (!SIMPLE_HREF.test(href) || DOT_SEGMENT.test(href)) return null;
  return simpleDir + href;
}

/** Text content of a subtree, as is (for <pre>, <textarea>, <option>, <title>); iterative, so depth is free. */
function textContent(root: Node, out: string[]): void {
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

function collapsedText(node: Node): string {
  const parts: string[] = [];
  textContent(node, parts);
  return collapseAndClean(parts.join('')).trim();
}

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

/** The plain text of some inlines (no markers, no styling): for JSON output, headings, cell measuring. */
export function inlineText(inlines: Inline[]): string {
  const out: string[] = [];
  const visit = (list: Inline[]) => {
    for (const node of list) {
      if (node.type === 'text') out.push(node.text);
      else if (node.type === 'br') out.push('\n');
      else if (node.type === 'image') out.push(node.alt ? `[${node.alt}]` : '');
      else if (node.type === 'field') continue;
      else visit(node.children);
    }
  };
  visit(inlines);
  return out.join('');
}

const NO_WRAPPERS: readonly ContainerInline[] = [];

/** Builds blocks for one container (body, list item, blockquote, cell): inline content gathers into paragraphs. */
class BlockBuilder {
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
      // by appending flattens it, and a page can split one text thousands of times (5 MB took 11 s).
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

/** A list's items so far, read one child of the list at a time. */
interface ListItems {
  items: Block[][];
  /** The content between items since the last item (it belongs to the item above), walked as it comes. */
  loose: BlockBuilder | null;
  /** The builder the list's block goes to (its open wrappers are reopened in each item). */
  around: BlockBuilder;
  /** Whether items of it were handed over already (see IncrementalReader.handOverItems). */
  handedOver: boolean;
}

/** The block of a list's `items`: all of them, or (see IncrementalReader.handOverItems) the ones read so far. */
function listBlock(el: Element, list: ListItems, items: Block[][]): Block {
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

class DocumentBuilder {
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

/** Keeps tabs and newlines for <pre>; everything else unsafe goes. */
function sanitizePre(text: string): string {
  if (!UNSAFE.test(text.replace(/[\t\n]/g, ''))) return text;
  return text
    .split('\n')
    .map((l) => l.split('\t').map(sanitizeLine).join('\t'))
    .join('\n');
}

/** Block content squeezed into one line of inlines (table cells, captions, headings with blocks inside). */
export function flattenBlocks(blocks: Block[]): Inline[] {
  // The usual cell or caption: one paragraph, whose inlines are already the answer.
  if (blocks.length === 1 && blocks[0]!.type === 'paragraph') return blocks[0]!.inlines;
  const out: Inline[] = [];
  const add = (inlines: Inline[]) => {
    if (out.length > 0 && inlines.length > 0) out.push({ type: 'text', text: ' ' });
    for (const inline of inlines) out.push(inline);
  };
  for (const block of blocks) {
    switch (block.type) {
      case 'heading':
      case 'paragraph':
        add(block.inlines);
        break;
      case 'pre':
        add([{ type: 'text', text: block.text.replace(/\s+/g, ' ').trim() }]);
        break;
      case 'list':
        for (const item of block.items) add(flattenBlocks(item));
        break;
      case 'blockquote':
      case 'indent':
        add(flattenBlocks(block.blocks));
        break;
      case 'table':
        for (const row of block.rows) for (const cell of row) add(cell.inlines);
        break;
      case 'hr':
        break;
    }
  }
  return out;
}

function findBase(node: ParentNode, documentUrl: string): string | null {
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

function findTitle(node: ParentNode): string {
  for (const child of node.childNodes) {
    if (child.nodeName === 'title') return collapsedText(child);
    if (child.nodeName === 'html' || child.nodeName === 'head') {
      const t = findTitle(child as Element);
      if (t) return t;
    }
  }
  return '';
}

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
class IncrementalReader {
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

/**
 * Parses an HTML page fetched from `url` into the block model. Never throws on any input string.
 * `incremental: false` reads the body only once the whole tree is built (the reference the tests compare with).
 * `onBlock`: every block goes to it while the page is parsed (--dump renders them at once, so the block tree of a
 * large page never exists whole), and the returned document has no blocks.
 */
export function parseDocument(
  html: string,
  url: string,
  options: { incremental?: boolean; onBlock?: BlockListener } = {},
): Document {
  let reader: IncrementalReader | null = null;
  const treeAdapter: TreeAdapter<DefaultTreeAdapterMap> =
    options.incremental === false
      ? defaultTreeAdapter
      : {
          ...defaultTreeAdapter,
          onItemPush: (element) => reader?.onPush(element),
          onItemPop: (element, newTop) => reader?.onPop(element, newTop),
        };
  const parser = new Parser<DefaultTreeAdapterMap>({ scriptingEnabled: false, treeAdapter });
  reader = new IncrementalReader(parser, url, options.onBlock);
  parser.tokenizer.write(html, true);
  const { builder, blocks } = reader.finish();
  return {
    url: clean(url),
    baseUrl: clean(builder.baseUrl),
    title: builder.title,
    blocks,
    forms: builder.forms,
    fields: builder.fields,
  };
}

/** A plain-text resource (text/plain, JSON, CSS...) as a document: one preformatted block. */
export function textDocument(text: string, url: string): Document {
  const normalized = text.replace(/\r\n?/g, '\n');
  let name = '';
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {}
  return {
    url: clean(url),
    baseUrl: clean(url),
    // A text file has no <title>: its file name says what it is.
    title: clean(name),
    blocks: normalized.length > 0 ? [{ type: 'pre', text: sanitizePre(normalized) }] : [],
    forms: [],
    fields: [],
  };
}
