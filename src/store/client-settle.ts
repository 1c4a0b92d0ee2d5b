// What became of a write whose connection broke after it was sent, judged from what the store says afterwards:
// the key's change log since the version the write required, or (without one) the key as it is now. Pure
// functions; StoreClient does the reading and acts on the outcome.
import type { Change, Entry } from './client-protocol.js';

export type Outcome =
  /** The write landed; `version` (a set's new version) is also its revision. */
  | { kind: 'applied'; version: number; revision: number }
  /** It did not land, and the key is where the write expects it: the same compare-and-set may go again. */
  | { kind: 'not-applied' }
  /** It did not land and cannot any more: the key moved on first (a compare-and-set that lost). */
  | { kind: 'lost'; actual: number }
  /** The store's state fits both. */
  | { kind: 'unknown' };

/**
 * A compare-and-set from version `expected` (> 0), judged by the key's changes after that version. The first of
 * them decides: had our write landed, it would be that one, since every other change moves the version and
 * would make ours fail. A first change with our very value counts as ours; someone else's identical write
 * leaves the store exactly as ours would have.
 */
export function casOutcome(
  kind: 'set' | 'unset',
  changes: readonly Change[],
  value: string | undefined,
): Outcome {
  const first = changes[0];
  if (first === undefined) return { kind: 'not-applied' };
  const ours = kind === 'set' ? first.type === 'set' && first.value === value : first.type === 'unset';
  if (ours) return { kind: 'applied', version: first.version, revision: first.revision };
  return { kind: 'lost', actual: changes[changes.length - 1]!.version };
}

/**
 * A set "only if absent" (ifVersion 0), judged by the key now: the change log cannot help, as the key may have
 * lived and died before. Absent: it did not land. Our value: it landed. Another value: either.
 */
export function createOutcome(entry: Entry | undefined, value: string): Outcome {
  if (entry === undefined) return { kind: 'not-applied' };
  if (entry.value === value) return { kind: 'applied', version: entry.version, revision: entry.version };
  return { kind: 'unknown' };
}

/**
 * An unset without a version to compare (or "only if absent"), judged by the key now. Absent is what was asked
 * for, whoever removed it; `revision` is then the store's revision at the read, at or after the removal. Present
 * fits both "it did not land" and "it landed and the key was set again", so it stays unknown.
 */
export function unsetOutcome(entry: Entry | undefined, readRevision: number, ifVersion?: number): Outcome {
  if (entry === undefined) return { kind: 'applied', version: 0, revision: readRevision };
  // "Unset only if absent" of a key that exists now would fail however often it is sent.
  if (ifVersion === 0) return { kind: 'lost', actual: entry.version };
  return { kind: 'unknown' };
}
