// The runner under a fake clock: each stop condition, the rate schedule, error accounting
// and the timeline. No test sleeps; fake time advances inside the fake operations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPhase } from './runner.js';
import type { OperationOutcome, RunnerClock } from './runner.js';
import type { OperationKind } from './workloads.js';

function fakeClock(): RunnerClock & { advance(ms: number): void } {
  let now = 1000;
  return {
    nowMs: () => now,
    sleepUntil: (ms) => {
      now = Math.max(now, ms);
      return Promise.resolve();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

const op = (kind: OperationKind = 'read'): { kind: OperationKind } => ({ kind });

test('stops at the operation limit', async () => {
  const clock = fakeClock();
  const stats = await runPhase({
    limits: { concurrency: 4, operationLimit: 100, durationMs: 60_000 },
    clock,
    nextOperation: () => op(),
    execute: () => {
      clock.advance(2);
      return Promise.resolve({ ok: true });
    },
  });
  assert.equal(stats.operations, 100);
  assert.equal(stats.stopReason, 'operation-limit');
  assert.equal(stats.byKind.get('read')!.histogram.summary().count, 100);
});

test('stops at the deadline and charts one sample per second', async () => {
  const clock = fakeClock();
  const stats = await runPhase({
    limits: { concurrency: 1, operationLimit: 1_000_000, durationMs: 3000 },
    clock,
    nextOperation: () => op(),
    execute: () => {
      clock.advance(10);
      return Promise.resolve({ ok: true });
    },
  });
  assert.equal(stats.stopReason, 'duration');
  assert.equal(stats.operations, 300);
  assert.deepEqual(
    stats.timeline.map((sample) => sample.atSeconds),
    [1, 2, 3],
  );
  for (const sample of stats.timeline) {
    assert.ok(Math.abs(sample.operationsPerSecond - 100) <= 1, `${sample.operationsPerSecond}`);
    assert.ok(Math.abs(sample.p50Ms - 10) < 0.2, `p50 ${sample.p50Ms}`);
  }
});

test('stops when the source is exhausted (the load phase)', async () => {
  const clock = fakeClock();
  let left = 25;
  const stats = await runPhase({
    limits: { concurrency: 8, operationLimit: 1000, durationMs: 60_000 },
    clock,
    nextOperation: () => (left-- > 0 ? op('insert') : undefined),
    execute: () => Promise.resolve({ ok: true }),
  });
  assert.equal(stats.operations, 25);
  assert.equal(stats.stopReason, 'source-exhausted');
});

test('a rate limit schedules operations and charges latency from the schedule', async () => {
  const clock = fakeClock();
  let first = true;
  const stats = await runPhase({
    limits: { concurrency: 2, operationLimit: 1_000_000, durationMs: 2000, ratePerSecond: 50 },
    clock,
    nextOperation: () => op(),
    execute: () => {
      // One slow operation: with an open-loop schedule the ones queued behind it pay too.
      clock.advance(first ? 500 : 1);
      first = false;
      return Promise.resolve({ ok: true });
    },
  });
  assert.equal(stats.operations, 100);
  const histogram = stats.byKind.get('read')!.histogram;
  assert.ok(histogram.summary().max >= 500_000, 'the slow operation is recorded');
  assert.ok(histogram.percentile(90) > 2000, 'operations queued behind it are charged');
});

test('errors are counted by operation and type; an abort stops the phase', async () => {
  const clock = fakeClock();
  const controller = new AbortController();
  let count = 0;
  const stats = await runPhase({
    limits: { concurrency: 1, operationLimit: 1000, durationMs: 60_000 },
    clock,
    signal: controller.signal,
    nextOperation: () => op(count % 2 === 0 ? 'read' : 'update'),
    execute: (): Promise<OperationOutcome> => {
      count += 1;
      clock.advance(1);
      if (count === 40) controller.abort();
      return Promise.resolve(
        count % 4 === 0 ? { ok: false, errorType: 'ThrottlingException' } : { ok: true },
      );
    },
  });
  assert.equal(stats.stopReason, 'aborted');
  assert.equal(stats.operations, 40);
  assert.equal(stats.errors, 10);
  assert.deepEqual(Object.fromEntries(stats.errorsByType), { 'update: ThrottlingException': 10 });
});

test('unbounded phases are refused', async () => {
  const clock = fakeClock();
  const input = {
    clock,
    nextOperation: () => op(),
    execute: () => Promise.resolve({ ok: true as const }),
  };
  await assert.rejects(
    runPhase({ ...input, limits: { concurrency: 1, operationLimit: 1, durationMs: 0 } }),
  );
  await assert.rejects(
    runPhase({ ...input, limits: { concurrency: 1, operationLimit: 1, durationMs: 7_200_000 } }),
  );
  await assert.rejects(
    runPhase({ ...input, limits: { concurrency: 0, operationLimit: 1, durationMs: 10 } }),
  );
});
