// Our own log: the only keys this client writes messages to. It appends signed entries idempotently under
// increasing numbers, and prunes its oldest entries itself, so no two clients ever delete the same key.
import type { KeyObject } from 'node:crypto';
import { type StoreClient, StoreUnavailableError, VersionConflictError } from '../store/client.js';
import { formatLogValue, type LogRecord, logKey, parseLogValue, parseRoomKey, sameName } from './keys.js';
import { type EntryCheck, seqsToPrune } from './live.js';
import { retry } from './retry.js';
import { signLog } from './signature.js';

export interface OwnLogOptions {
  room: string;
  name: string;
  /** How many entries the log keeps. */
  history: number;
  /** Stops appending and pruning (the session stopped). */
  signal: AbortSignal;
  /** An append landed. */
  onAppended: () => void;
  /** An append found the store unreachable and will be retried. */
  onUnavailable: (err: StoreUnavailableError) => void;
  onStatus: (message: string) => void;
}

export class OwnLog {
  /** The number the next entry gets. */
  nextSeq = 1;
  /** The numbers of our entries still in the store, ascending. */
  #seqs: number[] = [];

  constructor(
    private readonly client: StoreClient,
    private readonly options: OwnLogOptions,
  ) {}

  /** The number of our newest entry still in the store (0: none). */
  get newest(): number {
    return this.#seqs[this.#seqs.length - 1] ?? 0;
  }

  /**
   * Takes in the room's listing at the start; resolves the turn of our newest message. Only entries we signed
   * are ours: a forger's entry in our log must not move our numbering or our turn. The cursor's `next` keeps a
   * number used before a restart from being used again after its entry was pruned.
   */
  load(
    items: readonly { key: string; value: string }[],
    check: EntryCheck,
    cursorNext: number | undefined,
  ): number | undefined {
    const { room, name } = this.options;
    let maxSeq = 0;
    let newestTurn: number | undefined;
    for (const item of items) {
      const key = parseRoomKey(room, item.key);
      if (key?.kind !== 'log' || !sameName(key.name, name)) continue;
      const record = parseLogValue(item.value);
      if (!record || check(key.name, key.seq, record) !== undefined) continue;
      this.#seqs.push(key.seq);
      if (key.seq > maxSeq) {
        maxSeq = key.seq;
        newestTurn = record.turn;
      }
    }
    this.#seqs.sort((a, b) => a - b);
    this.nextSeq = Math.max(cursorNext ?? 1, maxSeq + 1);
    return newestTurn;
  }

  /** The store restarted without its data: none of our entries is there any more. */
  forget(): void {
    this.#seqs = [];
  }

  /**
   * Appends one message. ifVersion=0 makes a retry after a lost answer harmless: if the key is already there
   * with our value, our earlier attempt landed; with another value, another run of our name took that number,
   * and we move on to the next one. Resolves false if the store refused the message itself.
   */
  async append(privateKey: KeyObject, text: string, turn?: number): Promise<boolean> {
    const { room, name, signal } = this.options;
    const record: LogRecord = { at: Date.now(), name, text };
    if (turn !== undefined) record.turn = turn;
    const write = async (): Promise<true> => {
      for (;;) {
        const seq = this.nextSeq;
        const key = logKey(room, name, seq);
        // The signature covers the sequence number, so it is made for each number tried (Ed25519 is
        // deterministic: a retry of the same number writes the same value).
        const value = formatLogValue(signLog(privateKey, room, seq, record));
        try {
          await this.client.set(key, value, { ifVersion: 0 });
        } catch (err) {
          if (!(err instanceof VersionConflictError)) throw err;
          const entry = await this.client.getEntry(key);
          if (entry?.value !== value) {
            this.nextSeq = Math.max(this.nextSeq, seq + 1);
            continue;
          }
        }
        this.nextSeq = Math.max(this.nextSeq, seq + 1);
        this.#seqs.push(seq);
        this.options.onAppended();
        this.prune();
        return true;
      }
    };
    try {
      const sent = await retry(write, {
        signal,
        retryable: (err) => err instanceof StoreUnavailableError,
        onRetry: (err) => this.options.onUnavailable(err as StoreUnavailableError),
      });
      return sent ?? false;
    } catch (err) {
      if (signal.aborted) return false;
      this.options.onStatus(`message not sent: ${(err as Error).message}`);
      return false;
    }
  }

  /** Old entries go, in the background: the log keeps the newest `history`. */
  prune(): void {
    const { room, name, history, signal } = this.options;
    const newest = this.newest;
    const old = seqsToPrune(this.#seqs, newest, history);
    if (old.length === 0) return;
    this.#seqs = this.#seqs.filter((seq) => seq > newest - history);
    void (async () => {
      for (const seq of old) {
        if (signal.aborted) return;
        await this.client.unset(logKey(room, name, seq)).catch(() => {});
      }
    })();
  }
}
