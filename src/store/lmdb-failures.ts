// How lmdb-js reports a write it could not commit (a full disk, an I/O error), made safe for a server: one clear
// EngineWriteError for the writer, and none of the other promises lmdb rejects left to end the process.
import { EngineWriteError } from './engine.js';

/**
 * Every lmdb write returns a promise that rejects when its transaction fails (a full disk): commit() reports the
 * failure once, through the log entry's promise, and the rest must not become unhandled rejections.
 */
export function issued<T>(write: Promise<T>): Promise<T> {
  write.catch((err: { commitError?: Promise<unknown> }) => err?.commitError?.catch(() => {}));
  return write;
}

let orphanGuarded = false;

/**
 * When a commit fails, lmdb-js also rejects a promise of its own that no caller holds, and Node ends the process on
 * an unhandled rejection. The failure reaches every writer through commit(); only that orphan is dropped here.
 * Any other unhandled rejection ends the process as it would without this listener (unless others listen).
 */
export function guardOrphanCommitFailures(): void {
  if (orphanGuarded) return;
  orphanGuarded = true;
  process.on('unhandledRejection', (reason) => {
    const commitError = (reason as { commitError?: Promise<unknown> } | undefined)?.commitError;
    if (reason instanceof Error && commitError instanceof Promise) {
      commitError.catch(() => {});
      return;
    }
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
}

/** lmdb says only "Commit failed" and hangs the cause (errno) on a promise: turn it into an EngineWriteError. */
export async function writeFailure(err: unknown): Promise<Error> {
  let cause = err as NodeJS.ErrnoException & { commitError?: Promise<unknown> };
  if (cause?.commitError)
    cause = await cause.commitError.then(
      () => cause,
      (e: NodeJS.ErrnoException) => e,
    );
  const errno = cause?.code as unknown;
  // lmdb-js gives the errno as a number (28 is ENOSPC on Linux); MDB_MAP_FULL is -30792.
  const full =
    errno === 28 ||
    errno === 'ENOSPC' ||
    errno === -30792 ||
    /no space|MDB_MAP_FULL/i.test(String(cause?.message));
  const what = full
    ? 'the disk is full'
    : `the disk failed (${String(cause?.message ?? cause).split(':')[0]})`;
  return new EngineWriteError(
    `the store could not write to disk: ${what}; nothing of this write was stored${full ? ' (free space on the disk, then retry)' : ' (check the disk, then retry)'}`,
    full ? 'STORAGE_FULL' : 'STORAGE_FAILED',
  );
}
