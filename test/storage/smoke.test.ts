// Quick check: one process, one-member partition, a put and a get through gRPC.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { pollUntil } from '../helpers/poll.js';
import { createPartition, findLeader, killNode, startNode, temporaryDirectory } from './cluster.js';

test('one storage node serves PutItem and GetItem over gRPC', async () => {
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
});
