// Argument checks every engine runs before touching its store, so that a malformed batch or
// range is a typed error with nothing written, identically in every implementation.
import { compareBytes } from './bytes.js';
import { engineError, engineOk } from './engine.js';
import type { EngineLimits, EngineResult, Mutation, ScanLimits, ScanRange } from './engine.js';

/** One end of a normalised range. */
export interface RangeBound {
  readonly key: Uint8Array;
  readonly inclusive: boolean;
}

/** A scan range reduced to at most one lower and one upper bound. */
export interface NormalisedRange {
  readonly lower: RangeBound | undefined;
  readonly upper: RangeBound | undefined;
  readonly reverse: boolean;
}

/** Checks a write batch against the limits; returns the batch's key and value bytes. */
export function validateBatch(
  mutations: readonly Mutation[],
  limits: EngineLimits,
): EngineResult<number> {
  if (!Array.isArray(mutations)) return engineError('invalid-argument', 'batch is not an array');
  if (mutations.length > limits.batchMutationsMax) {
    return engineError(
      'limit-exceeded',
      `batch has ${mutations.length} mutations, more than ${limits.batchMutationsMax}`,
    );
  }
  let bytes = 0;
  for (let i = 0; i < mutations.length; i++) {
    const checked = validateMutation(mutations[i], limits);
    if (!checked.ok) {
      return engineError(checked.error.code, `mutation ${i}: ${checked.error.message}`);
    }
    bytes += checked.value;
  }
  if (bytes > limits.batchBytesMax) {
    return engineError(
      'limit-exceeded',
      `batch has ${bytes} bytes, more than ${limits.batchBytesMax}`,
    );
  }
  return engineOk(bytes);
}

function validateMutation(
  mutation: Mutation | undefined,
  limits: EngineLimits,
): EngineResult<number> {
  if (mutation === undefined || mutation === null || typeof mutation !== 'object') {
    return engineError('invalid-argument', 'not a mutation');
  }
  switch (mutation.kind) {
    case 'put': {
      const key = validateKey(mutation.key, limits, 'key');
      if (!key.ok) return key;
      if (!(mutation.value instanceof Uint8Array)) {
        return engineError('invalid-argument', 'value is not a Uint8Array');
      }
      if (mutation.value.length > limits.valueBytesMax) {
        return engineError(
          'limit-exceeded',
          `value has ${mutation.value.length} bytes, more than ${limits.valueBytesMax}`,
        );
      }
      return engineOk(mutation.key.length + mutation.value.length);
    }
    case 'delete': {
      const key = validateKey(mutation.key, limits, 'key');
      return key.ok ? engineOk(mutation.key.length) : key;
    }
    case 'deleteRange': {
      const start = validateKey(mutation.start, limits, 'start');
      if (!start.ok) return start;
      const end = validateKey(mutation.end, limits, 'end');
      if (!end.ok) return end;
      if (compareBytes(mutation.start, mutation.end) > 0) {
        return engineError('invalid-argument', 'deleteRange start is after its end');
      }
      return engineOk(mutation.start.length + mutation.end.length);
    }
    default:
      return engineError('invalid-argument', 'unknown mutation kind');
  }
}

function validateKey(key: unknown, limits: EngineLimits, name: string): EngineResult<number> {
  if (!(key instanceof Uint8Array))
    return engineError('invalid-argument', `${name} is not a Uint8Array`);
  if (key.length === 0) return engineError('invalid-argument', `${name} is empty`);
  if (key.length > limits.keyBytesMax) {
    return engineError(
      'limit-exceeded',
      `${name} has ${key.length} bytes, more than ${limits.keyBytesMax}`,
    );
  }
  return engineOk(key.length);
}

/** Checks a key range `[start, end)`: two valid keys, `start` not after `end`. */
export function validateRange(
  start: unknown,
  end: unknown,
  limits: EngineLimits,
): EngineResult<void> {
  const first = validateKey(start, limits, 'start');
  if (!first.ok) return first;
  const second = validateKey(end, limits, 'end');
  if (!second.ok) return second;
  if (compareBytes(start as Uint8Array, end as Uint8Array) > 0) {
    return engineError('invalid-argument', 'range start is after its end');
  }
  return engineOk(undefined);
}

/** Checks a point-read key (non-empty bytes within the key limit). */
export function validateReadKey(key: unknown, limits: EngineLimits): EngineResult<number> {
  return validateKey(key, limits, 'key');
}

/** Checks and normalises a scan range and its limits. */
export function normaliseScan(range: ScanRange, limits: ScanLimits): EngineResult<NormalisedRange> {
  if (range.gt !== undefined && range.gte !== undefined) {
    return engineError('invalid-argument', 'scan range has both gt and gte');
  }
  if (range.lt !== undefined && range.lte !== undefined) {
    return engineError('invalid-argument', 'scan range has both lt and lte');
  }
  if (!isPositiveInteger(limits.itemsMax) || !isPositiveInteger(limits.bytesMax)) {
    return engineError('invalid-argument', 'scan limits must be positive integers');
  }
  const lowerKey = range.gt ?? range.gte;
  const upperKey = range.lt ?? range.lte;
  for (const bound of [lowerKey, upperKey]) {
    if (bound !== undefined && !(bound instanceof Uint8Array)) {
      return engineError('invalid-argument', 'scan bound is not a Uint8Array');
    }
  }
  return engineOk({
    lower:
      lowerKey === undefined ? undefined : { key: lowerKey, inclusive: range.gte !== undefined },
    upper:
      upperKey === undefined ? undefined : { key: upperKey, inclusive: range.lte !== undefined },
    reverse: range.reverse === true,
  });
}

function isPositiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/** True when `key` lies above the lower bound (or there is none). */
export function aboveLower(key: Uint8Array, lower: RangeBound | undefined): boolean {
  if (lower === undefined) return true;
  const order = compareBytes(key, lower.key);
  return lower.inclusive ? order >= 0 : order > 0;
}

/** True when `key` lies below the upper bound (or there is none). */
export function belowUpper(key: Uint8Array, upper: RangeBound | undefined): boolean {
  if (upper === undefined) return true;
  const order = compareBytes(key, upper.key);
  return upper.inclusive ? order <= 0 : order < 0;
}
