// A linearizability checker in the style of Porcupine (Athalye): the Wing & Gong search,
// with Lowe's memoisation of (set of linearized operations, model state) pairs, run
// separately on each partition of the history. The search backtracks over which pending
// operation takes effect next; the memo prunes configurations already proven dead.
//
// The problem is NP-complete, so the work is bounded: past `maxSteps` model steps per
// partition the answer is `unknown` rather than an unbounded run.

import type { Model, Operation } from './model.js';

/** The verdict for a whole history. */
export type CheckVerdict = 'ok' | 'illegal' | 'unknown';

/** What {@link checkHistory} found. */
export interface CheckResult<I, O> {
  verdict: CheckVerdict;
  /** Model steps taken over all partitions. */
  steps: number;
  /** For `illegal`: the offending partition, rendered one operation per line. */
  illegalPartition?: Operation<I, O>[];
  /** For `illegal`: a human-readable description. */
  explanation?: string;
}

/** Limits on the search. */
export interface CheckOptions {
  /** Model steps allowed per partition before giving up with `unknown`. Default 1,000,000. */
  maxSteps?: number;
}

/** One call or return event in the doubly linked event list. */
interface EventNode<I, O> {
  operationId: number;
  isCall: boolean;
  time: number;
  input: I;
  output: O | undefined;
  /** For a call: its return event. */
  match: EventNode<I, O> | null;
  prev: EventNode<I, O> | null;
  next: EventNode<I, O> | null;
}

/** Checks a history against a model. */
export function checkHistory<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const maxSteps = options.maxSteps ?? 1_000_000;
  const partitions = model.partition ? model.partition(history) : [history.slice()];
  let totalSteps = 0;
  let verdict: CheckVerdict = 'ok';
  for (const partition of partitions) {
    const result = checkPartition(model, partition, maxSteps);
    totalSteps += result.steps;
    if (result.verdict === 'illegal') {
      return {
        verdict: 'illegal',
        steps: totalSteps,
        illegalPartition: partition,
        explanation: describePartition(model, partition),
      };
    }
    if (result.verdict === 'unknown') verdict = 'unknown';
  }
  return { verdict, steps: totalSteps };
}

function buildEvents<I, O>(operations: readonly Operation<I, O>[]): EventNode<I, O> {
  const events: EventNode<I, O>[] = [];
  operations.forEach((operation, operationId) => {
    if (!(operation.returnTime >= operation.callTime)) {
      throw new Error(`linearizability: operation ${operationId} returns before its call`);
    }
    const ret: EventNode<I, O> = {
      operationId,
      isCall: false,
      time: operation.returnTime,
      input: operation.input,
      output: operation.output,
      match: null,
      prev: null,
      next: null,
    };
    const call: EventNode<I, O> = { ...ret, isCall: true, time: operation.callTime, match: ret };
    events.push(call, ret);
  });
  // Calls sort before returns at equal times: such operations count as concurrent.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: EventNode<I, O> = {
    operationId: -1,
    isCall: false,
    time: -Infinity,
    input: undefined as I,
    output: undefined,
    match: null,
    prev: null,
    next: null,
  };
  let previous = head;
  for (const event of events) {
    previous.next = event;
    event.prev = previous;
    previous = event;
  }
  return head;
}

/** Removes a call and its return from the list (the operation is linearized). */
function lift<I, O>(call: EventNode<I, O>): void {
  (call.prev as EventNode<I, O>).next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  const ret = call.match as EventNode<I, O>;
  (ret.prev as EventNode<I, O>).next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Undoes {@link lift}, in reverse order. */
function unlift<I, O>(call: EventNode<I, O>): void {
  const ret = call.match as EventNode<I, O>;
  (ret.prev as EventNode<I, O>).next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  (call.prev as EventNode<I, O>).next = call;
  if (call.next !== null) call.next.prev = call;
}

function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly Operation<I, O>[],
  maxSteps: number,
): { verdict: CheckVerdict; steps: number } {
  const head = buildEvents(operations);
  const linearized = new Uint32Array(Math.ceil(operations.length / 32) + 1);
  const seen = new Set<string>();
  const stack: { call: EventNode<I, O>; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  while (head.next !== null) {
    if (steps++ > maxSteps) return { verdict: 'unknown', steps };
    if (entry === null) throw new Error('linearizability: ran off the event list');
    if (entry.isCall) {
      const result = model.step(state, entry.input, (entry.match as EventNode<I, O>).output);
      if (result.ok) {
        const id = entry.operationId;
        setBit(linearized, id, true);
        const key = `${linearized.join(',')}|${model.stateKey(result.state)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: entry, state });
          state = result.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        setBit(linearized, id, false);
      }
      entry = entry.next;
    } else {
      // A return was reached with its call still pending: backtrack.
      const top = stack.pop();
      if (top === undefined) return { verdict: 'illegal', steps };
      state = top.state;
      setBit(linearized, top.call.operationId, false);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { verdict: 'ok', steps };
}

function setBit(bits: Uint32Array, index: number, value: boolean): void {
  const word = index >>> 5;
  const mask = 1 << (index & 31);
  bits[word] = value ? (bits[word] as number) | mask : (bits[word] as number) & ~mask;
}

function describePartition<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly Operation<I, O>[],
): string {
  const render = (operation: Operation<I, O>): string =>
    model.describeOperation
      ? model.describeOperation(operation.input, operation.output)
      : `${JSON.stringify(operation.input)} -> ${JSON.stringify(operation.output)}`;
  return [...operations]
    .sort((a, b) => a.callTime - b.callTime)
    .map(
      (operation) =>
        `client ${operation.clientId} [${operation.callTime}, ${operation.returnTime}] ${render(operation)}`,
    )
    .join('\n');
}
