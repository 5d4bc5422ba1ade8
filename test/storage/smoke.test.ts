// Quick check: one process, one-member partition, a put and a get through gRPC.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { pollUntil } from '../helpers/poll.js';
import { createPartition, findLeader, killNode, startNode, temporaryDirectory } from './cluster.js';

test('one storage node serves PutItem and GetItem over gRPC; bad input is a typed error, nothing written', async () => {
  const directory = await temporaryDirectory();
  const node = await startNode('solo', `${directory.path}/solo`);
  after(async () => {
    await killNode(node);
    await directory.remove();
  });
  await createPartition([node], 'p1');
  await pollUntil(() => findLeader([node], 'p1'), { timeoutMs: 10_000, description: 'a leader' });
  const partition = { tableId: 'tbl-1', partitionId: 'p1', epoch: 1n };
  const put = await node.storage.putItem({
    partition,
    request: {
      tableName: 'Things',
      item: { id: { value: { case: 's', value: 'a' } }, n: { value: { case: 'n', value: '7' } } },
      returnConsumedCapacity: 'TOTAL',
    },
  });
  assert.equal(put.error, undefined);
  assert.equal(put.routingError, undefined);
  assert.equal(put.response?.consumedCapacity?.capacityUnits, 1);
  const got = await node.storage.getItem({
    partition,
    request: {
      tableName: 'Things',
      key: { id: { value: { case: 's', value: 'a' } } },
      consistentRead: true,
    },
  });
  assert.equal(got.response?.found, true);
  assert.deepEqual(got.response?.item['n']?.value, { case: 'n', value: '7' });
  const stale = await node.storage.getItem({
    partition: { ...partition, partitionId: 'p9' },
    request: { tableName: 'Things', key: { id: { value: { case: 's', value: 'a' } } } },
  });
  assert.equal(stale.routingError?.kind.case, 'wrongPartition');

  const key = { id: { value: { case: 's' as const, value: 'bad' } } };
  const big = { value: { case: 's' as const, value: 'x'.repeat(401 * 1024) } };
  const oversized = await node.storage.putItem({
    partition,
    request: { tableName: 'Things', item: { ...key, big } },
  });
  assert.equal(oversized.error?.type, 'ValidationException');
  const malformed = await node.storage.putItem({
    partition,
    request: { tableName: 'Things', item: { other: big } },
  });
  assert.equal(malformed.error?.type, 'ValidationException');
  const staleEpoch = await node.storage.putItem({
    partition: { ...partition, epoch: 0n },
    request: { tableName: 'Things', item: key },
  });
  assert.equal(staleEpoch.routingError?.kind.case, 'wrongPartition');
  const noPartition = await node.storage.putItem({ request: { tableName: 'Things', item: key } });
  assert.equal(noPartition.error?.type, 'ValidationException');
  const badExpression = await node.storage.updateItem({
    partition,
    request: { tableName: 'Things', key, updateExpression: 'SET = oops' },
  });
  assert.equal(badExpression.error?.type, 'ValidationException');
  const afterwards = await node.storage.getItem({
    partition,
    request: { tableName: 'Things', key, consistentRead: true },
  });
  assert.equal(afterwards.response?.found, false);
  // Sizes are re-measured at most every 100 ms here (a measurement scans the partition).
  const reports = await pollUntil(
    async () => {
      const answer = await node.admin.getPartitionReports({});
      return answer.reports[0]?.itemCount === 1n ? answer : undefined;
    },
    { timeoutMs: 5_000, intervalMs: 50, description: 'the report counting the item' },
  );
  assert.equal(reports.reports[0]?.itemCount, 1n);
  assert.equal(reports.reports[0]?.keySamples[0]?.hash.length, 16);
  assert.equal(reports.reports[0]?.leader, true);
  await assert.rejects(
    node.admin.createReplica({
      table: { tableId: 'tbl-2', keySchema: [] },
      partitionId: 'q1',
      replicas: [],
    }),
    (error: { codeName?: string }) => error.codeName === 'INVALID_ARGUMENT',
  );
  const elsewhere = await node.admin.createReplica({
    table: {
      tableId: 'tbl-2',
      tableName: 'Other',
      keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
      attributeDefinitions: [{ attributeName: 'id', attributeType: 'S' }],
    },
    partitionId: 'q1',
    replicas: [{ nodeId: 'someone-else', address: '127.0.0.1:1' }],
  });
  assert.equal(elsewhere.routingError?.kind.case, 'partitionUnavailable');
  const metrics = await (await fetch(`http://127.0.0.1:${node.adminPort}/metrics`)).text();
  for (const series of [
    'tessera_storage_requests_total{method="PutItem",outcome="ok"',
    'tessera_storage_requests_total{method="PutItem",outcome="ValidationException"',
    'tessera_storage_request_duration_seconds_bucket{le=',
    'tessera_storage_leaders',
    'tessera_storage_log_sync_duration_seconds_count',
    'tessera_raft_commits_total',
    'tessera_raft_elections_total{outcome="won"',
    'tessera_storage_rocksdb_size_bytes',
  ]) {
    assert.ok(metrics.includes(series), `missing ${series}`);
  }
});
