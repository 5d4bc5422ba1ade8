import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeTimers } from './timers.js';
import { WorkQueue } from './work-queue.js';

test('a key is queued once and handed to one worker at a time', async () => {
  const queue = new WorkQueue(new FakeTimers());
  queue.add('a');
  queue.add('a');
  queue.add('b');
  assert.equal(queue.length, 2);
  assert.equal(await queue.get(), 'a');
  queue.add('a'); // changed while processing: not handed out again yet
  assert.equal(await queue.get(), 'b');
  assert.equal(queue.length, 0);
  queue.done('a');
  assert.equal(await queue.get(), 'a');
});

test('a waiting get receives the next added key', async () => {
  const queue = new WorkQueue(new FakeTimers());
  const waiting = queue.get();
  queue.add('x');
  assert.equal(await waiting, 'x');
});

test('failures back off exponentially up to the cap, and forget resets', () => {
  const timers = new FakeTimers();
  const queue = new WorkQueue(timers, { baseDelayMs: 100, maxDelayMs: 1000 });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => queue.addRateLimited('k')),
    [100, 200, 400, 800, 1000, 1000],
  );
  queue.forget('k');
  assert.equal(queue.addRateLimited('k'), 100);
});

test('addAfter queues when the fake clock reaches the delay; the earliest delay wins', async () => {
  const timers = new FakeTimers();
  const queue = new WorkQueue(timers);
  queue.addAfter('k', 5000);
  queue.addAfter('k', 1000);
  queue.addAfter('k', 3000);
  timers.advance(999);
  assert.equal(queue.length, 0);
  timers.advance(1);
  assert.equal(queue.length, 1);
  assert.equal(await queue.get(), 'k');
  assert.equal(timers.pendingCount, 0);
});

test('shutDown releases waiting workers and drops delayed keys', async () => {
  const timers = new FakeTimers();
  const queue = new WorkQueue(timers);
  const waiting = queue.get();
  queue.addAfter('k', 10);
  queue.shutDown();
  assert.equal(await waiting, undefined);
  assert.equal(timers.pendingCount, 0);
  assert.equal(await queue.get(), undefined);
});

test('the queue refuses to grow past its limit', () => {
  const queue = new WorkQueue(new FakeTimers(), { lengthMax: 2 });
  queue.add('a');
  queue.add('b');
  assert.throws(() => queue.add('c'), /holds 2 keys/);
});
