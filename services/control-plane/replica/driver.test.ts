// The driver over in-memory Raft logs and a fake clock: commands proposed, applied and answered;
// followers refuse with the leader's id; a restart replays the log; leader loss keeps the state;
// the leader's work turns heartbeats and reports into membership and catalog commands.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createControlConfig } from '../core/config.js';
import type { PartitionMapChange } from '../core/partition-map.js';
import { ControlDriver } from './driver.js';
import { RecordingExecutor } from './executor.js';
import { LeaderWork } from './leader-work.js';
import { MemoryDriverLog } from './memory-log.js';
import { DriverCluster } from './test-cluster.js';

const config = createControlConfig({ initialPartitionsPerTable: 2 });

const tableInput = {
  TableName: 'Music',
  KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'Artist', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
};

describe('control driver', () => {
  it('proposes, applies and answers on a single replica, and replays its log on restart', async () => {
    const cluster = new DriverCluster(['cp-1'], config);
    const leader = await cluster.leader();
    const registered = await cluster.settle(
      leader.propose({
        type: 'register-node',
        nodeId: 's1',
        address: '127.0.0.1:1',
        zone: null,
        nowMs: cluster.nowMs,
      }),
    );
    assert.equal(registered.ok, true);
    assert.equal(registered.ok && registered.value.state, 'joining');
    const duplicate = await cluster.settle(
      leader.propose({ type: 'drain-node', nodeId: 'nobody', nowMs: cluster.nowMs }),
    );
    assert.equal(duplicate.ok, false);
    assert.equal(!duplicate.ok && duplicate.error.kind, 'rejected');
    const appliedBefore = leader.applied;
    const restarted = cluster.start('cp-1');
    assert.deepEqual(restarted.state.nodes, {});
    await cluster.leader();
    assert.ok(restarted.applied >= appliedBefore);
    assert.equal(restarted.state.nodes['s1']?.address, '127.0.0.1:1');
  });

  it('refuses proposals on followers naming the leader, and survives the loss of the leader', async () => {
    const cluster = new DriverCluster(['cp-1', 'cp-2', 'cp-3'], config);
    const leader = await cluster.leader();
    const follower = cluster.ids.map((id) => cluster.driver(id)).find((d) => d !== leader);
    assert.ok(follower);
    await cluster.tickAll();
    const refused = await follower.propose({
      type: 'register-node',
      nodeId: 's1',
      address: 'a:1',
      zone: null,
      nowMs: 1,
    });
    assert.deepEqual(refused, {
      ok: false,
      error: { kind: 'not-leader', leaderId: leader.replicaId },
    });
    for (const nodeId of ['s1', 's2', 's3']) {
      const outcome = await cluster.settle(
        leader.propose({
          type: 'register-node',
          nodeId,
          address: `${nodeId}:1`,
          zone: null,
          nowMs: cluster.nowMs,
        }),
      );
      assert.equal(outcome.ok, true);
    }
    cluster.down.add(leader.replicaId);
    const next = await cluster.leader();
    assert.notEqual(next.replicaId, leader.replicaId);
    assert.deepEqual(Object.keys(next.state.nodes).sort(), ['s1', 's2', 's3']);
    const after = await cluster.settle(
      next.propose({
        type: 'register-node',
        nodeId: 's4',
        address: 's4:1',
        zone: null,
        nowMs: cluster.nowMs,
      }),
    );
    assert.equal(after.ok, true);
  });

  it('runs the leader work: heartbeats bring nodes up, replicas are created, reports make tables ACTIVE', async () => {
    const cluster = new DriverCluster(['cp-1'], config);
    const leader = await cluster.leader();
    const executor = new RecordingExecutor();
    const work = new LeaderWork(leader, {
      config,
      clock: () => cluster.nowMs,
      executor,
      statsEveryRounds: 1,
      reconcileEveryTicks: 1,
    });
    const changes: PartitionMapChange[] = [];
    leader.watch((change) => changes.push(change));
    const nodeIds = ['s1', 's2', 's3'];
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
      reports = () => [] as Parameters<LeaderWork['heartbeat']>[1],
    ): Promise<void> => {
      for (let tick = 0; tick < count; tick++) {
        for (const nodeId of nodeIds) work.heartbeat(nodeId, nodeId === 's1' ? reports() : []);
        await cluster.tickAll();
        await work.tick();
      }
    };
    await runTicks(5);
    assert.deepEqual(
      nodeIds.map((id) => leader.state.nodes[id]?.state),
      ['up', 'up', 'up'],
    );
    const created = await cluster.settle(
      leader.propose({
        type: 'create-table',
        tableId: 't-1',
        input: tableInput,
        nowMs: cluster.nowMs,
      }),
    );
    assert.equal(created.ok && created.value.status, 'CREATING');
    await runTicks(3);
    const partitionIds = Object.keys(leader.state.partitions).sort();
    assert.equal(partitionIds.length, 2);
    assert.deepEqual(
      executor.calls.filter((c) => c.startsWith('create:')).sort(),
      partitionIds.map((id) => `create:${id}`),
    );
    await runTicks(5, () =>
      partitionIds.map((partitionId) => ({
        partitionId,
        epoch: leader.state.partitions[partitionId]?.epoch ?? 0,
        leader: true,
        term: 3,
        sizeBytes: 100,
        itemCount: 2,
      })),
    );
    assert.equal(leader.state.tables['t-1']?.status, 'ACTIVE');
    // s1 leads both partitions: the planner asks for one leadership to move elsewhere.
    assert.ok(
      executor.calls.some((call) => call.startsWith('transfer:')),
      executor.calls.join(' '),
    );
    assert.equal(leader.state.partitions[partitionIds[0] ?? '']?.itemCount, 2);
    assert.ok(changes.length >= 3);
    for (let i = 1; i < changes.length; i++)
      assert.ok((changes[i]?.epoch ?? 0) > (changes[i - 1]?.epoch ?? 0));
  });

  it('bounds storage actions in flight without ever starving later ones', async () => {
    const cluster = new DriverCluster(['cp-1'], config);
    const leader = await cluster.leader();
    const executor = new RecordingExecutor();
    const work = new LeaderWork(leader, {
      config,
      clock: () => cluster.nowMs,
      executor,
      reconcileEveryTicks: 1,
      actionsInFlightMax: 2,
    });
    for (const nodeId of ['s1', 's2', 's3']) {
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
    const tick = async (): Promise<void> => {
      for (const nodeId of ['s1', 's2', 's3']) work.heartbeat(nodeId, []);
      await cluster.tickAll();
      await work.tick();
    };
    for (let i = 0; i < 5; i++) await tick();
    for (let i = 0; i < 6; i++) {
      const created = await cluster.settle(
        leader.propose({
          type: 'create-table',
          tableId: `t-${i}`,
          input: { ...tableInput, TableName: `Table${i}` },
          nowMs: cluster.nowMs,
        }),
      );
      assert.equal(created.ok, true);
    }
    for (let i = 0; i < 200 && new Set(executor.calls).size < 12; i++) await tick();
    assert.equal(new Set(executor.calls.filter((c) => c.startsWith('create:'))).size, 12);
    assert.ok(work.actionsPending <= 12 + 2);
  });

  it('stops for good when a log write fails, and says so', async () => {
    class FailingLog extends MemoryDriverLog {
      failing = false;
      override persistReady(ready: Parameters<MemoryDriverLog['persistReady']>[0]) {
        if (this.failing)
          return Promise.resolve({ ok: false, error: { code: 'io', message: 'disk full' } });
        return super.persistReady(ready);
      }
    }
    const log = new FailingLog();
    const bootstrap = MemoryDriverLog.create(['cp-1']);
    const snapshot = bootstrap.snapshot();
    assert.ok(typeof snapshot !== 'string');
    log.applySnapshot(snapshot);
    log.setHardState({ term: 1, vote: '', commit: 1 });
    const events: string[] = [];
    const driver = new ControlDriver({
      replicaId: 'cp-1',
      log,
      config,
      clock: () => 0,
      randomSeed: 1,
      send: () => {},
      electionTicks: 10,
      heartbeatTicks: 1,
      onEvent: (event) => events.push(event.kind),
    });
    for (let i = 0; i < 50 && !driver.isLeader; i++) await driver.tick();
    assert.ok(driver.isLeader);
    log.failing = true;
    const outcome = await driver.propose({
      type: 'register-node',
      nodeId: 's1',
      address: 'a:1',
      zone: null,
      nowMs: 1,
    });
    assert.deepEqual(outcome, {
      ok: false,
      error: { kind: 'unavailable', message: 'shutting down' },
    });
    assert.match(driver.stoppedReason ?? '', /disk full/);
    assert.ok(events.includes('fatal'));
    const after = await driver.propose({
      type: 'register-node',
      nodeId: 's2',
      address: 'a:1',
      zone: null,
      nowMs: 1,
    });
    assert.equal(!after.ok && after.error.kind, 'unavailable');
  });

  it('times out proposals that cannot commit', async () => {
    const cluster = new DriverCluster(['cp-1', 'cp-2', 'cp-3'], config);
    const leader = await cluster.leader();
    for (const id of cluster.ids) if (id !== leader.replicaId) cluster.down.add(id);
    const pending = leader.propose({
      type: 'register-node',
      nodeId: 's1',
      address: 'a:1',
      zone: null,
      nowMs: 1,
    });
    const outcome = await cluster.settle(pending, 400);
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.error.kind, 'unavailable');
  });
});
