// End to end: the AWS SDK through the router process (control-plane backend) to a real
// control-plane process and a real storage-node process on 127.0.0.1 — CreateTable, wait for
// ACTIVE, PutItem, GetItem (both consistencies), Scan, Query, UpdateItem, a failed condition,
// BatchWriteItem, BatchGetItem, DeleteItem.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { pollUntil } from '../helpers/poll.js';
import {
  parseLogLine,
  startTypeScriptProcess,
  stopProcess,
  type TestProcess,
} from '../helpers/process.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function start(entry: string, args: readonly string[]): Promise<[TestProcess, number]> {
  const child = startTypeScriptProcess(entry, [...args, '--admin-port=0']);
  closers.push(() => stopProcess(child));
  const line = await child.waitForLine((text) => text.includes('"listening"'), 30_000);
  return [child, parseLogLine(line)?.['grpcPort'] as number];
}

/** Starts a control plane (RF 1, two partitions), a storage node and the router. */
async function startCluster(): Promise<{ client: DynamoDBClient; router: TestProcess }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-router-e2e-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  const [, controlPort] = await start('services/control-plane/main.ts', [
    '--grpc-port=0',
    `--data-dir=${join(dataDir, 'control')}`,
    '--replication-factor=1',
    '--initial-partitions=2',
  ]);
  const control = `127.0.0.1:${controlPort}`;
  await start('services/storage-node/main.ts', [
    '--node-id=s1',
    '--grpc-port=0',
    `--data-dir=${join(dataDir, 's1')}`,
    `--control-plane-address=${control}`,
  ]);
  const router = startTypeScriptProcess('services/router/main.ts', [
    '--http-port=0',
    '--grpc-port=0',
    '--admin-port=0',
    `--control-plane-address=${control}`,
  ]);
  closers.push(() => stopProcess(router));
  const ready = parseLogLine(
    await router.waitForLine((line) => line.includes('DynamoDB endpoint'), 30_000),
  );
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${ready?.['httpPort'] as number}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
  closers.push(async () => client.destroy());
  return { client, router };
}

/** Creates the table `Music` once the storage node has registered, and waits for ACTIVE. */
async function createTable(client: DynamoDBClient): Promise<void> {
  await pollUntil(
    async () =>
      (await client.send(
        new CreateTableCommand({
          TableName: 'Music',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      )) && true,
    { timeoutMs: 20_000, intervalMs: 200, description: 'CreateTable (the node must register)' },
  );
  await pollUntil(
    async () => {
      const described = await client.send(new DescribeTableCommand({ TableName: 'Music' }));
      return described.Table?.TableStatus === 'ACTIVE' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'table ACTIVE' },
  );
}

/** A figure for the report, not an assertion: sequential strongly consistent reads. */
async function consistentReadLatency(client: DynamoDBClient): Promise<string> {
  const latenciesMs: number[] = [];
  for (let index = 0; index < 200; index += 1) {
    const started = performance.now();
    await client.send(
      new GetItemCommand({ TableName: 'Music', Key: { id: { S: 'a' } }, ConsistentRead: true }),
    );
    latenciesMs.push(performance.now() - started);
  }
  latenciesMs.sort((a, b) => a - b);
  const at = (quantile: number): string =>
    latenciesMs[Math.floor(quantile * (latenciesMs.length - 1))]!.toFixed(2);
  return `GetItem (consistent) via router, 200 sequential: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
}

test('the AWS SDK through the router to a control plane and a storage node', async (t) => {
  const { client, router } = await startCluster();
  await createTable(client);
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  await pollUntil(
    async () =>
      (await client.send(new PutItemCommand({ TableName: 'Music', Item: { id: { S: 'a' } } }))) &&
      true,
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      get description() {
        const warnings = router.stdout.filter((line) => line.includes('"level":"warn"'));
        return `the first write (map and leaders); router warnings: ${warnings.slice(-3).join(' | ')}`;
      },
    },
  );
  for (const id of keys) {
    await client.send(
      new PutItemCommand({ TableName: 'Music', Item: { id: { S: id }, n: { N: '1' } } }),
    );
  }
  for (const consistent of [true, false]) {
    const got = await client.send(
      new GetItemCommand({
        TableName: 'Music',
        Key: { id: { S: 'c' } },
        ConsistentRead: consistent,
      }),
    );
    assert.deepEqual(got.Item, { id: { S: 'c' }, n: { N: '1' } });
  }
  const scanned = await client.send(new ScanCommand({ TableName: 'Music', ConsistentRead: true }));
  assert.deepEqual(scanned.Items?.map((item) => item['id']?.S).sort(), keys);
  const queried = await client.send(
    new QueryCommand({
      TableName: 'Music',
      KeyConditionExpression: 'id = :id',
      ExpressionAttributeValues: { ':id': { S: 'd' } },
    }),
  );
  assert.deepEqual(queried.Items, [{ id: { S: 'd' }, n: { N: '1' } }]);
  const updated = await client.send(
    new UpdateItemCommand({
      TableName: 'Music',
      Key: { id: { S: 'e' } },
      UpdateExpression: 'SET n = n + :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'UPDATED_OLD',
    }),
  );
  assert.deepEqual(updated.Attributes, { n: { N: '1' } });
  await assert.rejects(
    client.send(
      new PutItemCommand({
        TableName: 'Music',
        Item: { id: { S: 'e' } },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    ),
    (error: Error) => error.name === 'ConditionalCheckFailedException',
  );
  await client.send(
    new BatchWriteItemCommand({
      RequestItems: { Music: [{ PutRequest: { Item: { id: { S: 'g' } } } }] },
    }),
  );
  const batch = await client.send(
    new BatchGetItemCommand({
      RequestItems: {
        Music: { Keys: [{ id: { S: 'e' } }, { id: { S: 'g' } }], ConsistentRead: true },
      },
    }),
  );
  assert.deepEqual(batch.Responses?.['Music']?.map((item) => item['id']?.S).sort(), ['e', 'g']);
  // Capacity counts the larger of the old and new item, for every write (DynamoDB's rule): a
  // 3 KB item shrunk to a few bytes costs 3 WCUs, and so does its PutItem over a 3 KB item.
  const big = { id: { S: 'h' }, payload: { S: 'x'.repeat(3_000) } };
  const firstPut = await client.send(
    new PutItemCommand({ TableName: 'Music', Item: big, ReturnConsumedCapacity: 'TOTAL' }),
  );
  assert.equal(firstPut.ConsumedCapacity?.CapacityUnits, 3);
  const shrunk = await client.send(
    new UpdateItemCommand({
      TableName: 'Music',
      Key: { id: { S: 'h' } },
      UpdateExpression: 'REMOVE payload',
      ReturnValues: 'ALL_NEW',
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  assert.deepEqual(shrunk.Attributes, { id: { S: 'h' } });
  assert.equal(shrunk.ConsumedCapacity?.CapacityUnits, 3, 'UpdateItem counts the old item');
  const grown = await client.send(
    new UpdateItemCommand({
      TableName: 'Music',
      Key: { id: { S: 'h' } },
      UpdateExpression: 'SET payload = :b',
      ExpressionAttributeValues: { ':b': { S: 'y'.repeat(2_500) } },
      ReturnValues: 'UPDATED_OLD',
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  assert.equal(grown.Attributes, undefined);
  assert.equal(grown.ConsumedCapacity?.CapacityUnits, 3, 'UpdateItem counts the new item');
  const overBig = await client.send(
    new PutItemCommand({
      TableName: 'Music',
      Item: { id: { S: 'h' } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  assert.equal(overBig.ConsumedCapacity?.CapacityUnits, 3, 'PutItem counts the item it replaced');
  const quiet = await client.send(
    new PutItemCommand({ TableName: 'Music', Item: { id: { S: 'h' } } }),
  );
  assert.equal(quiet.ConsumedCapacity, undefined);
  assert.equal(quiet.Attributes, undefined);
  // Scan pages share DynamoDB's 1 MB across partitions (two here) and keep ScannedCount within
  // Limit; walking them returns every item exactly once.
  const payload = 'p'.repeat(15_000);
  const bigIds: string[] = [];
  for (let i = 0; i < 150; i++) {
    bigIds.push(`big-${i}`);
    await client.send(
      new PutItemCommand({
        TableName: 'Music',
        Item: { id: { S: `big-${i}` }, payload: { S: payload } },
      }),
    );
  }
  for (const limit of [undefined, 7]) {
    const seen: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < 200; page++) {
      const scanned = await client.send(
        new ScanCommand({
          TableName: 'Music',
          ConsistentRead: true,
          ...(limit === undefined ? {} : { Limit: limit }),
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      const bytes = (scanned.Items ?? []).reduce(
        (sum, item) => sum + (item['payload']?.S?.length ?? 0),
        0,
      );
      assert.ok(bytes <= 1024 * 1024 + 16_000, `a page of ${bytes} bytes`);
      if (limit !== undefined) assert.ok((scanned.ScannedCount ?? 0) <= limit);
      seen.push(...(scanned.Items ?? []).map((item) => item['id']?.S ?? ''));
      start = scanned.LastEvaluatedKey;
      if (start === undefined) break;
    }
    assert.equal(start, undefined, 'the scan ended');
    const big = seen.filter((id) => id.startsWith('big-'));
    assert.equal(big.length, bigIds.length, `limit ${String(limit)}: every item once`);
    assert.equal(new Set(seen).size, seen.length, 'no item twice');
  }
  t.diagnostic(await consistentReadLatency(client));
  const deleted = await client.send(
    new DeleteItemCommand({ TableName: 'Music', Key: { id: { S: 'c' } }, ReturnValues: 'ALL_OLD' }),
  );
  assert.deepEqual(deleted.Attributes, { id: { S: 'c' }, n: { N: '1' } });
});
