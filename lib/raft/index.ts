// The public surface of the Raft library. Hosts import from here.

export type { RaftConfig, UnsafeTestingKnobs, ValidatedConfig } from './config.js';
export { maxLeaseTicks, validateConfig } from './config.js';
export { MemoryStorage, bootstrapSnapshot } from './memory-storage.js';
export type { ProgressState } from './progress.js';
export type { Proposed } from './raft.js';
export { Xoshiro128 } from './random.js';
export type { RandomSource } from './random.js';
export { RawNode } from './raw-node.js';
export type { PeerProgress, RaftStatus, Ready } from './raw-node.js';
export type { InitialState, LogStorage, StorageError, WritableLogStorage } from './storage.js';
export * from './types.js';
