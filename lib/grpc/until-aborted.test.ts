import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { untilAborted } from './until-aborted.js';

/** A source that yields `count` values and then waits forever (like an idle peer). */
async function* idleAfter(count: number): AsyncIterable<number> {
  for (let value = 0; value < count; value++) yield value;
  await new Promise(() => {});
}

test('yields everything from a source that ends', async () => {
  async function* three() {
    yield* [1, 2, 3];
  }
  const seen: number[] = [];
  for await (const value of untilAborted(three(), new AbortController().signal)) seen.push(value);
  assert.deepEqual(seen, [1, 2, 3]);
});

test('ends a loop blocked on an idle source when the signal aborts', async () => {
  const controller = new AbortController();
  const seen: number[] = [];
  for await (const value of untilAborted(idleAfter(2), controller.signal)) {
    seen.push(value);
    if (seen.length === 2) queueMicrotask(() => controller.abort());
  }
  assert.deepEqual(seen, [0, 1]);
});

test('yields nothing when the signal is already aborted', async () => {
  const controller = new AbortController();
  controller.abort();
  const seen: number[] = [];
  for await (const value of untilAborted(idleAfter(5), controller.signal)) seen.push(value);
  assert.deepEqual(seen, []);
});
