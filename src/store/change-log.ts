// An in-memory change log, oldest revision first, as the memory engine and an etcd node keep for their watchers:
// reading the changes after a revision, the way the engine contract's changesAfter answers.
import { type Change, type ChangeMatch, changeMatches } from './engine.js';

export interface LoggedRevision {
  revision: number;
  changes: Change[];
}

/** The index of the first entry at `revision` or later (log.length when none is). */
export function lowerBoundRevision(log: readonly LoggedRevision[], revision: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]!.revision < revision) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The matching changes after `after`, whole revisions only, stopping once `limit` changes are gathered or
 * `scanLimit` revisions read; `revision` is where the reader goes on from (`newest` when the log was read to its
 * end). The caller has checked that `after` is inside the log.
 */
export function readLog(
  log: readonly LoggedRevision[],
  after: number,
  match: ChangeMatch,
  limit: number,
  scanLimit: number,
  newest: number,
): { kind: 'changes'; changes: Change[]; revision: number } {
  const changes: Change[] = [];
  let scanned = 0;
  for (let i = lowerBoundRevision(log, after + 1); i < log.length; i++) {
    if (changes.length >= limit || scanned >= scanLimit)
      return { kind: 'changes', changes, revision: log[i - 1]!.revision };
    scanned++;
    for (const change of log[i]!.changes) if (changeMatches(match, change.key)) changes.push(change);
  }
  return { kind: 'changes', changes, revision: newest };
}
