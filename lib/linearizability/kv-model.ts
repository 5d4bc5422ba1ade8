// A key-value register model: read, write and compare-and-set on string values, with
// the history partitioned per key.

import type { Model, Operation } from './model.js';

/** A request against one key. A missing value is `null`. */
export type KvInput =
  | { kind: 'read'; key: string }
  | { kind: 'write'; key: string; value: string }
  | { kind: 'cas'; key: string; expected: string | null; value: string };

/** What the client observed. */
export type KvOutput =
  { kind: 'read'; value: string | null } | { kind: 'write' } | { kind: 'cas'; succeeded: boolean };

/** A history operation against the key-value model. */
export type KvOperation = Operation<KvInput, KvOutput>;

/** The key-value register model (state: the value of one key). */
export const kvModel: Model<string | null, KvInput, KvOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.kind) {
      case 'read':
        // A read whose answer was lost tells nothing; it is legal anywhere.
        if (output === undefined) return { ok: true, state };
        return { ok: output.kind === 'read' && output.value === state, state };
      case 'write':
        return { ok: true, state: input.value };
      case 'cas': {
        const matches = state === input.expected;
        if (output === undefined) return { ok: true, state: matches ? input.value : state };
        const succeeded = output.kind === 'cas' && output.succeeded;
        return { ok: succeeded === matches, state: matches ? input.value : state };
      }
    }
  },
  stateKey: (state) => (state === null ? '\u0000' : `=${state}`),
  partition(history) {
    const byKey = new Map<string, KvOperation[]>();
    for (const operation of history) {
      const list = byKey.get(operation.input.key);
      if (list === undefined) byKey.set(operation.input.key, [operation]);
      else list.push(operation);
    }
    return [...byKey.keys()].sort().map((key) => byKey.get(key) as KvOperation[]);
  },
  describeOperation(input, output) {
    const result =
      output === undefined
        ? '?'
        : output.kind === 'read'
          ? JSON.stringify(output.value)
          : output.kind === 'cas'
            ? String(output.succeeded)
            : 'ok';
    switch (input.kind) {
      case 'read':
        return `read(${input.key}) -> ${result}`;
      case 'write':
        return `write(${input.key}, ${JSON.stringify(input.value)}) -> ${result}`;
      case 'cas':
        return `cas(${input.key}, ${JSON.stringify(input.expected)}, ${JSON.stringify(input.value)}) -> ${result}`;
    }
  },
};
