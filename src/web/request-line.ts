// Sorts the first line a client sends: an HTTP/0.9 request ("GET /page1.html", as typed into telnet), an
// HTTP/1.x request line (handed to node:http), or something that is not HTTP at all.
import { METHODS } from 'node:http';

export type FirstLine =
  /** "GET /path" with no version: answer with the bare document, then close. */
  | { kind: 'http09'; target: string }
  /** "METHOD /path HTTP/1.x": node:http parses it and the headers that follow. */
  | { kind: 'http1' }
  | { kind: 'bad'; detail: string }
  | { kind: 'version-not-supported'; version: string }
  /** A well-formed method token that node:http does not know (it would only say "Bad Request"). */
  | { kind: 'not-implemented'; method: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const KNOWN_METHODS = new Set(METHODS);

/** `line` is the first line without its line ending, read as Latin-1 (one char per byte). */
export function classifyFirstLine(line: string): FirstLine {
  const words = line.trim().split(/[ \t]+/);
  const upper = words[0]!.toUpperCase();
  if (upper !== words[0] && KNOWN_METHODS.has(upper)) {
    return { kind: 'bad', detail: `methods are case-sensitive: type ${upper}, not ${words[0]}` };
  }
  if (words.length === 2 && words[0] === 'GET') return { kind: 'http09', target: words[1]! };
  if (words.length === 3 && /^HTTP\/\d+\.\d+$/.test(words[2]!)) {
    const [method, , version] = words as [string, string, string];
    if (version !== 'HTTP/1.0' && version !== 'HTTP/1.1') return { kind: 'version-not-supported', version };
    if (!TOKEN.test(method)) return { kind: 'bad', detail: `"${method}" is not a method name` };
    if (!KNOWN_METHODS.has(method)) return { kind: 'not-implemented', method };
    // node:http wants exactly one space between the parts; a telnet user may have typed more.
    if (line !== words.join(' ')) return { kind: 'bad', detail: 'use single spaces in the request line' };
    return { kind: 'http1' };
  }
  if (words.length === 2 && TOKEN.test(words[0]!) && words[1]!.startsWith('/')) {
    return {
      kind: 'bad',
      detail: `HTTP/0.9 has only GET; to send ${words[0]}, end the line with a version: ${words[0]} ${words[1]} HTTP/1.0`,
    };
  }
  if (words.length > 2 && KNOWN_METHODS.has(words[0]!) && words[1]!.startsWith('/')) {
    const last = words[words.length - 1]!;
    const versioned = /^HTTP\/\d+\.\d+$/.test(last);
    const path = words.slice(1, versioned ? -1 : undefined).join('%20');
    return {
      kind: 'bad',
      detail: `a space in a path is written %20: ${words[0]} ${path}${versioned ? ` ${last}` : ''}`,
    };
  }
  return {
    kind: 'bad',
    detail:
      'that is not an HTTP request; try: GET /page1.html (or GET /page1.html HTTP/1.0 and an empty line)',
  };
}
