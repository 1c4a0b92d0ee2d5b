// Helpers for the engine tests: a clock moved by hand, and waiting for a change an engine announces.
import type { Change, Engine } from '../../src/store/engine.js';

/** A clock the test moves by hand, so expiry never races a busy machine. */
export class TestClock {
  time = Date.UTC(2026, 0, 1);
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Resolves once `engine` announces a change for which `match` holds. */
export function changeSeen(engine: Engine, match: (c: Change) => boolean): Promise<Change> {
  return new Promise((resolve) => {
    const stop = engine.onChanges((changes) => {
      const found = changes.find(match);
      if (found) {
        stop();
        resolve(found);
      }
    });
  });
}
