// The real StorageExecutor against an in-process PartitionAdmin server on 127.0.0.1 that
// records every request: what is sent to which node, and how answers map to outcomes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bindService, createGrpcServer, GrpcError, GrpcStatus } from '../../../lib/grpc/index.js';
import type { GrpcServer } from '../../../lib/grpc/index.js';
import { PartitionAdmin } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import { applyCommand } from '../core/commands/index.js';
import type { Command } from '../core/commands/index.js';
import { createControlConfig } from '../core/config.js';
import { createInitialState } from '../core/state.js';
import type { ControlState } from '../core/state.js';
import { GrpcStorageExecutor } from './grpc-executor.js';

const config = createControlConfig({ initialPartitionsPerTable: 2 });

function build(commands: readonly Command[]): ControlState {
  let state = createInitialState();
  for (const command of commands) {
    const outcome = applyCommand(state, command, { config });
    assert.ok(outcome.result.ok, JSON.stringify(outcome.result));
    state = outcome.state;
  }
  return state;
}

describe('GrpcStorageExecutor', () => {
  const requests: { method: string; request: unknown }[] = [];
  let routingError = false;
  let failing = false;
  let server: GrpcServer;
  let address = '';
  const record = (method: string, request: unknown) => {
    requests.push({ method, request });
    if (failing) throw new GrpcError(GrpcStatus.UNAVAILABLE, 'node is restarting');
    return routingError
      ? { routingError: { kind: { case: 'notLeader' as const, value: { leaderNodeId: '' } } } }
      : {};
  };
  before(async () => {
    server = createGrpcServer([
      bindService(PartitionAdmin, {
        createReplica: (request) => Promise.resolve(record('createReplica', request)),
        addLearner: (request) => Promise.resolve(record('addLearner', request)),
        promoteLearner: (request) =>
          Promise.resolve({ ...record('promoteLearner', request), caughtUp: true }),
        removeReplica: (request) => Promise.resolve(record('removeReplica', request)),
        transferLeadership: (request) => Promise.resolve(record('transferLeadership', request)),
        splitPartition: (request) => Promise.resolve(record('splitPartition', request)),
        dropReplica: (request) =>
          Promise.resolve({ ...record('dropReplica', request), dropped: true }),
        dropTable: (request) =>
          Promise.resolve({ ...record('dropTable', request), partitionsDropped: 1n }),
        getPartitionReports: (request) => {
          record('getPartitionReports', request);
          return Promise.resolve({
            reports: [{ partitionId: 'p1', epoch: 7n, caughtUpNodeIds: ['s4'] }],
          });
        },
      }),
    ]);
    address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });
  after(async () => {
    await server.shutdown(100);
  });

  function cluster(): ControlState {
    const nodes = ['s1', 's2', 's3', 's4'];
    return build([
      ...nodes.map((nodeId): Command => ({
        type: 'register-node',
        nodeId,
        address,
        zone: null,
        nowMs: 1,
      })),
      ...nodes.map((nodeId): Command => ({
        type: 'set-node-state',
        nodeId,
        state: 'up',
        nowMs: 2,
      })),
      {
        type: 'create-table',
        tableId: 't1',
        input: {
          TableName: 'Music',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
        nowMs: 3,
      },
    ]);
  }

  it('creates a partition on every node of its replica set, with its range, epoch and replicas', async () => {
    const executor = new GrpcStorageExecutor(2_000);
    const state = cluster();
    requests.length = 0;
    const outcome = await executor.createReplicas(state, 'p1');
    assert.deepEqual(outcome, { ok: true, done: true });
    const partition = state.partitions['p1'];
    assert.ok(partition);
    assert.equal(requests.length, 3);
    const request = requests[0]?.request as {
      partitionId: string;
      epoch: bigint;
      range: { start: Uint8Array; end: Uint8Array };
      replicas: { nodeId: string }[];
      table: { tableName: string };
    };
    assert.equal(request.partitionId, 'p1');
    assert.equal(request.epoch, BigInt(partition.epoch));
    assert.equal(Buffer.from(request.range.start).toString('hex'), partition.start);
    assert.equal(request.table.tableName, 'Music');
    assert.deepEqual(
      request.replicas.map((r) => r.nodeId).sort(),
      partition.replicas.map((r) => r.nodeId).sort(),
    );
    executor.close();
  });

  it('runs move steps at the partition leader and maps answers to outcomes', async () => {
    const executor = new GrpcStorageExecutor(2_000);
    const base = cluster();
    const leaderId = base.partitions['p1']?.replicas[0]?.nodeId ?? '';
    const state = applyCommand(
      base,
      { type: 'mark-partition-leader', partitionId: 'p1', nodeId: leaderId, term: 1, nowMs: 4 },
      { config },
    ).state;
    requests.length = 0;
    assert.deepEqual(
      await executor.runMoveStep(state, { kind: 'add-learner', partitionId: 'p1', nodeId: 's4' }),
      { ok: true, done: true },
    );
    const added = requests.find((r) => r.method === 'addLearner')?.request as {
      partition: { epoch: bigint };
    };
    // Addressed with the epoch the storage leader reports, not the core's.
    assert.equal(added.partition.epoch, 7n);
    assert.deepEqual(
      await executor.runMoveStep(state, {
        kind: 'await-catch-up',
        partitionId: 'p1',
        nodeId: 's4',
      }),
      { ok: true, done: true },
    );
    assert.deepEqual(
      await executor.runMoveStep(state, {
        kind: 'await-catch-up',
        partitionId: 'p1',
        nodeId: 's3',
      }),
      { ok: true, done: false },
    );
    routingError = true;
    assert.deepEqual(
      await executor.runMoveStep(state, {
        kind: 'promote-learner',
        partitionId: 'p1',
        nodeId: 's4',
      }),
      { ok: true, done: false },
    );
    routingError = false;
    failing = true;
    const failed = await executor.runMoveStep(state, {
      kind: 'remove-replica',
      partitionId: 'p1',
      nodeId: 's1',
    });
    assert.equal(failed.ok, false);
    assert.match(!failed.ok ? failed.message : '', /restarting/);
    failing = false;
    // Without a known leader there is nobody to ask yet.
    assert.deepEqual(
      await executor.runMoveStep(base, { kind: 'add-learner', partitionId: 'p1', nodeId: 's4' }),
      { ok: true, done: false },
    );
    executor.close();
  });

  it('asks the current leader to transfer leadership, with the storage epoch', async () => {
    const executor = new GrpcStorageExecutor(2_000);
    requests.length = 0;
    const outcome = await executor.transferLeadership(cluster(), {
      partitionId: 'p1',
      fromNodeId: 's1',
      toNodeId: 's2',
    });
    assert.deepEqual(outcome, { ok: true, done: true });
    const request = requests.find((r) => r.method === 'transferLeadership')?.request as {
      toNodeId: string;
      partition: { epoch: bigint };
    };
    assert.equal(request.toNodeId, 's2');
    assert.equal(request.partition.epoch, 7n);
    executor.close();
  });

  it('drops a table on every live node', async () => {
    const executor = new GrpcStorageExecutor(2_000);
    requests.length = 0;
    assert.deepEqual(await executor.dropTable(cluster(), 't1'), { ok: true, done: true });
    assert.deepEqual(
      requests.map((r) => r.method),
      ['dropTable', 'dropTable', 'dropTable', 'dropTable'],
    );
    executor.close();
  });
});
