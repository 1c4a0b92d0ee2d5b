// Splits what a server sends into lines for `plainwire connect`, keeping the empty ones: a telnet user sees the
// blank line between an HTTP response's head and its body, and so should ours. (LineDecoder, for the line
// protocols, skips them.) The length limit is enforced while reading, so no server can make us hold more.

const LF = 0x0a;
const CR = 0x0d;

export class TextLineSplitter {
  /** Set once a line exceeded maxLineBytes; further input is ignored. */
  tooLong = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(readonly maxLineBytes: number) {}

  /** Feeds one chunk; returns the lines it completed (without "\n" or "\r\n"), empty ones included. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    if (this.tooLong) return lines;
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      const line = this.take(chunk.subarray(start, nl));
      if (line === undefined) return lines;
      lines.push(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      // A final "\r" may be the first half of "\r\n", so it does not count against the limit yet.
      const allowed = rest[rest.length - 1] === CR ? this.maxLineBytes + 1 : this.maxLineBytes;
      if (this.pendingBytes + rest.length > allowed) {
        this.fail();
        return lines;
      }
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /**
   * The text of the line still open, such as a prompt ("login: ") a server sends without a line end; a
   * character split across chunks is left out until it is whole.
   */
  get partial(): string {
    if (this.pendingBytes === 0) return '';
    let bytes = Buffer.concat(this.pending, this.pendingBytes);
    if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    return new TextDecoder().decode(bytes, { stream: true });
  }

  /** Forgets the open line: it was shown, and the person answered it, so it must not begin the next line. */
  dropPartial(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The unterminated last line when the stream ends, if there is one. */
  end(): string | undefined {
    if (this.tooLong || this.pendingBytes === 0) return undefined;
    return this.take(Buffer.alloc(0));
  }

  private take(tail: Buffer): string | undefined {
    let bytes = this.pendingBytes === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > this.maxLineBytes) {
      this.fail();
      return undefined;
    }
    return bytes.toString('utf8');
  }

  private fail(): void {
    this.tooLong = true;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
