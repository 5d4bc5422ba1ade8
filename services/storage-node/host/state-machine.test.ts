// Applying a batch of committed writes: the old items it needs are read with ONE getMany, a
// write sees the writes staged before it in the same batch, and the batch is one engine write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { itemToWire } from '../../../lib/dynamo/index.js';
import { validateOperation, type WriteOperation } from '../commands/index.js';
import type { Engine } from '../engine/engine.js';
import { createMemoryEngine } from '../engine/memory-engine.js';
import type { PartitionMeta } from './partition-meta.js';
import { PartitionStateMachine } from './state-machine.js';
import { partitionRange } from '../engine/storage-keys.js';

/** The memory engine, counting the calls that go to it. */
function countingEngine(): { engine: Engine; calls: Record<string, number> } {
  const inner = createMemoryEngine();
  const calls: Record<string, number> = { get: 0, getMany: 0, write: 0 };
  const engine: Engine = Object.create(inner) as Engine;
  engine.get = (key) => (calls['get']!++, inner.get(key));
  engine.getMany = (keys) => (calls['getMany']!++, inner.getMany(keys));
  engine.write = (mutations) => (calls['write']!++, inner.write(mutations));
  return { engine, calls };
}

const meta: PartitionMeta = {
  partitionId: 'p1',
  groupNumber: 1,
  tableId: 't1',
  tableName: 'Things',
  schema: { partitionKey: { name: 'id', type: 'S' } },
  hashStart: new Uint8Array(16),
  hashEnd: undefined,
  epoch: 1,
  initialVoters: ['n1'],
  addresses: {},
};

function write(index: number, operation: WriteOperation, request: Record<string, unknown>) {
  return { index, operation, validated: validateOperation(operation, request) };
}

const absent = { ConditionExpression: 'attribute_not_exists(id)' };

test('a batch of conditional writes reads its old items with one getMany and sees its own writes', async () => {
  const { engine, calls } = countingEngine();
  const machine = new PartitionStateMachine(engine, meta, 0);
  const outcomes = await machine.stageWrites([
    write(1, 'PutItem', {
      TableName: 'Things',
      Item: { id: { S: 'a' }, v: { N: '1' } },
      ...absent,
    }),
    write(2, 'PutItem', {
      TableName: 'Things',
      Item: { id: { S: 'b' }, v: { N: '1' } },
      ...absent,
    }),
    // Staged by entry 1 of this batch: the condition must fail.
    write(3, 'PutItem', {
      TableName: 'Things',
      Item: { id: { S: 'a' }, v: { N: '9' } },
      ...absent,
    }),
    write(4, 'UpdateItem', {
      TableName: 'Things',
      Key: { id: { S: 'b' } },
      UpdateExpression: 'SET v = v + :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    }),
    write(5, 'DeleteItem', { TableName: 'Things', Key: { id: { S: 'c' } } }),
  ]);
  assert.deepEqual(
    outcomes.map((o) => (o.kind === 'error' ? o.error.name : o.kind)),
    ['ok', 'ok', 'ConditionalCheckFailedException', 'ok', 'ok'],
  );
  const updated = outcomes[3]!;
  assert.ok(updated.kind === 'ok' && 'attributes' in updated.value);
  assert.ok(updated.value.attributes !== undefined);
  assert.deepEqual(itemToWire(updated.value.attributes)['v'], { N: '2' });
  assert.equal(calls['getMany'], 1, 'one batched read');
  assert.equal(calls['get'], 0, 'no read per entry');
  assert.equal(calls['write'], 0, 'nothing written before the flush');
  assert.deepEqual(await machine.flushStaged(), { ok: true, value: undefined });
  assert.equal(calls['write'], 1, 'one engine batch');
  assert.equal(machine.engineApplied, 5);
});

test('plain PutItems read nothing', async () => {
  const { engine, calls } = countingEngine();
  const machine = new PartitionStateMachine(engine, meta, 0);
  await machine.stageWrites([
    write(1, 'PutItem', { TableName: 'Things', Item: { id: { S: 'a' } } }),
    write(2, 'PutItem', { TableName: 'Things', Item: { id: { S: 'b' } } }),
  ]);
  assert.equal(calls['getMany']! + calls['get']!, 0);
});

test('a blind batch writes its mutations as they are, or nothing when a key left the range', async () => {
  const { engine, calls } = countingEngine();
  const lowerHalf: PartitionMeta = { ...meta, hashEnd: new Uint8Array(16).fill(0x80, 0, 1) };
  const machine = new PartitionStateMachine(engine, lowerHalf, 0);
  const inside = partitionRange('t1', new Uint8Array(16), undefined).start;
  const key = new Uint8Array([...inside, 0x10, 0x01]);
  const outside = new Uint8Array([...partitionRange('t1', lowerHalf.hashEnd!, undefined).start, 1]);
  const [written, refused] = await machine.stageWrites([
    { index: 1, operation: 'BlindBatch', writes: [{ key, value: new Uint8Array([42]) }] },
    {
      index: 2,
      operation: 'BlindBatch',
      writes: [
        { key, value: undefined },
        { key: outside, value: new Uint8Array([1]) },
      ],
    },
  ]);
  assert.deepEqual(written, { kind: 'ok', value: { results: [{}] } });
  assert.deepEqual(refused, { kind: 'wrong-partition' });
  assert.ok((await machine.flushStaged()).ok);
  assert.equal(calls['getMany']! + calls['get']!, 0, 'a blind batch reads nothing');
  const stored = await engine.get(key);
  assert.ok(stored.ok);
  assert.deepEqual(stored.value, new Uint8Array([42]), 'the refused entry deleted nothing');
});
