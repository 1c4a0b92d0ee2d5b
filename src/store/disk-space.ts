// Keeps a reserve of free disk space under the lmdb engine: a set that would eat into it is refused before lmdb sees
// it. lmdb-js handles a write that hits ENOSPC badly (with large values its native write path can corrupt memory and
// end the process), so the store refuses while there is still room, and deletes (unset, clear, expiry), which need
// a few pages of their own, can still run in the reserve and free space.
import { statfsSync } from 'node:fs';
import { EngineWriteError } from './engine.js';

/** Free space kept for deletes and lmdb's own pages, unless the store is told otherwise (--disk-reserve). */
export const DEFAULT_DISK_RESERVE_BYTES = 32 * 1024 * 1024;

// What one write may add to the file besides its key and value: copied B-tree pages in the four databases.
const PAGES_PER_WRITE = 16 * 1024;

export class DiskSpace {
  private free = Number.POSITIVE_INFINITY;
  private fresh = false;
  /** Estimated bytes of writes issued and not yet committed (statfs does not see them yet). */
  private inFlight = 0;

  constructor(
    private readonly dir: string,
    private readonly reserve: number,
  ) {}

  /** What a set of this many key and value bytes may take on disk (copy-on-write keeps the old pages a while). */
  static estimate(bytes: number): number {
    return 2 * bytes + PAGES_PER_WRITE;
  }

  /** Claims `bytes` for a write, or throws EngineWriteError when that would leave less than the reserve free. */
  claim(bytes: number): void {
    if (this.reserve <= 0) return;
    if (!this.fresh) {
      // One statfs per event-loop turn: a burst of writes in one turn is covered by inFlight.
      this.fresh = true;
      setImmediate(() => {
        this.fresh = false;
      });
      try {
        const stats = statfsSync(this.dir);
        this.free = stats.bavail * stats.bsize;
      } catch {
        this.free = Number.POSITIVE_INFINITY;
      }
    }
    if (this.free - this.inFlight - bytes < this.reserve)
      throw new EngineWriteError(
        `the store could not write to disk: the disk is full (${formatMiB(Math.max(0, this.free))} free, the store keeps ${formatMiB(this.reserve)} for deletes); nothing of this write was stored (free space on the disk, or unset keys, then retry)`,
        'STORAGE_FULL',
      );
    this.inFlight += bytes;
  }

  release(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
