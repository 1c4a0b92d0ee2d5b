// Helpers for the engine tests: a clock moved by hand, waiting for a change an engine announces, reading an
// engine's changes the way a long-poller does, and nodes over a real etcd cluster.
import { afterAll, beforeAll } from 'vitest';
import type { Change, Engine } from '../../src/store/engine.js';
import { type EtcdEngine, openEtcdEngine } from '../../src/store/etcd.js';
import type { EtcdEngineOptions } from '../../src/store/etcd-options.js';
import { EtcdCluster } from '../helpers/etcd.js';

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

/**
 * Every change `engine` has after revision `after` up to `until`, read in pages of 7 the way a long-poller does.
 * A revision the engine's watch has not brought yet is waited for on its announcements, never on a timer.
 */
export async function changesBetween(engine: Engine, after: number, until: number): Promise<Change[]> {
  const changes: Change[] = [];
  let at = after;
  while (at < until) {
    // Listening before asking, so that an announcement between the answer and the wait is not missed.
    let stop = () => {};
    const announced = new Promise<void>((resolve) => {
      stop = engine.onChanges(() => resolve());
    });
    try {
      const answer = await engine.changesAfter(at, { prefix: '' }, 7);
      if (answer.kind !== 'changes') throw new Error(`unexpected answer ${answer.kind}`);
      changes.push(...answer.changes);
      if (answer.revision === at) await announced;
      at = answer.revision;
    } finally {
      stop();
    }
  }
  return changes;
}

/**
 * A 3-member etcd cluster started before the suite's tests and stopped after them, with `open` for store nodes
 * over it (each closed after the suite too).
 */
export function etcdNodes(): {
  cluster(): EtcdCluster;
  open(prefix: string, options?: Partial<EtcdEngineOptions>): Promise<EtcdEngine>;
} {
  let cluster: EtcdCluster | undefined;
  const engines: EtcdEngine[] = [];
  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    await cluster?.stop();
  });
  const started = (): EtcdCluster => {
    if (cluster === undefined) throw new Error('the etcd cluster is not started yet (use it inside a test)');
    return cluster;
  };
  return {
    cluster: started,
    async open(prefix, options = {}) {
      const engine = await openEtcdEngine({ endpoints: started().endpoints, prefix, ...options });
      engines.push(engine);
      return engine;
    },
  };
}
