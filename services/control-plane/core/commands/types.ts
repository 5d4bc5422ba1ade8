/**
 * What every command shares: the apply context and the outcome shape.
 *
 * A command is a plain JSON object with a `type` and the time the proposer stamped on it
 * (`nowMs`); `apply(state, command, context)` is a pure function of its arguments. On an
 * operating error the outcome carries the input state unchanged, so a rejected command in the
 * log is a no-op on every replica.
 */
import type { ControlConfig } from '../config.js';
import { fail } from '../errors.js';
import type { ControlError, ControlErrorCode, Result } from '../errors.js';
import type { ControlState } from '../state.js';

/** The context every replica applies commands with (identical on every replica). */
export interface ApplyContext {
  readonly config: ControlConfig;
}

/** A command's outcome: the next state and the caller's answer. */
export interface ApplyOutcome<T> {
  readonly state: ControlState;
  readonly result: Result<T>;
}

/** The fields every command carries. */
export interface CommandBase {
  /** Proposer's clock when the command was proposed (ms since the Unix epoch). */
  readonly nowMs: number;
}

/** A failed outcome that leaves `state` unchanged. */
export function rejectWith<T>(
  state: ControlState,
  code: ControlErrorCode,
  message: string,
): ApplyOutcome<T> {
  return { state, result: fail(code, message) };
}

/** A failed outcome carrying a prepared error, leaving `state` unchanged. */
export function rejectError<T>(state: ControlState, error: ControlError): ApplyOutcome<T> {
  return { state, result: { ok: false, error } };
}

/** A successful outcome. */
export function accepted<T>(state: ControlState, value: T): ApplyOutcome<T> {
  return { state, result: { ok: true, value } };
}
