// Keeps one reader's cursor key up to date: the revision shown so far and the next number of its own log, so a
// restart shows only what is new and never reuses a number. One write in flight at most; moves made meanwhile
// coalesce into the next write, which always carries the latest values.
import type { StoreClient } from '../store/client.js';
import { cursorKey, formatCursorValue } from './keys.js';
import { retry } from './retry.js';

export interface CursorWriterOptions {
  room: string;
  name: string;
  /** The next sequence number of our own log, read at each write. */
  nextSeq: () => number;
  /** Stops the writing (the session stopped). */
  signal: AbortSignal;
  /** A write failed and will be retried. */
  onRetry: (err: unknown) => void;
}

export class CursorWriter {
  #revision = 0;
  #dirty = false;
  #writing: Promise<void> | undefined;
  readonly #key: string;

  constructor(
    private readonly client: StoreClient,
    private readonly options: CursorWriterOptions,
  ) {
    this.#key = cursorKey(options.room, options.name);
  }

  /** The revision the cursor says has been shown. */
  get revision(): number {
    return this.#revision;
  }

  /** Moves the cursor to `revision` (backwards too: a store that restarted without its data) and writes it. */
  moveTo(revision: number): void {
    this.#revision = revision;
    this.schedule();
  }

  /** Writes the cursor soon (our log's next number changed). */
  schedule(): void {
    this.#dirty = true;
    if (this.#writing || this.options.signal.aborted) return;
    this.#writing = (async () => {
      while (this.#dirty && !this.options.signal.aborted) {
        await retry(
          () => {
            this.#dirty = false;
            return this.client.set(this.#key, this.#value());
          },
          { signal: this.options.signal, onRetry: (err) => this.options.onRetry(err) },
        );
      }
    })().finally(() => (this.#writing = undefined));
  }

  /** Leaving: once the write in flight is done, writes the latest values once more; never rejects. */
  async flush(): Promise<void> {
    if (this.#writing) await this.#writing;
    await this.client.set(this.#key, this.#value()).catch(() => {});
  }

  #value(): string {
    return formatCursorValue({ next: this.options.nextSeq(), revision: this.#revision });
  }
}
