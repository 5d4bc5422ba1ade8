// One storage node in this process (RocksDB, shared log, gRPC server on a free port): the
// write-path metrics the bench reads move with writes — Raft commit and apply durations.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/runtime/index.js';
import { pollUntil } from '../../test/helpers/poll.js';
import { executeWrite } from './host/operations.js';
import { startStorageNode } from './node.js';

/** The value of one series (`name` without labels) in Prometheus' text format. */
function seriesValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

test('commit and apply durations move with replicated writes', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'tessera-node-'));
  const registry = new Registry();
  const node = await startStorageNode(
    {
      nodeId: 'm1',
      dataDirectory: directory,
      grpcHost: '127.0.0.1',
      grpcPort: 0,
      advertiseAddress: '',
      tickIntervalMs: 10,
      electionTicks: 10,
      heartbeatTicks: 2,
      snapshotBytesPerSecond: 1 << 20,
      flushIntervalTicks: 5,
      retainLogEntries: 100,
      controlPlaneAddress: '',
      zone: '',
    },
    createLogger('storage-node-test', 'silent'),
    registry,
  );
  try {
    const created = await node.host.createReplica({
      tableId: 't1',
      tableName: 'Things',
      schema: { partitionKey: { name: 'id', type: 'S' } },
      partitionId: 'p1',
      hashStart: new Uint8Array(16),
      hashEnd: undefined,
      epoch: 1,
      members: [{ nodeId: 'm1', address: node.address, learner: false }],
    });
    assert.equal(created.kind, 'ok');
    const address = { tableId: 't1', partitionId: 'p1', epoch: 1 };
    await pollUntil(() => node.host.replica('p1')?.role === 'leader' || undefined, {
      timeoutMs: 10_000,
      description: 'a leader',
    });
    const before = await registry.metrics();
    assert.equal(seriesValue(before, 'tessera_raft_commit_duration_seconds_count'), 0);
    const writes = Array.from({ length: 20 }, (_, i) =>
      executeWrite(node.host, address, 'PutItem', {
        TableName: 'Things',
        Item: { id: { S: `k${i}` }, v: { S: 'x'.repeat(1024) } },
      }),
    );
    for (const answer of await Promise.all(writes)) assert.equal(answer.kind, 'ok');
    const after = await registry.metrics();
    assert.equal(seriesValue(after, 'tessera_raft_commit_duration_seconds_count'), 20);
    assert.ok(seriesValue(after, 'tessera_raft_commit_duration_seconds_sum') > 0);
    assert.ok(seriesValue(after, 'tessera_raft_apply_duration_seconds_count') >= 1);
    assert.ok(seriesValue(after, 'tessera_raft_apply_duration_seconds_sum') > 0);
    // The flush loop (every 5 ticks) reports the engine's live SST bytes from RocksDB.
    await pollUntil(
      async () =>
        seriesValue(await registry.metrics(), 'tessera_storage_rocksdb_size_bytes') > 0 ||
        undefined,
      { timeoutMs: 10_000, description: 'SST bytes reported' },
    );
  } finally {
    await node.stop(1_000);
    await rm(directory, { recursive: true, force: true });
  }
});
