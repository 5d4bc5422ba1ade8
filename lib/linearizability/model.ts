// The types a history and a sequential model are made of.

/**
 * One completed (or possibly-completed) operation. Times are any monotonic numbers from
 * one clock. An operation whose outcome is unknown (the client gave up waiting) has
 * `output: undefined` and `returnTime: Infinity`: it may or may not have taken effect,
 * at any point after its call.
 */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  /** `undefined` when the outcome is unknown. */
  output: O | undefined;
  callTime: number;
  returnTime: number;
}

/** The outcome of applying one operation to a state. */
export interface StepResult<S> {
  /** Whether the operation, with its observed output, is legal in `state`. */
  ok: boolean;
  /** The state after the operation (meaningful only when `ok`). */
  state: S;
}

/**
 * A sequential specification. `step` must be pure and deterministic. With an unknown
 * output it must accept whatever the operation would have done.
 */
export interface Model<S, I, O> {
  /** The state before any operation. */
  init(): S;
  step(state: S, input: I, output: O | undefined): StepResult<S>;
  /** A string that is equal for equal states (used to memoise the search). */
  stateKey(state: S): string;
  /**
   * Splits a history into independent sub-histories that are checked separately (e.g.
   * one per key: linearizability is compositional, Herlihy & Wing). Defaults to one.
   */
  partition?(history: readonly Operation<I, O>[]): Operation<I, O>[][];
  /** A human-readable rendering for failure reports. */
  describeOperation?(input: I, output: O | undefined): string;
}
