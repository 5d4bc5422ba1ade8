// BatchWrite on the in-memory engine: validation with DynamoDB's limits (nothing evaluated on bad
// input), writes evaluated in request order as one set of mutations, capacity, range checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemToWire } from '../../../lib/dynamo/index.js';
import { createMemoryEngine } from '../engine/memory-engine.js';
import type { Engine } from '../engine/engine.js';
import {
  batchRequestBytesMax,
  checkBatchRequestBytes,
  duplicateKeysMessage,
  evaluateBatchWrite,
  evaluateGetItem,
  hashOfPartitionKey,
  validateBatchWrite,
  validateOperation,
  type PartitionSpec,
  type ValidatedBatchWrite,
} from './index.js';

const spec: PartitionSpec = {
  tableId: 't1',
  tableName: 'Music',
  schema: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } },
  hashStart: new Uint8Array(16),
  hashEnd: undefined,
};

const put = (pk: string, sk: number, extra: object = {}) => ({
  PutRequest: { Item: { pk: { S: pk }, sk: { N: String(sk) }, ...extra } },
});
const del = (pk: string, sk: number) => ({
  DeleteRequest: { Key: { pk: { S: pk }, sk: { N: String(sk) } } },
});

function batch(writes: readonly object[], extra: object = {}): unknown {
  return { RequestItems: { Music: writes }, ...extra };
}

function valid(request: unknown): ValidatedBatchWrite {
  const result = validateBatchWrite(request, spec.tableName, spec.schema);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function refusal(request: unknown): string {
  const result = validateBatchWrite(request, spec.tableName, spec.schema);
  assert.ok(!result.ok, 'expected a refusal');
  return `${result.error.name}: ${result.error.message}`;
}

async function apply(engine: Engine, request: unknown, on = spec) {
  const evaluation = await evaluateBatchWrite(engine, on, valid(request));
  const written = await engine.write(evaluation.mutations);
  assert.ok(written.ok);
  return evaluation;
}

async function itemAt(engine: Engine, pk: string, sk: number) {
  const request = validateOperation('GetItem', {
    TableName: 'Music',
    Key: { pk: { S: pk }, sk: { N: String(sk) } },
  });
  assert.ok(request.ok);
  const outcome = await evaluateGetItem(engine, spec, request.value);
  assert.equal(outcome.kind, 'ok');
  return outcome.kind === 'ok' && outcome.value.item !== undefined
    ? itemToWire(outcome.value.item)
    : undefined;
}

describe('BatchWrite validation', () => {
  test('DynamoDB limits and the partition schema; one typed error for the whole batch', () => {
    const many = Array.from({ length: 26 }, (_, i) => put('a', i));
    assert.match(refusal(batch(many)), /^ValidationException: .*(25|Too many items)/);
    assert.equal(
      refusal(batch([put('a', 1), del('a', 1)])),
      `ValidationException: ${duplicateKeysMessage}`,
    );
    assert.equal(
      refusal(batch([put('a', 1), put('a', 1, { v: { S: 'x' } })])),
      `ValidationException: ${duplicateKeysMessage}`,
    );
    assert.match(
      refusal(batch([put('a', 1, { big: { S: 'x'.repeat(400 * 1024) } })])),
      /^ValidationException: Item size has exceeded/,
    );
    assert.match(
      refusal(batch([{ PutRequest: { Item: { pk: { S: 'a' } } } }])),
      /^ValidationException: .*key/i,
      'sort key missing',
    );
    assert.match(
      refusal(batch([{ DeleteRequest: { Key: { pk: { S: 'a' }, sk: { S: '1' } } } }])),
      /^ValidationException: .*key/i,
      'sort key of the wrong type',
    );
    assert.match(refusal({ RequestItems: { Other: [put('a', 1)] } }), /table Music only/);
    assert.match(
      refusal({ RequestItems: { Music: [put('a', 1)], Other: [put('a', 1)] } }),
      /table Music only/,
    );
    assert.match(refusal({ RequestItems: {} }), /^ValidationException/);
    assert.equal(checkBatchRequestBytes(batchRequestBytesMax).ok, true);
    assert.equal(checkBatchRequestBytes(batchRequestBytesMax + 1).ok, false);
  });

  test('puts and deletes mix, in request order', () => {
    const checked = valid(batch([put('a', 1), del('a', 2), put('b', 1)]));
    assert.deepEqual(
      checked.actions.map((action) => action.kind),
      ['put', 'delete', 'put'],
    );
  });
});

describe('BatchWrite evaluation', () => {
  test('puts and deletes in request order, one mutation each, nothing read', async () => {
    const engine = createMemoryEngine();
    let reads = 0;
    const counting = Object.create(engine) as Engine;
    counting.get = (key) => (reads++, engine.get(key));
    counting.getMany = (keys) => (reads++, engine.getMany(keys));
    await apply(engine, batch([put('a', 1, { v: { S: 'old' } }), put('a', 2)]));
    const evaluation = await evaluateBatchWrite(
      counting,
      spec,
      valid(batch([put('a', 1, { v: { S: 'new' } }), del('a', 2), del('zz', 9)])),
    );
    assert.equal(reads, 0, 'blind writes read nothing');
    assert.deepEqual(
      evaluation.mutations.map((m) => m.kind),
      ['put', 'delete', 'delete'],
    );
    assert.ok(evaluation.outcome.kind === 'ok');
    assert.equal(evaluation.outcome.value.results.length, 3);
    assert.ok(evaluation.outcome.value.results.every((result) => result.error === undefined));
    assert.equal(evaluation.outcome.value.consumedCapacity, undefined);
    assert.ok((await engine.write(evaluation.mutations)).ok);
    assert.deepEqual((await itemAt(engine, 'a', 1))?.['v'], { S: 'new' });
    assert.equal(await itemAt(engine, 'a', 2), undefined);
  });

  test('ReturnConsumedCapacity reads the old items with one getMany and counts the larger', async () => {
    const engine = createMemoryEngine();
    await apply(engine, batch([put('a', 1, { v: { S: 'x'.repeat(3000) } })]));
    let getMany = 0;
    const counting = Object.create(engine) as Engine;
    counting.getMany = (keys) => (getMany++, engine.getMany(keys));
    const evaluation = await evaluateBatchWrite(
      counting,
      spec,
      valid(batch([put('a', 1), del('b', 1), put('c', 1)], { ReturnConsumedCapacity: 'TOTAL' })),
    );
    assert.equal(getMany, 1);
    assert.ok(evaluation.outcome.kind === 'ok');
    // 3 units for the replaced ~3 KB item, 1 for a delete of nothing, 1 for a small new item.
    assert.equal(evaluation.outcome.value.consumedCapacity?.CapacityUnits, 5);
    assert.equal(evaluation.outcome.value.consumedCapacity?.TableName, 'Music');
  });

  test('a key outside the partition refuses the whole batch: wrong-partition, nothing written', async () => {
    const engine = createMemoryEngine();
    const hashA = hashOfPartitionKey({ type: 'S', value: 'a' });
    const narrow: PartitionSpec = { ...spec, hashStart: hashA, hashEnd: nextHash(hashA) };
    const evaluation = await evaluateBatchWrite(
      engine,
      narrow,
      valid(batch([put('a', 1), put('b', 1)])),
    );
    assert.deepEqual(evaluation, { mutations: [], outcome: { kind: 'wrong-partition' } });
    const inside = await evaluateBatchWrite(
      engine,
      narrow,
      valid(batch([put('a', 1), put('a', 2)])),
    );
    assert.equal(inside.outcome.kind, 'ok');
  });
});

/** The hash right after `hash` (so [hash, next) holds exactly one hash). */
function nextHash(hash: Uint8Array): Uint8Array {
  const next = hash.slice();
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 255) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  throw new Error('no hash after the last');
}
