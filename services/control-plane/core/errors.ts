/**
 * Errors as data for the control-plane core.
 *
 * Every operating error a command or planner can meet is a {@link ControlError} value, never a
 * thrown exception. Codes that a DynamoDB client sees carry DynamoDB's own error name so that the
 * router's error catalogue can map them to `__type` and HTTP status without a translation table;
 * the other codes are internal to the cluster (storage nodes, the admin API, the drivers).
 */

/** Error names a DynamoDB client may see, spelled as DynamoDB spells them. */
export type DynamoErrorCode =
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ResourceInUseException'
  | 'LimitExceededException'
  | 'InternalServerError';

/** Error names only the cluster's own components see. */
export type ClusterErrorCode =
  | 'NodeNotFound'
  | 'NodeAlreadyRegistered'
  | 'InvalidNodeTransition'
  | 'PartitionNotFound'
  | 'MoveNotFound'
  | 'MoveConflict'
  | 'MoveLimitReached'
  | 'InvalidMove'
  | 'InvalidSplit'
  | 'StaleReport'
  | 'InsufficientNodes'
  | 'MalformedCommand';

/** Every error code the core returns. */
export type ControlErrorCode = DynamoErrorCode | ClusterErrorCode;

/** An operating error: a code to branch on and a message for humans. */
export interface ControlError {
  readonly code: ControlErrorCode;
  readonly message: string;
}

/** The outcome of an operation that can fail with an operating error. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ControlError };

/** Builds a successful {@link Result}. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failed {@link Result}. */
export function fail<T = never>(code: ControlErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

const dynamoCodes: ReadonlySet<string> = new Set<DynamoErrorCode>([
  'ValidationException',
  'ResourceNotFoundException',
  'ResourceInUseException',
  'LimitExceededException',
  'InternalServerError',
]);

/** True when the code is one a DynamoDB client may receive unchanged. */
export function isDynamoErrorCode(code: ControlErrorCode): code is DynamoErrorCode {
  return dynamoCodes.has(code);
}

/**
 * Asserts a programmer-error invariant. A failed assertion is a bug in the caller or in the
 * core, never an operating condition, so it throws instead of returning a {@link Result}.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`control-plane core invariant violated: ${message}`);
}
