// The etcd engine's options and defaults, and `loadEtcdEngine`, which loads etcd's client (gRPC, slow to load)
// only when a store is started on etcd: a store on lmdb never pays for it.
import type { EtcdEngine } from './etcd.js';
import type { BatchLimits } from './etcd-batch.js';

export const DEFAULT_ETCD_PREFIX = 'plainwire/';
/** How long one etcd call may take before the store answers 503 (nothing done) or 504 (a write not confirmed). */
export const DEFAULT_ETCD_TIMEOUT_MS = 5000;
/** The largest answer a node takes from etcd. */
export const DEFAULT_MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

export interface EtcdEngineOptions {
  /** Client URLs of the etcd members (http://HOST:PORT); any reachable one will do. */
  endpoints: string[];
  /** Every store key lives under this etcd key prefix (default "plainwire/"); keys outside it are never touched. */
  prefix?: string;
  /** Deadline of each etcd call (default 5 s): past it the call fails with EngineUnavailableError (503, or 504 for a write that may still land). */
  timeoutMs?: number;
  /** How many revisions of changes this node keeps in memory for watchers (default 100,000). */
  logRetention?: number;
  /** The largest answer the node takes from etcd (default 64 MiB; a watch answer over it is asked for in parts). */
  maxReceiveBytes?: number;
  /** Overrides of the write batches' limits (tests make them small to see a batch refused and split). */
  writeBatch?: Partial<BatchLimits>;
  /**
   * How long the node goes on watching etcd after its last watcher left (default 2 s). Without watchers it decodes
   * no one's writes; the next watcher brings the watch back, caught up from etcd's history.
   */
  watchIdleMs?: number;
  /** Told when the node stops watching etcd for want of watchers (false), and when it watches again (true). */
  onWatching?: (watching: boolean) => void;
  /** Told when the node's etcd watch had to restart (etcd compacted what it had not yet seen). */
  onWatchRestart?: (why: string) => void;
}

/** Connects to etcd (EngineOpenError when it cannot), catches up with its history and starts the node's watch. */
export async function loadEtcdEngine(options: EtcdEngineOptions): Promise<EtcdEngine> {
  const { openEtcdEngine } = await import('./etcd.js');
  return openEtcdEngine(options);
}
