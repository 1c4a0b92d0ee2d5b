// Public API of src/store/: the store server (start one in your program) and the client library.
export { startStoreServer, type StoreServer, type StoreServerOptions } from './server.js';
export {
  loadEtcdEngine,
  type EtcdEngineOptions,
  DEFAULT_ETCD_PREFIX,
  DEFAULT_ETCD_TIMEOUT_MS,
} from './etcd-options.js';
export {
  StoreClient,
  type StoreClientOptions,
  type WatchOptions,
  type WatchOnceOptions,
  type Entry,
  type Change,
} from './client.js';
export {
  StoreError,
  VersionConflictError,
  StoreUnavailableError,
  CompactedError,
  NotAStoreError,
  WriteOutcomeUnknownError,
} from './client-errors.js';
export { StoreDict } from './dict.js';
