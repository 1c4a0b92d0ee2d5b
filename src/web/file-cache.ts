// Small files recently read, kept in memory so a popular page costs a realpath and a stat per request instead
// of an open, a stat, a read and a close. An entry is used only while the file's identity and times match.
import type { Stats } from 'node:fs';

/**
 * A file changed within this long before it was read might change again within the same timestamp tick (file
 * times are coarse), unseen by the check: such a read is not kept.
 */
const SETTLE_MS = 2_000;

interface Entry<T> {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  value: T;
}

export class SmallFileCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  #bytes = 0;

  /** `maxBytes` bounds the file bytes held; the least recently used go first. */
  constructor(readonly maxBytes: number) {}

  get(path: string, info: Stats): T | undefined {
    const entry = this.#entries.get(path);
    if (!entry) return undefined;
    if (
      entry.dev !== info.dev ||
      entry.ino !== info.ino ||
      entry.size !== info.size ||
      entry.mtimeMs !== info.mtimeMs ||
      entry.ctimeMs !== info.ctimeMs
    ) {
      this.#remove(path, entry);
      return undefined;
    }
    // Map order is insertion order: moving the entry to the end makes the first one the least recently used.
    this.#entries.delete(path);
    this.#entries.set(path, entry);
    return entry.value;
  }

  /** Keeps `value` for `path`, the file `info` describes (taken from the open file it was read from). */
  set(path: string, info: Stats, value: T, now = Date.now()): void {
    if (info.size > this.maxBytes) return;
    if (now - Math.max(info.mtimeMs, info.ctimeMs) < SETTLE_MS) return;
    const old = this.#entries.get(path);
    if (old) this.#remove(path, old);
    const { dev, ino, size, mtimeMs, ctimeMs } = info;
    this.#entries.set(path, { dev, ino, size, mtimeMs, ctimeMs, value });
    this.#bytes += size;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(oldest, entry);
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  #remove(path: string, entry: Entry<T>): void {
    this.#entries.delete(path);
    this.#bytes -= entry.size;
  }
}
