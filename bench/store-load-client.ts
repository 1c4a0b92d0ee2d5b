// The benchmark's side of the store load generator (store-load.ts, a child process so the load does not share the
// measured process's event loop): run a job, and the arithmetic both store benches read the results with.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadKind, LoadResult } from './store-load.js';

const LOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'store-load.js');

export class LoadGenerator {
  private readonly child = fork(LOAD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  /** `children`: the bench's list of processes to kill when it is interrupted. */
  constructor(
    children: ChildProcess[],
    private readonly timing: { warmupMs: number; durationMs: number },
  ) {
    children.push(this.child);
  }

  /** One run of `kind` against 127.0.0.1, its connections spread round robin over `ports`. */
  run(kind: LoadKind, ports: readonly number[], connections: number): Promise<LoadResult> {
    const job = { kind, host: '127.0.0.1', port: ports[0]!, ports: [...ports], connections, ...this.timing };
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load generator exited with ${code}`));
      this.child.once('exit', onExit);
      this.child.once('message', (result) => {
        this.child.off('exit', onExit);
        resolve(result as LoadResult);
      });
      this.child.send(job);
    });
  }

  stop(): void {
    this.child.kill();
  }
}

/** Requests per second. */
export const rate = (r: LoadResult): number => (r.requests * 1000) / r.elapsedMs;

/** The faster of two runs (the first run alone counts as the best so far). */
export const best = (a: LoadResult | undefined, b: LoadResult): LoadResult =>
  a === undefined || rate(b) > rate(a) ? b : a;

export const kilo = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : `${Math.round(n)}`);
