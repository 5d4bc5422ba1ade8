import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkHistory } from './checker.js';
import type { KvInput, KvOperation, KvOutput } from './kv-model.js';
import { kvModel } from './kv-model.js';

function op(
  clientId: number,
  callTime: number,
  returnTime: number,
  input: KvInput,
  output: KvOutput | undefined,
): KvOperation {
  return { clientId, callTime, returnTime, input, output };
}
const read = (value: string | null): KvOutput => ({ kind: 'read', value });
const wrote: KvOutput = { kind: 'write' };
const cas = (succeeded: boolean): KvOutput => ({ kind: 'cas', succeeded });
const R = (key = 'x'): KvInput => ({ kind: 'read', key });
const W = (value: string, key = 'x'): KvInput => ({ kind: 'write', key, value });
const C = (expected: string | null, value: string, key = 'x'): KvInput => ({
  kind: 'cas',
  key,
  expected,
  value,
});

test('a sequential history is linearizable', () => {
  const history = [op(0, 0, 1, W('a'), wrote), op(0, 2, 3, R(), read('a'))];
  assert.equal(checkHistory(kvModel, history).verdict, 'ok');
});

test('a read that misses a completed write is not linearizable', () => {
  const history = [op(0, 0, 1, W('a'), wrote), op(1, 2, 3, R(), read(null))];
  const result = checkHistory(kvModel, history);
  assert.equal(result.verdict, 'illegal');
  assert.match(result.explanation ?? '', /read\(x\) -> null/);
});

test('Porcupine register example: concurrent reads may see either side of a write', () => {
  const history = [
    op(0, 0, 100, W('100'), wrote),
    op(1, 25, 75, R(), read('100')),
    op(2, 30, 60, R(), read(null)),
  ];
  assert.equal(checkHistory(kvModel, history).verdict, 'ok');
});

test('Porcupine register example: a read cannot go back in time', () => {
  const history = [
    op(0, 0, 100, W('200'), wrote),
    op(1, 10, 30, R(), read('200')),
    op(2, 40, 90, R(), read(null)),
  ];
  assert.equal(checkHistory(kvModel, history).verdict, 'illegal');
});

test('two concurrent compare-and-sets from the same value cannot both succeed', () => {
  const both = [op(0, 0, 10, C(null, 'a'), cas(true)), op(1, 0, 10, C(null, 'b'), cas(true))];
  assert.equal(checkHistory(kvModel, both).verdict, 'illegal');
  const one = [op(0, 0, 10, C(null, 'a'), cas(true)), op(1, 0, 10, C(null, 'b'), cas(false))];
  assert.equal(checkHistory(kvModel, one).verdict, 'ok');
});

test('an operation with an unknown outcome may or may not take effect', () => {
  const tookEffect = [op(0, 0, Infinity, W('a'), undefined), op(1, 5, 6, R(), read('a'))];
  assert.equal(checkHistory(kvModel, tookEffect).verdict, 'ok');
  const didNot = [op(0, 0, Infinity, W('a'), undefined), op(1, 5, 6, R(), read(null))];
  assert.equal(checkHistory(kvModel, didNot).verdict, 'ok');
  // Once seen, an effect cannot be undone.
  const flicker = [
    op(0, 0, Infinity, W('a'), undefined),
    op(1, 5, 6, R(), read('a')),
    op(1, 7, 8, R(), read(null)),
  ];
  assert.equal(checkHistory(kvModel, flicker).verdict, 'illegal');
});

test('keys are checked independently', () => {
  const history = [
    op(0, 0, 1, W('a', 'x'), wrote),
    op(0, 2, 3, W('b', 'y'), wrote),
    op(1, 4, 5, R('x'), read('a')),
    op(1, 6, 7, R('y'), read('a')),
  ];
  const result = checkHistory(kvModel, history);
  assert.equal(result.verdict, 'illegal');
  assert.ok(result.illegalPartition?.every((o) => o.input.key === 'y'));
});

test('the work bound turns a hard search into unknown instead of running forever', () => {
  // Many concurrent writes and a read of a value nobody wrote: proving it illegal
  // needs a search over every order of the writes.
  const history: KvOperation[] = [];
  for (let i = 0; i < 14; i++) history.push(op(i, 0, 100, W(String(i)), wrote));
  history.push(op(99, 0, 100, R(), read('never')));
  assert.equal(checkHistory(kvModel, history, { maxSteps: 500 }).verdict, 'unknown');
  assert.equal(checkHistory(kvModel, history).verdict, 'illegal');
});

/** A tiny deterministic generator so the randomized test replays exactly. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

/**
 * Runs random operations against a real register, each taking effect at an instant
 * inside its [call, return] interval: such histories are linearizable by construction.
 */
function generateLinearizable(seed: number, count: number): KvOperation[] {
  const random = lcg(seed);
  let value: string | null = null;
  const history: KvOperation[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * 10;
    const callTime = at - Math.floor(random() * 25);
    const returnTime = at + Math.floor(random() * 25);
    const choice = random();
    if (choice < 0.4) {
      history.push(op(i % 4, callTime, returnTime, R(), read(value)));
    } else if (choice < 0.7) {
      value = `v${i}`;
      history.push(op(i % 4, callTime, returnTime, W(value), wrote));
    } else {
      const expected = random() < 0.5 ? value : 'nope';
      const succeeded = expected === value;
      if (succeeded) value = `c${i}`;
      history.push(op(i % 4, callTime, returnTime, C(expected, `c${i}`), cas(succeeded)));
    }
  }
  return history;
}

test('randomized: histories built from a real register check ok; a corrupted read does not', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const history = generateLinearizable(seed, 60);
    assert.equal(checkHistory(kvModel, history).verdict, 'ok', `seed ${seed}`);
    const readIndex = history.findIndex((o) => o.input.kind === 'read');
    if (readIndex < 0) continue;
    const corrupted = history.slice();
    corrupted[readIndex] = { ...(history[readIndex] as KvOperation), output: read('bogus') };
    assert.equal(checkHistory(kvModel, corrupted).verdict, 'illegal', `seed ${seed}`);
  }
});
