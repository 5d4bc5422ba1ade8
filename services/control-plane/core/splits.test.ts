import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createControlConfig } from './config.js';
import { HASH_MIN, bigIntToHash } from './hash-space.js';
import { HotPartitionTracker, chooseSplitPoint, decideSplit, planSplits } from './splits.js';
import type { KeySample, PartitionLoadReport } from './splits.js';
import { clusterWith, testContext, withActiveTable } from './test-support.js';

const h = (n: number) => bigIntToHash(BigInt(n) << 100n);
const samples = (pairs: ReadonlyArray<readonly [number, number]>): KeySample[] =>
  pairs.map(([point, weight]) => ({ hash: h(point), weight }));

describe('chooseSplitPoint', () => {
  const cases: ReadonlyArray<
    readonly [string, ReadonlyArray<readonly [number, number]>, number, number]
  > = [
    [
      'uniform weights split in the middle',
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
      3,
      0.5,
    ],
    [
      'a heavy key pulls the point towards it',
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 10],
        [5, 1],
      ],
      4,
      3 / 14,
    ],
    [
      'skew: most weight on the left',
      [
        [1, 5],
        [2, 5],
        [3, 1],
        [4, 1],
      ],
      2,
      5 / 12,
    ],
    [
      'duplicates of one hash are summed',
      [
        [1, 1],
        [1, 1],
        [2, 1],
        [3, 1],
      ],
      2,
      0.5,
    ],
  ];
  for (const [name, pairs, expectedPoint, expectedFraction] of cases) {
    test(name, () => {
      const result = chooseSplitPoint(HASH_MIN, null, samples(pairs), 2);
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      assert.equal(result.value.splitHash, h(expectedPoint));
      assert.ok(
        Math.abs(result.value.leftFraction - expectedFraction) < 1e-9,
        String(result.value.leftFraction),
      );
    });
  }

  test('the point is strictly inside the range and never a boundary, even at the range start', () => {
    const start = h(10);
    const result = chooseSplitPoint(
      start,
      h(20),
      samples([
        [10, 100],
        [11, 1],
        [12, 1],
      ]),
      2,
    );
    assert.ok(result.ok);
    assert.ok(result.value.splitHash > start && result.value.splitHash < h(20));
  });

  test('refuses one key, too few samples, no weight, and ignores samples outside the range', () => {
    assert.match(
      failMessage(
        chooseSplitPoint(
          HASH_MIN,
          null,
          samples([
            [5, 1],
            [5, 2],
            [5, 3],
          ]),
          2,
        ),
      ),
      /one key/,
    );
    assert.match(failMessage(chooseSplitPoint(HASH_MIN, null, samples([[5, 1]]), 2)), /at least 2/);
    assert.match(
      failMessage(
        chooseSplitPoint(
          HASH_MIN,
          null,
          samples([
            [1, 0],
            [2, 0],
          ]),
          2,
        ),
      ),
      /no weight/,
    );
    assert.match(
      failMessage(
        chooseSplitPoint(
          h(10),
          h(20),
          samples([
            [1, 1],
            [30, 1],
            [15, 1],
          ]),
          2,
        ),
      ),
      /1 samples in range/,
    );
  });
});

function failMessage(result: { ok: boolean; error?: { message: string } }): string {
  assert.equal(result.ok, false);
  return result.error?.message ?? '';
}

describe('decideSplit and planSplits', () => {
  const config = createControlConfig({
    splitSizeBytes: 1000,
    splitRequestUnitsPerSecond: 100,
    splitHotSustainedMs: 5000,
    splitSamplesMin: 2,
  });
  const context = { config };
  const state = withActiveTable(clusterWith(testContext(), ['n1', 'n2', 'n3']), context, 'Music');
  const partition = state.partitions.p1;
  assert.ok(partition !== undefined);
  const report = (overrides: Partial<PartitionLoadReport>): PartitionLoadReport => ({
    partitionId: 'p1',
    epoch: partition.epoch,
    sizeBytes: 10,
    requestUnitsPerSecond: 0,
    sizeSamples: samples([
      [1, 1],
      [2, 1],
      [3, 1],
    ]),
    requestSamples: samples([
      [1, 1],
      [2, 100],
      [3, 1],
    ]),
    ...overrides,
  });

  test('splits by size with size-weighted samples', () => {
    const decision = decideSplit(partition, report({ sizeBytes: 2000 }), null, 0, config);
    assert.ok(decision.split);
    assert.equal(decision.cause, 'size');
    assert.equal(decision.point.splitHash, h(2));
  });

  test('splits by request rate only once hot for the sustained period, with rate-weighted samples', () => {
    assert.equal(decideSplit(partition, report({}), 0, 4999, config).split, false);
    const decision = decideSplit(partition, report({}), 0, 5000, config);
    assert.ok(decision.split);
    assert.equal(decision.cause, 'request-rate');
    // Left {1} and right {2, 3} are equally far from half (1 vs 101 of 102); the first wins.
    assert.equal(
      decision.point.splitHash,
      h(2),
      'the point isolates the hot key from the cold one',
    );
  });

  test('a report about another epoch never splits', () => {
    assert.equal(
      decideSplit(partition, report({ epoch: 0, sizeBytes: 5000 }), null, 0, config).split,
      false,
    );
  });

  test('the tracker requires a sustained rate: one cool report resets it', () => {
    const tracker = new HotPartitionTracker(config);
    assert.equal(tracker.observe('p1', 500, 0), 0);
    assert.equal(tracker.observe('p1', 500, 3000), 0);
    assert.equal(tracker.observe('p1', 50, 4000), null);
    assert.equal(tracker.observe('p1', 500, 4500), 4500);
  });

  test('planSplits follows the tracker, honours the limit and skips partitions with moves', () => {
    const tracker = new HotPartitionTracker(config);
    const hot = report({ requestUnitsPerSecond: 500 });
    assert.deepEqual(planSplits(state, [hot], tracker, 0, config, 5), []);
    const due = planSplits(state, [hot], tracker, 6000, config, 5);
    assert.equal(due.length, 1);
    assert.equal(due[0]?.cause, 'request-rate');
    assert.deepEqual(planSplits(state, [hot], tracker, 7000, config, 0), []);
    assert.deepEqual(
      planSplits(
        state,
        [report({ partitionId: 'gone', sizeBytes: 5000 })],
        tracker,
        7000,
        config,
        5,
      ),
      [],
    );
  });
});
