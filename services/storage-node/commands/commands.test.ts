// Command tests on the in-memory engine: each command evaluates a real DynamoDB request (JSON,
// validated by lib/dynamo) and its mutations are applied as the state machine would.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemToWire, type Item, type ValidatedRequest } from '../../../lib/dynamo/index.js';
import { createMemoryEngine } from '../engine/memory-engine.js';
import type { Engine, ReadView } from '../engine/engine.js';
import {
  evaluateGetItem,
  evaluateQuery,
  evaluateScan,
  evaluateWrite,
  hashOfPartitionKey,
  validateOperation,
  type CommandOutcome,
  type GetResponse,
  type PageResponse,
  type PartitionSpec,
  type ReadOperation,
  type WriteOperation,
} from './index.js';

const fullRange = { hashStart: new Uint8Array(16), hashEnd: undefined };
const spec: PartitionSpec = {
  tableId: 't1',
  tableName: 'Music',
  schema: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } },
  ...fullRange,
};

async function write(engine: Engine, operation: WriteOperation, request: object, on = spec) {
  const evaluation = await evaluateWrite(engine, on, operation, { TableName: 'Music', ...request });
  const written = await engine.write(evaluation.mutations);
  assert.ok(written.ok);
  return evaluation.outcome;
}

function validated(operation: ReadOperation, request: object): ValidatedRequest {
  const result = validateOperation(operation, { TableName: 'Music', ...request });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function get(engine: Engine, request: object): Promise<CommandOutcome<GetResponse>> {
  return evaluateGetItem(engine, spec, validated('GetItem', request));
}

function read(
  engine: Engine,
  operation: 'Query' | 'Scan',
  request: object,
): Promise<CommandOutcome<PageResponse>> {
  if (operation === 'Query') return evaluateQuery(engine, spec, validated('Query', request));
  return evaluateScan(engine, spec, validated('Scan', request), {
    start: new Uint8Array(16),
    end: undefined,
  });
}

function value<T>(outcome: CommandOutcome<T>): T {
  assert.equal(outcome.kind, 'ok', JSON.stringify(outcome));
  return (outcome as { value: T }).value;
}

function wire(item: Item | undefined): unknown {
  return item === undefined ? undefined : itemToWire(item);
}

async function seed(engine: Engine, count: number, pk = 'a'): Promise<void> {
  for (let i = 0; i < count; i++) {
    await write(engine, 'PutItem', {
      Item: { pk: { S: pk }, sk: { N: String(i) }, odd: { BOOL: i % 2 === 1 } },
    });
  }
}

describe('write commands', () => {
  test('PutItem then GetItem with projection and capacity', async () => {
    const engine = createMemoryEngine();
    const put = await write(engine, 'PutItem', {
      Item: { pk: { S: 'a' }, sk: { N: '1' }, v: { S: 'x'.repeat(2000) }, w: { N: '5' } },
      ReturnConsumedCapacity: 'TOTAL',
    });
    assert.equal(value(put).consumedCapacity?.CapacityUnits, 2);
    const got = value(
      await get(engine, {
        Key: { pk: { S: 'a' }, sk: { N: '1' } },
        ProjectionExpression: 'w',
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(wire(got.item), { w: { N: '5' } });
    assert.equal(got.consumedCapacity?.CapacityUnits, 1);
  });

  test('a plain PutItem reads nothing; a condition, ALL_OLD or capacity still read the old item', async () => {
    const engine = createMemoryEngine();
    let reads = 0;
    const counting: ReadView = {
      get: (key) => {
        reads++;
        return engine.get(key);
      },
      getMany: (keys) => engine.getMany(keys),
      scan: (range, limits) => engine.scan(range, limits),
    };
    const key = { pk: { S: 'a' }, sk: { N: '1' } };
    const big = { ...key, v: { S: 'x'.repeat(3000) } };
    const put = async (request: object) => {
      const evaluation = await evaluateWrite(counting, spec, 'PutItem', {
        TableName: 'Music',
        ...request,
      });
      assert.ok((await engine.write(evaluation.mutations)).ok);
      return evaluation.outcome;
    };
    value(await put({ Item: big }));
    value(await put({ Item: { ...key, v: { N: '1' } } }));
    assert.equal(reads, 0);
    const replaced = value(await put({ Item: big, ReturnValues: 'ALL_OLD' }));
    assert.deepEqual(wire(replaced.attributes), { ...key, v: { N: '1' } });
    assert.equal(reads, 1);
    // Capacity counts the larger of old (3 KB) and new item: 3 units, not 1.
    const small = value(await put({ Item: key, ReturnConsumedCapacity: 'TOTAL' }));
    assert.equal(small.consumedCapacity?.CapacityUnits, 3);
    assert.equal(reads, 2);
    const refused = await put({ Item: key, ConditionExpression: 'attribute_not_exists(pk)' });
    assert.equal(refused.kind, 'error');
    assert.equal(reads, 3);
  });

  test('a failed condition writes nothing and returns the old item when asked', async () => {
    const engine = createMemoryEngine();
    const item = { pk: { S: 'a' }, sk: { N: '1' }, v: { N: '1' } };
    value(
      await write(engine, 'PutItem', {
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    const second = await write(engine, 'PutItem', {
      Item: { ...item, v: { N: '2' } },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    assert.equal(second.kind, 'error');
    if (second.kind !== 'error') return;
    assert.equal(second.error.name, 'ConditionalCheckFailedException');
    assert.deepEqual(wire(second.item), item);
    const got = value(await get(engine, { Key: { pk: { S: 'a' }, sk: { N: '1' } } }));
    assert.deepEqual(wire(got.item), item);
  });

  test('UpdateItem creates, adds, and answers every ReturnValues mode', async () => {
    const engine = createMemoryEngine();
    const key = { pk: { S: 'a' }, sk: { N: '1' } };
    const add = (returnValues: string) =>
      write(engine, 'UpdateItem', {
        Key: key,
        UpdateExpression: 'ADD n :one SET m = :m',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':m': { S: 'z' } },
        ReturnValues: returnValues,
      });
    assert.deepEqual(wire(value(await add('ALL_NEW')).attributes), {
      ...key,
      n: { N: '1' },
      m: { S: 'z' },
    });
    assert.deepEqual(wire(value(await add('UPDATED_OLD')).attributes), {
      n: { N: '1' },
      m: { S: 'z' },
    });
    assert.deepEqual(wire(value(await add('UPDATED_NEW')).attributes), {
      n: { N: '3' },
      m: { S: 'z' },
    });
    assert.deepEqual(wire(value(await add('ALL_OLD')).attributes), {
      ...key,
      n: { N: '3' },
      m: { S: 'z' },
    });
    assert.equal(value(await add('NONE')).attributes, undefined);
    const keyUpdate = await write(engine, 'UpdateItem', {
      Key: key,
      UpdateExpression: 'SET pk = :m',
      ExpressionAttributeValues: { ':m': { S: 'z' } },
    });
    assert.equal(keyUpdate.kind, 'error');
  });

  test('DeleteItem returns the old item and removes it', async () => {
    const engine = createMemoryEngine();
    await seed(engine, 1);
    const key = { pk: { S: 'a' }, sk: { N: '0' } };
    const failed = await write(engine, 'DeleteItem', {
      Key: key,
      ConditionExpression: 'odd = :t',
      ExpressionAttributeValues: { ':t': { BOOL: true } },
    });
    assert.equal(failed.kind, 'error');
    const deleted = value(await write(engine, 'DeleteItem', { Key: key, ReturnValues: 'ALL_OLD' }));
    assert.deepEqual(wire(deleted.attributes), { ...key, odd: { BOOL: false } });
    assert.equal(value(await get(engine, { Key: key })).item, undefined);
  });

  test('a key outside the partition range is wrong-partition and writes nothing', async () => {
    const engine = createMemoryEngine();
    const hash = hashOfPartitionKey({ type: 'S', value: 'a' });
    const end = Uint8Array.from(hash);
    const narrow: PartitionSpec = { ...spec, hashStart: new Uint8Array(16), hashEnd: end };
    const outcome = await write(
      engine,
      'PutItem',
      { Item: { pk: { S: 'a' }, sk: { N: '1' } } },
      narrow,
    );
    assert.equal(outcome.kind, 'wrong-partition');
    assert.equal(value(await read(engine, 'Scan', {})).count, 0);
  });

  test('a key of the wrong type is a ValidationException', async () => {
    const engine = createMemoryEngine();
    const outcome = await write(engine, 'PutItem', { Item: { pk: { N: '1' }, sk: { N: '1' } } });
    assert.equal(outcome.kind, 'error');
    if (outcome.kind === 'error') assert.equal(outcome.error.name, 'ValidationException');
  });
});

describe('Query and Scan', () => {
  test('key conditions in both orders, with Limit and ExclusiveStartKey paging', async () => {
    const engine = createMemoryEngine();
    await seed(engine, 10);
    await seed(engine, 3, 'b');
    const query = (extra: object) =>
      read(engine, 'Query', {
        KeyConditionExpression: 'pk = :p AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':p': { S: 'a' }, ':lo': { N: '2' }, ':hi': { N: '7' } },
        ...extra,
      });
    const all = value(await query({}));
    assert.deepEqual(
      all.items.map((item) => wire(item.get('sk') && new Map([['sk', item.get('sk')!]]))),
      [2, 3, 4, 5, 6, 7].map((n) => ({ sk: { N: String(n) } })),
    );
    const backwards = value(await query({ ScanIndexForward: false, Limit: 4 }));
    assert.deepEqual(
      backwards.items.map((item) => wire(new Map([['sk', item.get('sk')!]]))),
      [7, 6, 5, 4].map((n) => ({ sk: { N: String(n) } })),
    );
    assert.deepEqual(wire(backwards.lastEvaluatedKey), { pk: { S: 'a' }, sk: { N: '4' } });
    const rest = value(
      await query({
        ScanIndexForward: false,
        ExclusiveStartKey: itemToWire(backwards.lastEvaluatedKey!),
      }),
    );
    assert.equal(rest.count, 2);
    assert.equal(rest.lastEvaluatedKey, undefined);
  });

  test('filter counts after the read, Select COUNT returns no items', async () => {
    const engine = createMemoryEngine();
    await seed(engine, 10);
    const page = value(
      await read(engine, 'Query', {
        KeyConditionExpression: 'pk = :p AND sk >= :lo',
        FilterExpression: 'odd = :t',
        ExpressionAttributeValues: { ':p': { S: 'a' }, ':lo': { N: '4' }, ':t': { BOOL: true } },
        Select: 'COUNT',
        Limit: 4,
      }),
    );
    assert.equal(page.scannedCount, 4);
    assert.equal(page.count, 2);
    assert.equal(page.items.length, 0);
    assert.ok(page.lastEvaluatedKey !== undefined);
  });

  test('a request naming a secondary index is refused', async () => {
    const outcome = await read(createMemoryEngine(), 'Scan', { IndexName: 'byColour' });
    assert.equal(
      outcome.kind === 'error' && outcome.error.message,
      'The table does not have the specified index: byColour',
    );
  });

  test('begins_with reads only the matching sort keys', async () => {
    const engine = createMemoryEngine();
    const stringSpec = {
      ...spec,
      schema: {
        partitionKey: { name: 'pk', type: 'S' as const },
        sortKey: { name: 'sk', type: 'S' as const },
      },
    };
    for (const sk of ['ab', 'abc', 'abd', 'ac', 'b']) {
      await write(engine, 'PutItem', { Item: { pk: { S: 'a' }, sk: { S: sk } } }, stringSpec);
    }
    const validated = validateOperation('Query', {
      TableName: 'Music',
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': { S: 'a' }, ':s': { S: 'ab' } },
      ScanIndexForward: false,
    });
    assert.ok(validated.ok);
    const page = value(await evaluateQuery(engine, stringSpec, validated.value));
    assert.deepEqual(
      page.items.map((item) => (item.get('sk') as { value: string }).value),
      ['abd', 'abc', 'ab'],
    );
    assert.equal(page.scannedCount, 3);
  });

  test('a page stops after 1 MB read, before the filter', async () => {
    const engine = createMemoryEngine();
    const big = 'x'.repeat(100 * 1024);
    for (let i = 0; i < 12; i++) {
      await write(engine, 'PutItem', {
        Item: { pk: { S: 'a' }, sk: { N: String(i) }, v: { S: big } },
      });
    }
    const page = value(
      await read(engine, 'Query', {
        KeyConditionExpression: 'pk = :p',
        FilterExpression: 'attribute_not_exists(v)',
        ExpressionAttributeValues: { ':p': { S: 'a' } },
      }),
    );
    assert.equal(page.count, 0);
    assert.equal(page.scannedCount, 11);
    assert.deepEqual(wire(page.lastEvaluatedKey), { pk: { S: 'a' }, sk: { N: '10' } });
  });

  test('Scan pages through every item exactly once', async () => {
    const engine = createMemoryEngine();
    for (let p = 0; p < 20; p++) await seed(engine, 3, `p${p}`);
    const seen = new Set<string>();
    let start: object | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = value(
        await read(engine, 'Scan', { Limit: 7, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      for (const item of page.items) {
        const id = JSON.stringify(wire(item));
        assert.ok(!seen.has(id), `seen twice: ${id}`);
        seen.add(id);
      }
      if (page.lastEvaluatedKey === undefined) break;
      start = itemToWire(page.lastEvaluatedKey);
    }
    assert.equal(seen.size, 60);
  });
});
