// Long-poll watchers waiting for changes: indexed by key and by prefix, so a change wakes only the watchers it
// matches. An idle watcher is an entry in a map (its request owns the one timeout timer); nothing polls. The hub
// listens to the engine only while someone waits: a node over etcd watches etcd only while it is listened to.
import type { Change, ChangeMatch, Engine } from './engine.js';

interface Waiter {
  match: ChangeMatch;
  wake: () => void;
}

export class WatchHub {
  private readonly byKey = new Map<string, Set<Waiter>>();
  private readonly byPrefix = new Map<string, Set<Waiter>>();
  private count = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly engine: Engine) {}

  /** How many watchers are waiting. */
  get size(): number {
    return this.count;
  }

  /** Calls `wake` once, at the first change matching `match`. Returns a cancel function (safe to call twice). */
  wait(match: ChangeMatch, wake: () => void): () => void {
    const waiter: Waiter = { match, wake };
    const [index, name] = 'key' in match ? [this.byKey, match.key] : [this.byPrefix, match.prefix];
    let set = index.get(name);
    if (!set) {
      set = new Set();
      index.set(name, set);
    }
    set.add(waiter);
    if (this.count++ === 0) this.unsubscribe = this.engine.onChanges((changes) => this.deliver(changes));
    return () => this.remove(waiter);
  }

  /** Wakes every watcher (the server is stopping: they answer with what they have). */
  wakeAll(): void {
    const all = [...this.byKey.values(), ...this.byPrefix.values()].flatMap((s) => [...s]);
    for (const waiter of all) {
      this.remove(waiter);
      waiter.wake();
    }
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private remove(waiter: Waiter): void {
    const [index, name] =
      'key' in waiter.match ? [this.byKey, waiter.match.key] : [this.byPrefix, waiter.match.prefix];
    const set = index.get(name);
    if (!set?.delete(waiter)) return;
    if (--this.count === 0) this.close();
    if (set.size === 0) index.delete(name);
  }

  private deliver(changes: Change[]): void {
    if (this.count === 0) return;
    const woken = new Set<Waiter>();
    for (const change of changes) {
      const exact = this.byKey.get(change.key);
      if (exact) for (const w of exact) woken.add(w);
      // Distinct prefixes are few in practice (one per chat room or app), so checking each is cheaper than
      // looking up every prefix of a key that may be a kilobyte long.
      for (const [prefix, set] of this.byPrefix)
        if (change.key.startsWith(prefix)) for (const w of set) woken.add(w);
    }
    for (const waiter of woken) {
      this.remove(waiter);
      waiter.wake();
    }
  }
}
