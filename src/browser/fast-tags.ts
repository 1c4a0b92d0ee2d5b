// A shortcut through parse5's tokenizer for the plain tags that make up most of a page's markup. parse5 reads a
// tag one character per state-machine turn (tag open, tag name, before attribute name, attribute name, value...),
// which on a large page is a good part of the parse. Here a simple tag is taken in one step, and its token goes
// to the tree builder through parse5's own emitCurrentTagToken, built as parse5 builds it and with the tokenizer
// and preprocessor left exactly where parse5's own path would leave them: the tree cannot tell the difference
// (test/browser/fast-tags.test.ts compares both on the example pages, generated pages and random tag soup).
import { type DefaultTreeAdapterMap, html, type Parser, Token, TokenizerMode } from 'parse5';

/** The parts of parse5's tokenizer that fastTags reads and drives (internal, checked before anything is replaced). */
/** Where parse5's input preprocessor is (internal): what a shortcut past its per-character advance() must set. */
export interface PreprocessorInternals {
  html: string;
  pos: number;
  line: number;
  lineStartPos: number;
  isEol: boolean;
}

interface FastTagInternals {
  options: { sourceCodeLocationInfo?: boolean };
  handler: { onParseError: unknown };
  state: number;
  currentToken: object | null;
  currentAttr: Token.Attribute;
  runStart: number;
  runEnd: number;
  preprocessor: PreprocessorInternals;
  _stateTagOpen(cp: number): void;
  _flushRun(text: string): void;
  emitCurrentTagToken(): void;
}

/** How many tags took the shortcut (the tests check that it really runs). */
export interface FastTagStats {
  tags: number;
}

// The shortcut takes a tag only where parse5 would read every character of it without a parse error and
// without transforming it (apart from lowercasing ASCII letters in names), and leaves the rest to parse5:
// character references (`&`), CR (read as LF, CRLF as one), NUL (replaced), surrogates (a pair moves the
// preprocessor's gap bookkeeping), non-ASCII in names (toLowerCase would fold more than parse5's ASCII-only
// lowering), end tags with attributes or `/`, quotes, `<` or `=` where a name is expected, quoted values not
// followed by white space, `/` anywhere but right before `>`, and unquoted values holding a quote, `<`, `=` or
// a backtick.
//
// Names are scanned with charCodeAt: most tags are a bare name (`<p>`, `</a>`), for which a loop over two or
// three characters costs less than a regular expression's match array. Attributes go through one sticky
// expression each, whose parts end exactly where parse5's states end them: a name at white space, `/`, `>` or
// `=`; an unquoted value at white space or `>` (so `href=x/>` is the value `x/`, as in parse5); a quoted value
// at its quote. Whatever follows an attribute must then be white space, `/>` or `>`, or parse5 reads the tag.
const ATTR =
  /[\t\n\f ]+([^\t\n\f\r "'<>/=\0\x7f-\uffff]+)(?:[\t\n\f ]*=[\t\n\f ]*(?:"([^"&\r\0\ud800-\udfff]*)"|'([^'&\r\0\ud800-\udfff]*)'|([^\t\n\f\r >&"'<=`\0\ud800-\udfff]+)))?/y;
// From this many attributes on, parse5 checks duplicates with a Set: leave such tags to it rather than scan.
const MAX_ATTRS = 64;
const START_TAG = Token.TokenType.START_TAG;
const END_TAG = Token.TokenType.END_TAG;
const UNKNOWN = html.TAG_ID.UNKNOWN;
const DATA = TokenizerMode.DATA;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c;

// V8 lets a slice of 13 or more characters share the input's buffer; parse5 gives names and values buffers of
// their own (see its _flushRun), so that a kept attribute value does not keep the whole page alive. Same here.
function own(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

/**
 * Lets parse5's tokenizer take a simple tag in one step when, in the data state, it reads the character after
 * `<`. Anything else, and any parser set up to report parse errors or source locations, goes through parse5's
 * own states unchanged. Returns the counter of tags taken, or null (and replaces nothing) if parse5's internals
 * are not the shape known here.
 */
export function fastTags(parser: Parser<DefaultTreeAdapterMap>): FastTagStats | null {
  const tokenizer = (parser as unknown as { tokenizer: FastTagInternals }).tokenizer;
  const pre = tokenizer.preprocessor;
  const tagOpen = tokenizer._stateTagOpen;
  if (
    typeof tagOpen !== 'function' ||
    typeof tokenizer._flushRun !== 'function' ||
    typeof tokenizer.emitCurrentTagToken !== 'function' ||
    typeof tokenizer.runStart !== 'number' ||
    typeof tokenizer.runEnd !== 'number' ||
    !('currentToken' in tokenizer) ||
    !('currentAttr' in tokenizer) ||
    typeof tokenizer.options !== 'object' ||
    typeof tokenizer.handler !== 'object' ||
    typeof pre?.html !== 'string' ||
    typeof pre.pos !== 'number' ||
    typeof pre.line !== 'number' ||
    typeof pre.lineStartPos !== 'number' ||
    typeof pre.isEol !== 'boolean'
  )
    return null;
  const stats: FastTagStats = { tags: 0 };
  tokenizer._stateTagOpen = function (this: FastTagInternals, cp: number): void {
    // Only a letter (a start tag) or `/` (an end tag) can begin a tag the shortcut takes.
    if ((cp === 0x2f || ((cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a)) && readTag(this)) {
      stats.tags++;
      return;
    }
    tagOpen.call(this, cp);
  };
  return stats;
}

/**
 * Emits the tag whose `<` precedes the current character (the one TAG_OPEN is reading), if the shortcut covers
 * it; false, having changed nothing, if parse5 must read it.
 */
function readTag(tokenizer: FastTagInternals): boolean {
  // Errors report positions and locations need them per character: both come only from parse5's own path.
  if (
    tokenizer.handler.onParseError !== null ||
    tokenizer.options.sourceCodeLocationInfo ||
    tokenizer.currentToken !== null
  )
    return false;
  const pre = tokenizer.preprocessor;
  const input = pre.html;
  const start = pre.pos - 1;
  if (input.charCodeAt(start) !== 0x3c) return false;
  const isEnd = input.charCodeAt(start + 1) === 0x2f;
  const nameStart = isEnd ? start + 2 : start + 1;
  let i = nameStart;
  let c = input.charCodeAt(i);
  if ((c | 0x20) < 0x61 || (c | 0x20) > 0x7a) return false;
  let upper = false;
  // The tag name: parse5 takes every character up to white space, `/` or `>` (also `<`, quotes, `=`).
  for (;;) {
    if (c >= 0x41 && c <= 0x5a) upper = true;
    c = input.charCodeAt(++i);
    // (Past the end of the input, c is NaN and ends the name too.)
    if (!(c > 0x20 && c < 0x7f) || c === 0x2f || c === 0x3e) break;
  }
  const nameEnd = i;
  let selfClosing = false;
  const attrs: Token.Attribute[] = [];
  let lastAttr: Token.Attribute | null = null;
  // Where parse5 leaves runStart and runEnd: after the last non-empty attribute value, if any.
  let runEnd = -1;
  if (isEnd) {
    while (isSpace(c)) c = input.charCodeAt(++i);
    if (c !== 0x3e) return false;
  } else {
    let created = 0;
    for (;;) {
      if (c === 0x3e) break;
      if (c === 0x2f) {
        if (input.charCodeAt(i + 1) !== 0x3e) return false;
        selfClosing = true;
        i++;
        break;
      }
      if (!isSpace(c)) return false;
      ATTR.lastIndex = i;
      const a = ATTR.exec(input);
      if (a === null) {
        // Only white space before the end of the tag (or something parse5 must read).
        do c = input.charCodeAt(++i);
        while (isSpace(c));
        if (c !== 0x3e && c !== 0x2f) return false;
        continue;
      }
      if (++created > MAX_ATTRS) return false;
      i = ATTR.lastIndex;
      c = input.charCodeAt(i);
      const value = a[2] ?? a[3] ?? a[4] ?? '';
      if (value.length > 0) runEnd = a[4] === undefined ? i - 1 : i;
      lastAttr = { name: own((a[1] as string).toLowerCase()), value: own(value) };
      // parse5 keeps the first of two attributes with the same name and drops the later one.
      let duplicate = false;
      for (const attr of attrs)
        if (attr.name === lastAttr.name) {
          duplicate = true;
          break;
        }
      if (!duplicate) attrs.push(lastAttr);
    }
  }
  const end = i;

  // advance() bumps the line on the character after each LF; the tag ends at `>`, so every LF in it counts. (No
  // CR, so isEol and skipNextNewLine end false, as advance() leaves them on any other character.) Only white
  // space and values can hold an LF, both after the name.
  for (let k = nameEnd; k < end; k++)
    if (input.charCodeAt(k) === 0x0a) {
      pre.line++;
      pre.lineStartPos = k + 1;
    }
  pre.isEol = false;
  pre.pos = end;
  // The text before `<` goes into the pending character token, as _createStartTagToken/_createEndTagToken do.
  tokenizer._flushRun('');
  const name = input.slice(nameStart, nameEnd);
  // The same fields in the same order as parse5's own tag tokens, so that both share one object shape.
  const token: Token.TagToken = {
    type: isEnd ? END_TAG : START_TAG,
    tagName: own(upper ? name.toLowerCase() : name),
    tagID: UNKNOWN,
    selfClosing,
    ackSelfClosing: false,
    attrs,
    location: null,
  };
  tokenizer.currentToken = token;
  if (lastAttr !== null) tokenizer.currentAttr = lastAttr;
  if (runEnd !== -1) {
    tokenizer.runStart = runEnd;
    tokenizer.runEnd = runEnd;
  }
  tokenizer.state = DATA;
  tokenizer.emitCurrentTagToken();
  return true;
}
