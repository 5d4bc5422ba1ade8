// A Porcupine-style linearizability checker with a key-value register model.

export type { CheckOptions, CheckResult, CheckVerdict } from './checker.js';
export { checkHistory } from './checker.js';
export type { KvInput, KvOperation, KvOutput } from './kv-model.js';
export { kvModel } from './kv-model.js';
export type { Model, Operation, StepResult } from './model.js';
