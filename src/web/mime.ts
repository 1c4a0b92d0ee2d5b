// Content-Type for a served file: a small table of the common extensions, and a charset only when it is known
// to be right (a wrong `charset=utf-8` on a Latin-1 page garbles every accented letter).

interface MimeEntry {
  type: string;
  /** Textual types get `; charset=utf-8` when their first bytes are valid UTF-8. */
  textual: boolean;
}

const TABLE: Record<string, MimeEntry> = {
  html: { type: 'text/html', textual: true },
  htm: { type: 'text/html', textual: true },
  txt: { type: 'text/plain', textual: true },
  text: { type: 'text/plain', textual: true },
  md: { type: 'text/markdown', textual: true },
  css: { type: 'text/css', textual: true },
  csv: { type: 'text/csv', textual: true },
  js: { type: 'text/javascript', textual: true },
  mjs: { type: 'text/javascript', textual: true },
  json: { type: 'application/json', textual: true },
  xml: { type: 'application/xml', textual: false },
  svg: { type: 'image/svg+xml', textual: false },
  png: { type: 'image/png', textual: false },
  jpg: { type: 'image/jpeg', textual: false },
  jpeg: { type: 'image/jpeg', textual: false },
  gif: { type: 'image/gif', textual: false },
  webp: { type: 'image/webp', textual: false },
  ico: { type: 'image/x-icon', textual: false },
  pdf: { type: 'application/pdf', textual: false },
  wasm: { type: 'application/wasm', textual: false },
  woff: { type: 'font/woff', textual: false },
  woff2: { type: 'font/woff2', textual: false },
  mp3: { type: 'audio/mpeg', textual: false },
  mp4: { type: 'video/mp4', textual: false },
  zip: { type: 'application/zip', textual: false },
  gz: { type: 'application/gzip', textual: false },
  tar: { type: 'application/x-tar', textual: false },
};

const UNKNOWN: MimeEntry = { type: 'application/octet-stream', textual: false };

/** How many leading bytes of a textual file the server reads to choose its charset. */
export const CHARSET_SNIFF_BYTES = 64 * 1024;

/** The HTML standard's prescan looks for `<meta charset>` in the first 1024 bytes only. */
const META_PRESCAN_BYTES = 1024;

function entryFor(fileName: string): MimeEntry {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return UNKNOWN;
  return TABLE[fileName.slice(dot + 1).toLowerCase()] ?? UNKNOWN;
}

/** The media type alone, without parameters: "text/html". */
export function mediaTypeFor(fileName: string): string {
  return entryFor(fileName).type;
}

/** True if the server should read the file's first bytes to choose a charset. */
export function needsCharsetSniff(fileName: string): boolean {
  return entryFor(fileName).textual;
}

/**
 * True if the bytes are valid UTF-8. When they are only the start of the file (`whole` false), a character cut
 * off at the end is allowed: the rest of it is in the bytes not read.
 */
export function isUtf8(head: Uint8Array, whole: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !whole });
    return true;
  } catch {
    return false;
  }
}

/** True if an HTML document declares its own encoding (<meta charset> or <meta http-equiv content-type>). */
export function declaresCharset(head: Uint8Array): boolean {
  const start = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, META_PRESCAN_BYTES));
  return /<meta[^>]+charset\s*=/i.test(start.toString('latin1'));
}

/**
 * The full Content-Type header for a file, given its first bytes (`head`, up to CHARSET_SNIFF_BYTES; empty for
 * non-textual types) and whether they are the whole file. HTML that declares its charset gets none from us, so
 * its own <meta> decides; other textual files get `charset=utf-8` only when those bytes are valid UTF-8.
 */
export function contentTypeFor(fileName: string, head: Uint8Array, wholeFile = true): string {
  const entry = entryFor(fileName);
  if (!entry.textual) return entry.type;
  if (entry.type === 'text/html' && declaresCharset(head)) return entry.type;
  return isUtf8(head, wholeFile) ? `${entry.type}; charset=utf-8` : entry.type;
}
