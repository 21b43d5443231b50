/** Persistence: the Store contract and its SQLite and in-memory implementations. */
export type {
  CommitBatch,
  EventQuery,
  MaybePromise,
  RunFilter,
  RunRecord,
  RunStatus,
  SignalRecord,
  StepRecord,
  StepStatus,
  Store,
} from './types.js';
export { MemoryStore } from './memory.js';
export type { StoreOptions } from './options.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
export { DEFAULT_STORE_PATH, openStore, resolveStoreTarget, type StoreTarget } from './open.js';
export { defaultOwnerId, isLocalOwnerAlive } from './owner.js';
