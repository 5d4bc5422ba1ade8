// A corrupted record in the middle of the log, with a real process: one storage node hosts two
// partitions (of two tables); it is SIGKILLed, one byte inside a record of the first
// partition's group is flipped in the log segment on disk, and the node restarts. The first
// replica stops with a message naming the segment file and byte offset (its requests answer
// PartitionUnavailable, never a generic error), while the second keeps serving reads and writes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { flipByteInLog } from '../helpers/log-corruption.js';
import { pollUntil } from '../helpers/poll.js';
import { findLeader, killNode, startNode, temporaryDirectory, testTable } from './cluster.js';
import type { NodeProcess } from './cluster.js';

const marker = 'corrupt-me-0123456789abcdef';

/** A string attribute value in the storage protocol's form. */
const s = (value: string) => ({ value: { case: 's' as const, value } });

test('a corrupted record stops its replica only; the node’s other partition keeps serving', async () => {
  const directory = await temporaryDirectory();
  const dataDirectory = `${directory.path}/solo`;
  let node: NodeProcess = await startNode('solo', dataDirectory);
  after(async () => {
    await killNode(node);
    await directory.remove();
  });
  const tables = { p1: testTable, p2: { ...testTable, tableId: 'tbl-2', tableName: 'Others' } };
  for (const [partitionId, table] of Object.entries(tables)) {
    const created = await node.admin.createReplica({
      table,
      partitionId,
      epoch: 1n,
      replicas: [{ nodeId: 'solo', address: node.address, learner: false }],
    });
    assert.equal(created.routingError, undefined);
    await pollUntil(() => findLeader([node], partitionId), {
      timeoutMs: 10_000,
      description: `a leader of ${partitionId}`,
    });
  }
  const ref = (partitionId: 'p1' | 'p2') => ({
    tableId: tables[partitionId].tableId,
    partitionId,
    epoch: 1n,
  });
  const put = (partitionId: 'p1' | 'p2', id: string, v: string) =>
    node.storage.putItem({
      partition: ref(partitionId),
      request: { tableName: tables[partitionId].tableName, item: { id: s(id), v: s(v) } },
    });
  for (let i = 0; i < 5; i++) assert.equal((await put('p1', `a${i}`, 'plain')).error, undefined);
  assert.equal((await put('p1', 'marked', marker)).error, undefined);
  for (let i = 0; i < 5; i++) assert.equal((await put('p2', `b${i}`, 'kept')).error, undefined);
  await killNode(node);

  // Flip one byte inside the marked record's body, in whichever segment holds it.
  const corrupted = await flipByteInLog(join(dataDirectory, 'wal'), marker);

  node = await startNode('solo', dataDirectory);
  const reports = await node.admin.getPartitionReports({});
  const p1 = reports.reports.find((r) => r.partitionId === 'p1');
  const p2 = reports.reports.find((r) => r.partitionId === 'p2');
  assert.equal(p1?.stopped, true, 'the replica with the corrupted record runs on');
  assert.match(p1?.stoppedReason ?? '', new RegExp(corrupted.replace('.', '\\.')));
  assert.match(p1?.stoppedReason ?? '', /at byte \d+/);
  assert.equal(p2?.stopped, false);
  // The stopped replica answers a routing condition, not a generic error.
  const refused = await node.storage.getItem({
    partition: ref('p1'),
    request: { tableName: 'Things', key: { id: s('a0') }, consistentRead: true },
  });
  assert.equal(refused.routingError?.kind.case, 'partitionUnavailable');
  // The other partition serves what it had and takes new writes.
  await pollUntil(() => findLeader([node], 'p2'), { timeoutMs: 10_000, description: 'p2 leads' });
  const kept = await node.storage.getItem({
    partition: ref('p2'),
    request: { tableName: 'Others', key: { id: s('b3') }, consistentRead: true },
  });
  assert.deepEqual(kept.response?.item['v']?.value, s('kept').value);
  assert.equal((await put('p2', 'b9', 'new')).error, undefined);
  const fresh = await node.storage.getItem({
    partition: ref('p2'),
    request: { tableName: 'Others', key: { id: s('b9') }, consistentRead: true },
  });
  assert.deepEqual(fresh.response?.item['v']?.value, s('new').value);
  // Dropping the stopped replica frees the partition: it can be created here again (from its
  // peers, in a real cluster; this one-node test just re-creates it).
  const dropped = await node.admin.dropReplica({ partition: ref('p1') });
  assert.deepEqual([dropped.dropped, dropped.reason], [true, '']);
  const remaining = await node.admin.getPartitionReports({});
  assert.deepEqual(
    remaining.reports.map((r) => r.partitionId),
    ['p2'],
  );
  const recreated = await node.admin.createReplica({
    table: tables.p1,
    partitionId: 'p1',
    epoch: 1n,
    replicas: [{ nodeId: 'solo', address: node.address, learner: false }],
  });
  assert.equal(recreated.routingError, undefined);
  await pollUntil(() => findLeader([node], 'p1'), { timeoutMs: 10_000, description: 'p1 again' });
});
