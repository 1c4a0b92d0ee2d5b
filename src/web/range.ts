// Reads a Range header (RFC 9110 section 14) against a file's size: one byte range is served as 206, a range
// wholly past the end is 416, and anything else (several ranges, other units, malformed) is ignored, which
// the RFC allows: the client then gets the whole file with 200.

export type RangeChoice =
  | { kind: 'whole' }
  /** Inclusive byte offsets, start <= end < size. */
  | { kind: 'part'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/** Up to 15 digits: always an exact integer in a double, and more than any file has. */
const POSITION = /^\d{1,15}$/;

export function chooseRange(header: string | undefined, size: number): RangeChoice {
  if (header === undefined || size === 0) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return { kind: 'whole' };
  const spec = match[1]!.trim();
  // Several ranges would need a multipart/byteranges answer; serving the whole file is simpler and allowed.
  if (spec.includes(',')) return { kind: 'whole' };
  const dash = spec.indexOf('-');
  if (dash < 0) return { kind: 'whole' };
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();
  if (first === '') {
    // "bytes=-N": the last N bytes.
    if (!POSITION.test(last)) return { kind: 'whole' };
    const length = Number(last);
    if (length === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - length), end: size - 1 };
  }
  if (!POSITION.test(first) || (last !== '' && !POSITION.test(last))) return { kind: 'whole' };
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end: Math.min(end, size - 1) };
}

/**
 * If-Range carries the validator the client's partial copy came with; only our Last-Modified date (sent
 * exactly as we send it) proves the copy is of this version. An entity tag never matches: we send none.
 */
export function rangeStillApplies(ifRange: string | undefined, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  return ifRange.trim() === lastModified;
}
