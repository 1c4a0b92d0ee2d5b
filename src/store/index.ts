// Public API of src/store/: the client library (the server's API joins it here once it lands).
export {
  StoreClient,
  type StoreClientOptions,
  type WatchOptions,
  type WatchOnceOptions,
  type Entry,
  type Change,
} from './client.js';
export { StoreError, VersionConflictError, StoreUnavailableError, CompactedError } from './client-errors.js';
export { StoreDict } from './dict.js';
