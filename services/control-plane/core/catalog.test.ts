import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeTableByName, listTables } from './catalog.js';
import type { CreateTableInput } from './catalog-validation.js';
import { HASH_MIN } from './hash-space.js';
import { partitionsOfTable } from './state.js';
import {
  applyFail,
  applyOk,
  clusterWith,
  tableInput,
  testContext,
  withActiveTable,
} from './test-support.js';

const context = testContext({ initialPartitionsPerTable: 4 });
const arn = { region: 'local', accountId: '000000000000' };
const base = () => clusterWith(context, ['n1', 'n2', 'n3']);

describe('create-table', () => {
  test('creates a CREATING table whose partitions cover the hash space on distinct nodes', () => {
    const { state, value } = applyOk(
      base(),
      {
        type: 'create-table',
        tableId: 't-1',
        input: tableInput('Music'),
        nowMs: 1_700_000_000_000,
      },
      context,
    );
    assert.equal(value.status, 'CREATING');
    const partitions = partitionsOfTable(state, 't-1');
    assert.equal(partitions.length, 4);
    assert.equal(partitions[0]?.start, HASH_MIN);
    assert.equal(partitions[3]?.end, null);
    for (const partition of partitions) {
      assert.equal(new Set(partition.replicas.map((r) => r.nodeId)).size, 3);
      assert.equal(partition.leaderNodeId, null);
    }
    assert.ok(state.mapEpoch > 0);
  });

  const refusals: ReadonlyArray<readonly [string, Partial<CreateTableInput>, string]> = [
    [
      'GSI',
      { GlobalSecondaryIndexes: [] },
      'GlobalSecondaryIndexes is not supported by Tessera yet',
    ],
    ['LSI', { LocalSecondaryIndexes: [] }, 'LocalSecondaryIndexes is not supported by Tessera yet'],
    [
      'streams',
      { StreamSpecification: { StreamEnabled: true } },
      'StreamSpecification is not supported',
    ],
    ['SSE', { SSESpecification: { Enabled: true } }, 'SSESpecification is not supported'],
    ['table class', { TableClass: 'STANDARD_INFREQUENT_ACCESS' }, 'TableClass is not supported'],
    [
      'deletion protection',
      { DeletionProtectionEnabled: true },
      'DeletionProtectionEnabled is not supported',
    ],
    [
      'warm throughput',
      { WarmThroughput: { ReadUnitsPerSecond: 1 } },
      'WarmThroughput is not supported',
    ],
    [
      'short name',
      { TableName: 'ab' },
      "Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    ],
    [
      'bad name',
      { TableName: 'a b c' },
      'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+',
    ],
    [
      'undefined key',
      { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
      'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [pk]',
    ],
    [
      'range first',
      { KeySchema: [{ AttributeName: 'pk', KeyType: 'RANGE' }] },
      'Invalid KeySchema: The first KeySchemaElement is not a HASH key type',
    ],
    [
      'extra definition',
      {
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'x', AttributeType: 'N' },
        ],
      },
      'Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    ],
    [
      'PPR with throughput',
      { ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } },
      'Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
    ],
    [
      'provisioned without throughput',
      { BillingMode: 'PROVISIONED' },
      'ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    ],
  ];
  for (const [name, extra, message] of refusals) {
    test(`refuses ${name} with a ValidationException`, () => {
      const error = applyFail(
        base(),
        { type: 'create-table', tableId: 't-1', input: tableInput('Music', extra), nowMs: 1 },
        context,
      );
      assert.equal(error.code, 'ValidationException');
      assert.ok(error.message.includes(message), error.message);
    });
  }

  test('accepts disabled features (StreamEnabled false, STANDARD class)', () => {
    const input = tableInput('Music', {
      StreamSpecification: { StreamEnabled: false },
      TableClass: 'STANDARD',
    });
    applyOk(base(), { type: 'create-table', tableId: 't-1', input, nowMs: 1 }, context);
  });

  test('an existing name is ResourceInUseException "Table already exists"', () => {
    const state = withActiveTable(base(), context, 'Music');
    const error = applyFail(
      state,
      { type: 'create-table', tableId: 'other', input: tableInput('Music'), nowMs: 1 },
      context,
    );
    assert.deepEqual(error, {
      code: 'ResourceInUseException',
      message: 'Table already exists: Music',
    });
  });

  test('table count and concurrent-operation limits are LimitExceededException', () => {
    const small = testContext({ tableCountMax: 1 });
    const one = withActiveTable(clusterWith(small, ['n1', 'n2', 'n3']), small, 'One');
    const error = applyFail(
      one,
      { type: 'create-table', tableId: 'x', input: tableInput('Two'), nowMs: 1 },
      small,
    );
    assert.deepEqual(error, {
      code: 'LimitExceededException',
      message: 'Subscriber limit exceeded: There is a limit of 1 tables per subscriber',
    });
    const busy = testContext({ tableOperationsInFlightMax: 1 });
    const creating = applyOk(
      clusterWith(busy, ['n1', 'n2', 'n3']),
      { type: 'create-table', tableId: 'a', input: tableInput('Aaa'), nowMs: 1 },
      busy,
    ).state;
    const busyError = applyFail(
      creating,
      { type: 'create-table', tableId: 'b', input: tableInput('Bbb'), nowMs: 1 },
      busy,
    );
    assert.equal(
      busyError.message,
      'Subscriber limit exceeded: Only 1 tables can be created, updated, or deleted simultaneously',
    );
  });

  test('fewer up nodes than the replication factor is InsufficientNodes', () => {
    const error = applyFail(
      clusterWith(context, ['n1', 'n2']),
      { type: 'create-table', tableId: 't', input: tableInput('Music'), nowMs: 1 },
      context,
    );
    assert.equal(error.code, 'InsufficientNodes');
  });
});

describe('describe and list', () => {
  test('DescribeTable has DynamoDB shape and turns ACTIVE once every partition has a leader', () => {
    const created = applyOk(
      base(),
      {
        type: 'create-table',
        tableId: 'uuid-1',
        input: tableInput('Music', {
          BillingMode: 'PROVISIONED',
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7 },
          Tags: [{ Key: 'team', Value: 'db' }],
        }),
        nowMs: 1_700_000_000_500,
      },
      context,
    ).state;
    const creating = describeTableByName(created, 'Music', arn);
    assert.ok(creating.ok);
    assert.deepEqual(creating.value, {
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TableName: 'Music',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TableStatus: 'CREATING',
      CreationDateTime: 1_700_000_000.5,
      ProvisionedThroughput: {
        NumberOfDecreasesToday: 0,
        ReadCapacityUnits: 5,
        WriteCapacityUnits: 7,
      },
      TableSizeBytes: 0,
      ItemCount: 0,
      TableArn: 'arn:aws:dynamodb:local:000000000000:table/Music',
      TableId: 'uuid-1',
      BillingModeSummary: { BillingMode: 'PROVISIONED' },
      DeletionProtectionEnabled: false,
    });
    let state = created;
    const partitions = partitionsOfTable(state, 'uuid-1');
    partitions.forEach((partition, index) => {
      const nodeId = partition.replicas[0]?.nodeId ?? '';
      state = applyOk(
        state,
        {
          type: 'mark-partition-leader',
          partitionId: partition.partitionId,
          nodeId,
          term: 1,
          nowMs: 2,
        },
        context,
      ).state;
      const status = describeTableByName(state, 'Music', arn);
      assert.ok(status.ok);
      assert.equal(
        status.value.TableStatus,
        index === partitions.length - 1 ? 'ACTIVE' : 'CREATING',
      );
    });
    state = applyOk(
      state,
      {
        type: 'record-partition-stats',
        reports: partitions.map((p) => ({
          partitionId: p.partitionId,
          epoch: p.epoch,
          sizeBytes: 100,
          itemCount: 3,
        })),
        nowMs: 3,
      },
      context,
    ).state;
    const active = describeTableByName(state, 'Music', arn);
    assert.ok(active.ok);
    assert.equal(active.value.ItemCount, 12);
    assert.equal(active.value.TableSizeBytes, 400);
  });

  test("DescribeTable of a missing table uses DynamoDB's message", () => {
    const result = describeTableByName(base(), 'Nope', arn);
    assert.deepEqual(result, {
      ok: false,
      error: {
        code: 'ResourceNotFoundException',
        message: 'Requested resource not found: Table: Nope not found',
      },
    });
  });

  test('ListTables pages with ExclusiveStartTableName and Limit', () => {
    let state = base();
    for (const name of ['ccc', 'aaa', 'bbb', 'ddd', 'eee'])
      state = withActiveTable(state, context, name);
    assert.deepEqual(listTables(state, {}), {
      ok: true,
      value: { TableNames: ['aaa', 'bbb', 'ccc', 'ddd', 'eee'] },
    });
    assert.deepEqual(listTables(state, { Limit: 2 }), {
      ok: true,
      value: { TableNames: ['aaa', 'bbb'], LastEvaluatedTableName: 'bbb' },
    });
    assert.deepEqual(listTables(state, { Limit: 2, ExclusiveStartTableName: 'bbb' }), {
      ok: true,
      value: { TableNames: ['ccc', 'ddd'], LastEvaluatedTableName: 'ddd' },
    });
    assert.deepEqual(listTables(state, { Limit: 3, ExclusiveStartTableName: 'bbb' }), {
      ok: true,
      value: { TableNames: ['ccc', 'ddd', 'eee'] },
    });
    assert.deepEqual(listTables(state, { ExclusiveStartTableName: 'zzz' }), {
      ok: true,
      value: { TableNames: [] },
    });
    const tooMany = listTables(state, { Limit: 101 });
    assert.ok(!tooMany.ok);
    assert.equal(
      tooMany.error.message,
      "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
  });
});

describe('update-table', () => {
  const provisioned = () => withActiveTable(base(), context, 'Music');

  test('switching to PROVISIONED and changing throughput records increases and decreases', () => {
    let state = provisioned();
    const day = 86_400_000;
    const toProvisioned = applyOk(
      state,
      {
        type: 'update-table',
        input: {
          TableName: 'Music',
          BillingMode: 'PROVISIONED',
          ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 10 },
        },
        nowMs: day,
      },
      context,
    );
    state = toProvisioned.state;
    assert.equal(toProvisioned.value.billingMode, 'PROVISIONED');
    assert.equal(toProvisioned.value.status, 'ACTIVE');
    const down = applyOk(
      state,
      {
        type: 'update-table',
        input: {
          TableName: 'Music',
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 10 },
        },
        nowMs: day + 1,
      },
      context,
    );
    assert.equal(down.value.throughput.decreasesToday, 1);
    assert.equal(down.value.throughput.lastDecreaseMs, day + 1);
    const up = applyOk(
      down.state,
      {
        type: 'update-table',
        input: {
          TableName: 'Music',
          ProvisionedThroughput: { ReadCapacityUnits: 6, WriteCapacityUnits: 10 },
        },
        nowMs: 2 * day + 5,
      },
      context,
    );
    assert.equal(up.value.throughput.lastIncreaseMs, 2 * day + 5);
    const nextDayDecrease = applyOk(
      up.state,
      {
        type: 'update-table',
        input: {
          TableName: 'Music',
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        },
        nowMs: 2 * day + 6,
      },
      context,
    );
    assert.equal(
      nextDayDecrease.value.throughput.decreasesToday,
      1,
      'the counter restarts each UTC day',
    );
    const same = applyFail(
      nextDayDecrease.state,
      {
        type: 'update-table',
        input: {
          TableName: 'Music',
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        },
        nowMs: 3 * day,
      },
      context,
    );
    assert.ok(same.message.startsWith('The provisioned throughput for the table will not change.'));
    const back = applyOk(
      nextDayDecrease.state,
      {
        type: 'update-table',
        input: { TableName: 'Music', BillingMode: 'PAY_PER_REQUEST' },
        nowMs: 4 * day,
      },
      context,
    );
    assert.equal(back.value.lastUpdateToPayPerRequestMs, 4 * day);
    assert.equal(back.value.throughput.readCapacityUnits, 0);
  });

  const failures: ReadonlyArray<readonly [string, Record<string, unknown>, string, string]> = [
    [
      'missing table',
      { TableName: 'Nope', BillingMode: 'PAY_PER_REQUEST' },
      'ResourceNotFoundException',
      'Requested resource not found: Table: Nope not found',
    ],
    [
      'nothing to do',
      { TableName: 'Music' },
      'ValidationException',
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    ],
    [
      'GSI update',
      { TableName: 'Music', GlobalSecondaryIndexUpdates: [] },
      'ValidationException',
      'One or more parameter values were invalid: GlobalSecondaryIndexUpdates is not supported by Tessera yet',
    ],
    [
      'streams',
      { TableName: 'Music', StreamSpecification: { StreamEnabled: true } },
      'ValidationException',
      'One or more parameter values were invalid: StreamSpecification is not supported by Tessera yet',
    ],
    [
      'PPR with throughput',
      {
        TableName: 'Music',
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      },
      'ValidationException',
      'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
    ],
    [
      'PROVISIONED without throughput',
      { TableName: 'Music', BillingMode: 'PROVISIONED' },
      'ValidationException',
      'One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED',
    ],
    [
      'out of bounds',
      {
        TableName: 'Music',
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 1e13, WriteCapacityUnits: 1 },
      },
      'ValidationException',
      'Given value 10000000000000 for ReadCapacityUnits is out of bounds',
    ],
  ];
  for (const [name, input, code, message] of failures) {
    test(`refuses ${name}`, () => {
      const error = applyFail(
        provisioned(),
        { type: 'update-table', input: input as never, nowMs: 1 },
        context,
      );
      assert.deepEqual(error, { code, message });
    });
  }

  test('a CREATING table is in use', () => {
    const creating = applyOk(
      base(),
      { type: 'create-table', tableId: 't', input: tableInput('Music'), nowMs: 1 },
      context,
    ).state;
    const error = applyFail(
      creating,
      {
        type: 'update-table',
        input: { TableName: 'Music', BillingMode: 'PAY_PER_REQUEST' },
        nowMs: 2,
      },
      context,
    );
    assert.deepEqual(error, {
      code: 'ResourceInUseException',
      message: 'Attempt to change a resource which is still in use: Table is being created: Music',
    });
  });
});

describe('delete-table and drop-table', () => {
  test('DELETING keeps the name until the data is dropped', () => {
    const state = withActiveTable(base(), context, 'Music');
    const deleting = applyOk(
      state,
      { type: 'delete-table', tableName: 'Music', nowMs: 5 },
      context,
    );
    assert.equal(deleting.value.status, 'DELETING');
    const again = applyFail(
      deleting.state,
      { type: 'delete-table', tableName: 'Music', nowMs: 6 },
      context,
    );
    assert.equal(
      again.message,
      'Attempt to change a resource which is still in use: Table is being deleted: Music',
    );
    const recreate = applyFail(
      deleting.state,
      { type: 'create-table', tableId: 'new', input: tableInput('Music'), nowMs: 6 },
      context,
    );
    assert.equal(recreate.code, 'ResourceInUseException');
    const dropped = applyOk(
      deleting.state,
      { type: 'drop-table', tableId: 'id-Music', nowMs: 7 },
      context,
    );
    assert.equal(dropped.value.length, 4);
    assert.deepEqual(Object.keys(dropped.state.partitions), []);
    assert.equal(describeTableByName(dropped.state, 'Music', arn).ok, false);
    applyOk(
      dropped.state,
      { type: 'create-table', tableId: 'new', input: tableInput('Music'), nowMs: 8 },
      context,
    );
  });

  test('deleting a CREATING or missing table fails as DynamoDB does', () => {
    const creating = applyOk(
      base(),
      { type: 'create-table', tableId: 't', input: tableInput('Music'), nowMs: 1 },
      context,
    ).state;
    assert.equal(
      applyFail(creating, { type: 'delete-table', tableName: 'Music', nowMs: 2 }, context).message,
      'Attempt to change a resource which is still in use: Table is being created: Music',
    );
    assert.deepEqual(
      applyFail(creating, { type: 'delete-table', tableName: 'Nope', nowMs: 2 }, context),
      {
        code: 'ResourceNotFoundException',
        message: 'Requested resource not found: Table: Nope not found',
      },
    );
    assert.equal(
      applyFail(creating, { type: 'drop-table', tableId: 't', nowMs: 2 }, context).code,
      'ResourceInUseException',
    );
  });
});
