// Unit tests of the routing core: hash space, partition map cache, segments, retry policy.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { av } from '../../../lib/dynamo/index.js';
import { WatchPartitionMapResponseSchema } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import {
  bigIntToHash,
  hashMin,
  hashSpaceSize,
  intersectRanges,
  isHashHex,
  partitionKeyHash,
  segmentOf,
  segmentRange,
  type HashRange,
} from './hash-space.js';
import { mapUpdateOf } from './partition-map-proto.js';
import { PartitionMapCache, type PartitionEntry, type TableEntry } from './partition-map.js';
import { nextRetry, withRetries, type RetryPolicyOptions } from './retry-policy.js';

function wholeRange(): HashRange {
  return segmentRange(0, 1);
}

function cut(count: number): HashRange[] {
  return Array.from({ length: count }, (_, index) => segmentRange(index, count));
}

function table(
  name: string,
  id: string,
  ranges: readonly HashRange[],
  status = 'ACTIVE',
): TableEntry {
  const partitions: PartitionEntry[] = ranges.map((range, index) => ({
    partitionId: `${id}-p${index}`,
    range,
    epoch: 1n,
    replicas: [{ nodeId: 'n1', address: '127.0.0.1:1', learner: false }],
    leaderNodeId: 'n1',
  }));
  return {
    tableId: id,
    tableName: name,
    keySchema: { partitionKey: { name: 'id', type: 'S' } },
    tableStatus: status,
    partitions,
  };
}

describe('hash space', () => {
  test('partition key hashes are 32 hex characters and stable', () => {
    const hash = partitionKeyHash(av.s('alice'));
    assert.ok(isHashHex(hash));
    assert.equal(hash, partitionKeyHash(av.s('alice')));
    assert.notEqual(hash, partitionKeyHash(av.s('bob')));
  });

  test('segments tile the space without gaps or overlaps', () => {
    for (const total of [1, 2, 3, 7, 1000]) {
      const ranges = cut(total);
      assert.equal(ranges[0]?.start, hashMin);
      assert.equal(ranges.at(-1)?.end, null);
      for (let index = 1; index < total; index += 1) {
        assert.equal(ranges[index]?.start, ranges[index - 1]?.end);
      }
    }
    assert.deepEqual(segmentRange(1, 2), { start: bigIntToHash(hashSpaceSize / 2n), end: null });
    assert.throws(() => segmentRange(2, 2), RangeError);
    assert.throws(() => segmentRange(0, 0), RangeError);
  });

  test('segmentOf names the segment whose range holds a hash', () => {
    for (const total of [1, 2, 7, 1000]) {
      for (let index = 0; index < total; index += Math.max(1, Math.floor(total / 5))) {
        const range = segmentRange(index, total);
        assert.equal(segmentOf(range.start, total), index);
      }
      assert.equal(segmentOf('f'.repeat(32), total), total - 1);
    }
    const key = partitionKeyHash(av.s('x'));
    const owner = segmentOf(key, 16);
    const range = segmentRange(owner, 16);
    assert.ok(key >= range.start && (range.end === null || key < range.end));
  });

  test('intersection of ranges', () => {
    const [a, b] = cut(2) as [HashRange, HashRange];
    assert.equal(intersectRanges(a, b), undefined);
    assert.deepEqual(intersectRanges(segmentRange(0, 1), b), b);
    const quarter = segmentRange(1, 4);
    assert.deepEqual(intersectRanges(a, quarter), quarter);
  });
});

describe('partition map cache', () => {
  test('applies a snapshot, then changes with growing epochs, and rejects stale ones', () => {
    const cache = new PartitionMapCache();
    assert.equal(cache.ready, false);
    const early = cache.apply({ epoch: 1n, snapshot: false, tables: [], removedTableIds: [] });
    assert.deepEqual(early, { ok: false, reason: 'no-snapshot-yet' });
    const snapshot = {
      epoch: 5n,
      snapshot: true,
      tables: [table('A', 't1', cut(2))],
      removedTableIds: [],
    };
    assert.deepEqual(cache.apply(snapshot), { ok: true });
    assert.equal(cache.epoch, 5n);
    // A reconnecting watch may resend the snapshot at the same epoch.
    assert.deepEqual(cache.apply(snapshot), { ok: true });
    const stale = cache.apply({
      epoch: 5n,
      snapshot: false,
      tables: [table('A', 't1', cut(4))],
      removedTableIds: [],
    });
    assert.deepEqual(stale, { ok: false, reason: 'stale-epoch', epoch: 5n, cachedEpoch: 5n });
    assert.equal(cache.table('A')?.partitions.length, 2);
    const split = cache.apply({
      epoch: 6n,
      snapshot: false,
      tables: [table('A', 't1', cut(4)), table('B', 't2', cut(1))],
      removedTableIds: [],
    });
    assert.deepEqual(split, { ok: true });
    assert.equal(cache.table('A')?.partitions.length, 4);
    assert.deepEqual(cache.tableNames(), ['A', 'B']);
    cache.apply({ epoch: 7n, snapshot: false, tables: [], removedTableIds: ['t1'] });
    assert.deepEqual(cache.tableNames(), ['B']);
    cache.apply({
      epoch: 8n,
      snapshot: false,
      tables: [table('B', 't2', [], 'DELETED')],
      removedTableIds: [],
    });
    assert.deepEqual(cache.tableNames(), []);
    const older = cache.apply({ epoch: 3n, snapshot: true, tables: [], removedTableIds: [] });
    assert.equal(older.ok, false);
    assert.equal(cache.epoch, 8n);
  });

  test('rejects a map with holes and keeps the previous one', () => {
    const cache = new PartitionMapCache();
    cache.apply({
      epoch: 1n,
      snapshot: true,
      tables: [table('A', 't1', cut(2))],
      removedTableIds: [],
    });
    const [first, , third] = cut(3) as [HashRange, HashRange, HashRange];
    const result = cache.apply({
      epoch: 2n,
      snapshot: false,
      tables: [table('A', 't1', [first, third])],
      removedTableIds: [],
    });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'bad-partitions');
    assert.equal(cache.epoch, 1n);
    const open = cache.apply({
      epoch: 2n,
      snapshot: false,
      tables: [table('A', 't1', [first])],
      removedTableIds: [],
    });
    assert.equal(open.ok, false);
  });

  test('finds the partition owning a hash, at the boundaries too', () => {
    const cache = new PartitionMapCache();
    const ranges = cut(5);
    cache.apply({
      epoch: 1n,
      snapshot: true,
      tables: [table('A', 't1', ranges)],
      removedTableIds: [],
    });
    ranges.forEach((range, index) => {
      assert.equal(cache.findPartition('A', range.start)?.partitionId, `t1-p${index}`);
    });
    assert.equal(cache.findPartition('A', 'f'.repeat(32))?.partitionId, 't1-p4');
    const boundary = ranges[1]?.end as string;
    assert.equal(cache.findPartition('A', boundary)?.partitionId, 't1-p2');
    assert.equal(cache.findPartition('missing', hashMin), undefined);
    const key = partitionKeyHash(av.s('k'));
    const owner = cache.findPartition('A', key);
    assert.ok(owner !== undefined && key >= owner.range.start);
  });

  test('maps parallel-scan segments onto partition ranges', () => {
    const cache = new PartitionMapCache();
    cache.apply({
      epoch: 1n,
      snapshot: true,
      tables: [table('A', 't1', cut(3))],
      removedTableIds: [],
    });
    // Two segments over three partitions: segment 0 covers p0 and half of p1.
    const first = cache.segmentPieces('A', 0, 2);
    assert.deepEqual(
      first.map((piece) => piece.partition.partitionId),
      ['t1-p0', 't1-p1'],
    );
    assert.equal(first[1]?.range.end, segmentRange(0, 2).end);
    const second = cache.segmentPieces('A', 1, 2);
    assert.deepEqual(
      second.map((piece) => piece.partition.partitionId),
      ['t1-p1', 't1-p2'],
    );
    assert.equal(second[0]?.range.start, segmentRange(1, 2).start);
    // More segments than partitions: each segment lies inside one partition.
    for (let index = 0; index < 10; index += 1) {
      assert.equal(cache.segmentPieces('A', index, 10).length, index === 3 || index === 6 ? 2 : 1);
    }
  });

  test('range pieces: the partitions overlapping any hash range, clipped, in order', () => {
    const cache = new PartitionMapCache();
    cache.apply({
      epoch: 1n,
      snapshot: true,
      tables: [table('A', 't1', cut(4))],
      removedTableIds: [],
    });
    const middle: HashRange = { start: segmentRange(1, 8).start, end: segmentRange(5, 8).end };
    const pieces = cache.rangePieces('A', middle);
    assert.deepEqual(
      pieces.map((piece) => piece.partition.partitionId),
      ['t1-p0', 't1-p1', 't1-p2'],
    );
    assert.equal(pieces[0]?.range.start, middle.start);
    assert.equal(pieces[2]?.range.end, middle.end);
    assert.deepEqual(cache.rangePieces('A', wholeRange()), cache.segmentPieces('A', 0, 1));
    assert.deepEqual(cache.rangePieces('missing', middle), []);
  });

  test('leader hints change only the leader', () => {
    const cache = new PartitionMapCache();
    cache.apply({
      epoch: 1n,
      snapshot: true,
      tables: [table('A', 't1', cut(2))],
      removedTableIds: [],
    });
    cache.noteLeader('A', 't1-p1', 'n9');
    assert.equal(cache.table('A')?.partitions[1]?.leaderNodeId, 'n9');
    assert.equal(cache.table('A')?.partitions[0]?.leaderNodeId, 'n1');
    assert.equal(cache.epoch, 1n);
  });
});

describe('retry policy', () => {
  const policy: RetryPolicyOptions = { attemptsMax: 4, baseDelayMs: 10, maxDelayMs: 25 };

  test('backs off with jitter under a growing, capped ceiling', () => {
    assert.deepEqual(
      nextRetry(policy, 1, 0, 1000, () => 0.5),
      { retry: true, delayMs: 5 },
    );
    assert.deepEqual(
      nextRetry(policy, 2, 0, 1000, () => 0.5),
      { retry: true, delayMs: 10 },
    );
    assert.deepEqual(
      nextRetry(policy, 3, 0, 1000, () => 0.99),
      { retry: true, delayMs: 24 },
    );
    assert.deepEqual(
      nextRetry(policy, 4, 0, 1000, () => 0.5),
      { retry: false, reason: 'attempts-exhausted' },
    );
    assert.deepEqual(
      nextRetry(policy, 1, 995, 1000, () => 0.9),
      { retry: false, reason: 'deadline' },
    );
  });

  test('withRetries stops at the attempt limit and returns the last answer', async () => {
    let now = 0;
    const slept: number[] = [];
    const retried: string[] = [];
    const environment = {
      nowMs: () => now,
      random: () => 0.5,
      sleep: (delayMs: number) => {
        slept.push(delayMs);
        now += delayMs;
        return Promise.resolve();
      },
      onRetry: (reason: string) => retried.push(reason),
    };
    let calls = 0;
    const value = await withRetries(policy, 1000, environment, (attempt) => {
      calls += 1;
      return Promise.resolve({ done: false, reason: 'not_leader', lastValue: `answer ${attempt}` });
    });
    assert.equal(value, 'answer 4');
    assert.equal(calls, 4);
    assert.deepEqual(slept, [5, 10, 12]);
    assert.deepEqual(retried, ['not_leader', 'not_leader', 'not_leader']);
    const quick = await withRetries(policy, 1000, environment, (attempt) =>
      Promise.resolve(
        attempt === 2 ? { done: true, value: 'ok' } : { done: false, reason: 'x', lastValue: 'no' },
      ),
    );
    assert.equal(quick, 'ok');
  });

  test('withRetries respects the deadline', async () => {
    let now = 0;
    let calls = 0;
    const environment = {
      nowMs: () => now,
      random: () => 0.99,
      sleep: (delayMs: number) => {
        now += delayMs;
        return Promise.resolve();
      },
    };
    const value = await withRetries(
      { attemptsMax: 100, baseDelayMs: 10, maxDelayMs: 10 },
      35,
      environment,
      () => {
        calls += 1;
        return Promise.resolve({ done: false, reason: 'unavailable', lastValue: calls });
      },
    );
    // 9 ms per wait: attempts at 0, 9, 18, 27; a fifth would start at 36 > 35.
    assert.equal(value, 4);
  });
});

describe('partition map messages', () => {
  function hashBytes(hex: string | null): Uint8Array {
    return hex === null ? new Uint8Array() : new Uint8Array(Buffer.from(hex, 'hex'));
  }

  function watchMessage(epoch: bigint, ranges: readonly HashRange[]) {
    return create(WatchPartitionMapResponseSchema, {
      epoch,
      snapshot: true,
      tables: [
        {
          schema: {
            tableId: 't1',
            tableName: 'Music',
            keySchema: [
              { attributeName: 'artist', keyType: 'HASH' },
              { attributeName: 'song', keyType: 'RANGE' },
            ],
            attributeDefinitions: [
              { attributeName: 'artist', attributeType: 'S' },
              { attributeName: 'song', attributeType: 'N' },
            ],
          },
          tableStatus: 'ACTIVE',
          // Deliberately out of hash order: the conversion sorts.
          partitions: [...ranges].reverse().map((range, index) => ({
            tableId: 't1',
            tableName: 'Music',
            partitionId: `p${index}`,
            range: { start: hashBytes(range.start), end: hashBytes(range.end) },
            epoch,
            replicas: [{ nodeId: 'n1', address: '127.0.0.1:7101', learner: false }],
            leaderNodeId: 'n1',
          })),
        },
      ],
    });
  }

  test('a watch snapshot converts and applies', () => {
    const converted = mapUpdateOf(watchMessage(3n, cut(3)));
    assert.ok(converted.ok);
    const table = converted.value.tables[0];
    assert.deepEqual(table?.keySchema, {
      partitionKey: { name: 'artist', type: 'S' },
      sortKey: { name: 'song', type: 'N' },
    });
    assert.deepEqual(
      table?.partitions.map((partition) => partition.range),
      cut(3),
    );
    const cache = new PartitionMapCache();
    assert.deepEqual(cache.apply(converted.value), { ok: true });
    assert.equal(cache.findPartition('Music', hashMin)?.partitionId, 'p2');
  });

  test('a map naming keys without types converts with provisional types, flagged', () => {
    const message = watchMessage(1n, cut(1));
    message.tables[0]!.schema!.attributeDefinitions = [];
    const converted = mapUpdateOf(message);
    assert.ok(converted.ok);
    const table = converted.value.tables[0];
    assert.equal(table?.keyTypesKnown, false);
    assert.deepEqual(table?.keySchema, {
      partitionKey: { name: 'artist', type: 'S' },
      sortKey: { name: 'song', type: 'S' },
    });
    const typed = mapUpdateOf(watchMessage(1n, cut(1)));
    assert.equal(typed.ok && typed.value.tables[0]?.keyTypesKnown, undefined);
  });

  test('malformed messages are reported, not half-applied', () => {
    const noSchema = create(WatchPartitionMapResponseSchema, {
      epoch: 1n,
      snapshot: true,
      tables: [{ tableStatus: 'ACTIVE' }],
    });
    assert.deepEqual(mapUpdateOf(noSchema), { ok: false, message: 'a table map has no schema' });
    const message = watchMessage(1n, cut(2));
    const range = message.tables[0]?.partitions[0]?.range;
    if (range !== undefined) range.start = new Uint8Array([1, 2, 3]);
    const converted = mapUpdateOf(message);
    assert.equal(converted.ok, false);
  });
});
