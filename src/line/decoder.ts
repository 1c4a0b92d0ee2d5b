// Line framing as a socket-free state machine: Buffer chunks in, complete UTF-8 lines out. The length limit is
// enforced while reading, so a peer can never make us hold more than maxLineBytes of one line.
import { LineTooLongError } from './errors.js';

export const DEFAULT_MAX_LINE_BYTES = 4096;

const LF = 0x0a;
const CR = 0x0d;

export interface LineDecoderOptions {
  /** Longest accepted line in bytes, not counting its "\n" or "\r\n" (default 4096). */
  maxLineBytes?: number;
}

/**
 * Splits a byte stream into lines ending in "\n" or "\r\n". Empty lines are skipped. Bytes that are not valid
 * UTF-8 become U+FFFD. Splitting on the byte 0x0A before decoding is safe because UTF-8 never uses 0x0A inside a
 * multi-byte character, and decoding each line's bytes as a whole keeps characters that arrive split across
 * chunks intact.
 *
 * After an overlong line the decoder is failed: `error` is set and further input is ignored (the protocol says
 * the connection ends there).
 */
export class LineDecoder {
  readonly maxLineBytes: number;
  /** Set once a line exceeded maxLineBytes; sticky. */
  error: LineTooLongError | null = null;
  /** Pieces of the line still waiting for its "\n" (copies, so the caller may reuse its chunks). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(options: LineDecoderOptions = {}) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxLineBytes must be a positive integer`);
    this.maxLineBytes = max;
  }

  /** Bytes held for an unfinished line: never more than maxLineBytes + 1 (a trailing "\r" may be a line end). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds one chunk; returns the lines it completed, in order. If the chunk makes a line too long, the lines
   * before it are still returned and `error` is set.
   */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    if (this.error !== null || chunk.length === 0) return lines;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let start = 0;
    let nl = buf.indexOf(LF, start);
    while (nl !== -1) {
      if (this.pendingBytes === 0) {
        let end = nl;
        if (end > start && buf[end - 1] === CR) end--;
        if (end - start > this.maxLineBytes) return this.fail(lines);
        if (end > start) lines.push(buf.toString('utf8', start, end));
      } else {
        const line = this.finishPending(buf.subarray(start, nl));
        if (line === null) return this.fail(lines);
        if (line.length > 0) lines.push(line);
      }
      start = nl + 1;
      nl = buf.indexOf(LF, start);
    }
    if (start < buf.length) {
      const rest = buf.length - start;
      const total = this.pendingBytes + rest;
      // A final "\r" may be the first half of "\r\n", so it does not count against the limit yet.
      const allowed = buf[buf.length - 1] === CR ? this.maxLineBytes + 1 : this.maxLineBytes;
      if (total > allowed) return this.fail(lines);
      this.pending.push(Buffer.from(buf.subarray(start)));
      this.pendingBytes = total;
    }
    return lines;
  }

  /** The unterminated last line at end of stream, if any (a peer may end without a final "\n"). */
  end(): string | undefined {
    if (this.error !== null || this.pendingBytes === 0) return undefined;
    let bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.reset();
    if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > this.maxLineBytes) return undefined;
    return bytes.length > 0 ? bytes.toString('utf8') : undefined;
  }

  private finishPending(tail: Buffer): string | null {
    const last = this.pending[this.pending.length - 1]!;
    const lastByte = tail.length > 0 ? tail[tail.length - 1] : last[last.length - 1];
    const total = this.pendingBytes + tail.length;
    const lineBytes = lastByte === CR ? total - 1 : total;
    if (lineBytes > this.maxLineBytes) return null;
    const bytes =
      tail.length === 0 && this.pending.length === 1 ? last : Buffer.concat([...this.pending, tail], total);
    this.reset();
    return bytes.toString('utf8', 0, lineBytes);
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private fail(lines: string[]): string[] {
    this.reset();
    this.error = new LineTooLongError(this.maxLineBytes);
    return lines;
  }
}
