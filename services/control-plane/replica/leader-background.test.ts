// The leader's split and stray work over in-memory logs, a fake clock and the recording executor: a
// partition reported past the size threshold is split at its samples' weighted median (storage
// first, then `split-partition` records it with the child id both sides derive), and a split a
// previous leader asked for but never recorded is recorded from the leader's report.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createControlConfig } from '../core/config.js';
import { bigIntToHash } from '../core/hash-space.js';
import type { HashHex } from '../core/hash-space.js';
import { splitChildId } from '../core/splits.js';
import { partitionsOfTable } from '../core/state.js';
import { RecordingExecutor } from './executor.js';
import { LeaderWork } from './leader-work.js';
import type { PartitionReportInput } from './leader-work.js';
import { DriverCluster } from './test-cluster.js';

const config = createControlConfig({
  initialPartitionsPerTable: 1,
  splitSizeBytes: 10_000,
  splitSamplesMin: 4,
  splitRequestUnitsPerSecond: 500,
  splitHotSustainedMs: 1_000,
});

/** A cluster with three up nodes, one ACTIVE table of one partition, and the leader's work. */
async function activeTable(strayGraceMs = 15_000) {
  const cluster = new DriverCluster(['cp-1'], config);
  const leader = await cluster.leader();
  const executor = new RecordingExecutor();
  const work = new LeaderWork(leader, {
    config,
    clock: () => cluster.nowMs,
    executor,
    statsEveryRounds: 1,
    reconcileEveryTicks: 1,
    strayGraceMs,
  });
  const nodeIds = ['s1', 's2', 's3', 's4'];
  for (const nodeId of nodeIds) {
    await cluster.settle(
      leader.propose({
        type: 'register-node',
        nodeId,
        address: `${nodeId}:1`,
        zone: null,
        nowMs: cluster.nowMs,
      }),
    );
  }
  const runTicks = async (
    count: number,
    reports: () => PartitionReportInput[],
    others: (nodeId: string) => PartitionReportInput[] = () => [],
  ): Promise<void> => {
    for (let tick = 0; tick < count; tick++) {
      for (const nodeId of nodeIds)
        work.heartbeat(nodeId, nodeId === 's1' ? reports() : others(nodeId));
      await cluster.tickAll();
      await work.tick();
    }
  };
  await runTicks(5, () => []);
  await cluster.settle(
    leader.propose({
      type: 'create-table',
      tableId: 't-1',
      input: {
        TableName: 'Music',
        KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'Artist', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
      nowMs: cluster.nowMs,
    }),
  );
  const [partition] = partitionsOfTable(leader.state, 't-1');
  assert.ok(partition !== undefined);
  const small = (): PartitionReportInput[] => [
    {
      partitionId: partition.partitionId,
      epoch: 1,
      leader: true,
      term: 2,
      sizeBytes: 10,
      itemCount: 1,
    },
  ];
  await runTicks(6, small);
  assert.equal(leader.state.tables['t-1']?.status, 'ACTIVE');
  return { leader, executor, runTicks, partitionId: partition.partitionId, cluster, work };
}

/** Eight sampled keys spread over the hash space, each weighing `weight` bytes. */
function samples(weights: readonly number[]) {
  return weights.map((weight, i) => ({
    hash: bigIntToHash(BigInt(i + 1) << 123n),
    weight,
  }));
}

describe('leader split work', () => {
  it('splits a partition past the size threshold at its data’s weighted median', async () => {
    const { leader, executor, runTicks, partitionId } = await activeTable();
    // Most bytes sit under the first keys: the median is the third sample, not the midpoint.
    const weights = [5_000, 3_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000];
    const median = samples(weights)[2]?.hash as HashHex;
    await runTicks(4, () => [
      {
        partitionId,
        epoch: leader.state.partitions[partitionId]?.epoch ?? 0,
        leader: true,
        term: 2,
        sizeBytes: 18_000,
        itemCount: 8,
        requestUnitsPerSecond: 1,
        samples: samples(weights),
      },
    ]);
    assert.ok(
      executor.calls.includes(`split:${partitionId}@1:${median}`),
      executor.calls.join(' '),
    );
    const halves = partitionsOfTable(leader.state, 't-1');
    assert.equal(halves.length, 2);
    const child = splitChildId(partitionId, 2);
    assert.equal(leader.state.partitions[partitionId]?.end, median);
    assert.equal(leader.state.partitions[child]?.start, median);
    assert.deepEqual(
      halves.map((p) => p.epoch),
      [2, 2],
    );
  });

  it('splits a partition hot for longer than the sustained period, not a brief burst', async () => {
    const { leader, executor, runTicks, partitionId } = await activeTable();
    const hot = (unitsPerSecond: number) => (): PartitionReportInput[] => [
      {
        partitionId,
        epoch: 1,
        leader: true,
        term: 2,
        sizeBytes: 100,
        itemCount: 8,
        requestUnitsPerSecond: unitsPerSecond,
        samples: samples([1, 1, 1, 1, 1, 1, 1, 1]),
      },
    ];
    // A burst of 10 ticks (0.5 s), cooled, then another: never hot for 1 s in a row.
    await runTicks(10, hot(900));
    await runTicks(2, hot(10));
    await runTicks(10, hot(900));
    await runTicks(2, hot(10));
    assert.equal(executor.calls.filter((c) => c.startsWith('split:')).length, 0);
    await runTicks(30, hot(900));
    assert.equal(executor.calls.filter((c) => c.startsWith('split:')).length, 1);
    assert.equal(partitionsOfTable(leader.state, 't-1').length, 2);
  });

  it('splits a hot partition at the median of its requests, not of its data', async () => {
    const { leader, executor, runTicks, partitionId } = await activeTable();
    // Data evenly spread (its median: the fifth key); requests piled on the last two keys: the
    // point is the last key, where the request weight divides closest to half.
    const data = samples([1, 1, 1, 1, 1, 1, 1, 1]);
    const requests = samples([1, 1, 1, 1, 1, 1, 10, 10]);
    await runTicks(40, () => [
      {
        partitionId,
        epoch: leader.state.partitions[partitionId]?.epoch ?? 0,
        leader: true,
        term: 2,
        sizeBytes: 100,
        itemCount: 8,
        requestUnitsPerSecond: 900,
        samples: data,
        requestSamples: requests,
      },
    ]);
    const point = requests[7]?.hash as HashHex;
    const first = executor.calls.find((c) => c.startsWith('split:'));
    assert.equal(first, `split:${partitionId}@1:${point}`);
  });

  it('leaves a partition under the threshold alone', async () => {
    const { leader, executor, runTicks, partitionId } = await activeTable();
    await runTicks(4, () => [
      {
        partitionId,
        epoch: 1,
        leader: true,
        term: 2,
        sizeBytes: 9_000,
        itemCount: 8,
        samples: samples([1, 1, 1, 1, 1, 1, 1, 1]),
      },
    ]);
    assert.equal(executor.calls.filter((c) => c.startsWith('split:')).length, 0);
    assert.equal(partitionsOfTable(leader.state, 't-1').length, 1);
  });

  it('records a split the storage group made for a leader that did not live to record it', async () => {
    const { leader, executor, runTicks, partitionId } = await activeTable();
    const point = bigIntToHash(5n << 124n);
    executor.alreadySplitAt = point;
    // The group's leader reports the epoch after a split the control plane never recorded.
    await runTicks(4, () => [
      { partitionId, epoch: 2, leader: true, term: 2, sizeBytes: 10, itemCount: 1 },
    ]);
    assert.ok(executor.calls.includes(`split:${partitionId}@1:?`), executor.calls.join(' '));
    assert.equal(leader.state.partitions[partitionId]?.end, point);
    assert.equal(leader.state.partitions[splitChildId(partitionId, 2)]?.start, point);
  });

  it('drops a replica a node keeps reporting that the map places elsewhere, after a grace period', async () => {
    const { leader, executor, runTicks, partitionId } = await activeTable(2_000);
    const placed = leader.state.partitions[partitionId]?.replicas.map((r) => r.nodeId) ?? [];
    const stray = ['s1', 's2', 's3', 's4'].find((id) => !placed.includes(id));
    assert.ok(stray !== undefined, `replicas on ${placed.join(',')}`);
    const follower = (epoch: number): PartitionReportInput[] => [
      { partitionId, epoch, leader: false, term: 2, sizeBytes: 10, itemCount: 1 },
    ];
    const leaderReport = (): PartitionReportInput[] =>
      placed[0] === 's1' ? [{ ...follower(1)[0]!, leader: true }] : [];
    // At another epoch (a split the map has not recorded) it is not a stray.
    await runTicks(60, leaderReport, (nodeId) => (nodeId === stray ? follower(2) : []));
    assert.equal(executor.calls.filter((c) => c.startsWith('drop-replica:')).length, 0);
    // At the map's epoch it is: dropped once the grace period (40 ticks of 50 ms) is over.
    await runTicks(20, leaderReport, (nodeId) => (nodeId === stray ? follower(1) : []));
    assert.equal(executor.calls.filter((c) => c.startsWith('drop-replica:')).length, 0);
    await runTicks(30, leaderReport, (nodeId) => (nodeId === stray ? follower(1) : []));
    assert.deepEqual(
      executor.calls.filter((c) => c.startsWith('drop-replica:')),
      [`drop-replica:${stray}/${partitionId}`],
    );
    // Replicas the map places are never strays.
    const placedDrops = executor.calls.filter((c) =>
      placed.some((id) => c === `drop-replica:${id}/${partitionId}`),
    );
    assert.deepEqual(placedDrops, []);
  });

  it('lists a partition as lagging until its leader reports every voter caught up, freshly', async () => {
    const { leader, runTicks, partitionId, work } = await activeTable();
    const voters = (leader.state.partitions[partitionId]?.replicas ?? []).map((r) => r.nodeId);
    const leaderNode = voters[0] ?? '';
    const report = (caughtUpNodeIds: readonly string[]) => (): PartitionReportInput[] => [
      {
        partitionId,
        epoch: 1,
        leader: true,
        term: 2,
        sizeBytes: 10,
        itemCount: 1,
        caughtUpNodeIds,
      },
    ];
    const lagging = () => work.laggingPartitionIds(leader.state);
    const fromLeader = async (caughtUp: readonly string[]): Promise<void> => {
      const reports = report(caughtUp);
      await runTicks(2, leaderNode === 's1' ? reports : () => [], (nodeId) =>
        nodeId === leaderNode ? reports() : [],
      );
    };
    await fromLeader(voters.slice(0, 2));
    assert.deepEqual(lagging(), [partitionId], 'a voter not caught up');
    await fromLeader(voters);
    assert.deepEqual(lagging(), []);
    // The leader falls silent: past the suspect time its last report no longer counts.
    await runTicks(70, () => []);
    assert.deepEqual(lagging(), [partitionId], 'a stale report');
  });

  it('replaces a replica reported stopped past the grace period, by a move off its node', async () => {
    const { leader, executor, runTicks, partitionId } = await activeTable();
    const placed = (leader.state.partitions[partitionId]?.replicas ?? []).map((r) => r.nodeId);
    const broken = placed.find((id) => id !== 's1') ?? '';
    const spare = ['s1', 's2', 's3', 's4'].find((id) => !placed.includes(id));
    const stoppedReport = (): PartitionReportInput[] => [
      { partitionId, epoch: 1, leader: false, term: 0, sizeBytes: 0, itemCount: 0, stopped: true },
    ];
    // Reported stopped for 2 s: under the 5 s grace, nothing moves.
    await runTicks(
      40,
      () => [],
      (nodeId) => (nodeId === broken ? stoppedReport() : []),
    );
    assert.deepEqual(Object.values(leader.state.moves), []);
    assert.equal(executor.calls.filter((c) => c.startsWith('move:')).length, 0);
    await runTicks(
      70,
      () => [],
      (nodeId) => (nodeId === broken ? stoppedReport() : []),
    );
    // The recording executor completes every step at once: the move ran to its end.
    assert.ok(
      executor.calls.includes(`move:add-learner:${partitionId}:${spare ?? ''}`),
      executor.calls.join(' '),
    );
    const replicas = (leader.state.partitions[partitionId]?.replicas ?? []).map((r) => r.nodeId);
    assert.ok(!replicas.includes(broken), `still on ${broken}: ${replicas.join(',')}`);
    assert.ok(replicas.includes(spare ?? ''), `not on ${String(spare)}: ${replicas.join(',')}`);
  });
});
