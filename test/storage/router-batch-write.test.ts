// BatchWriteItem end to end: the AWS SDK through the router process to a control plane (four
// partitions) and a storage node, all real processes on 127.0.0.1. The router groups the
// request's writes by partition and sends one storage BatchWrite per partition: 25 writes
// reach the storage node as at most four BatchWrite calls, every item is readable after, the
// capacity answer counts every write, and duplicates are refused with DynamoDB's message.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { pollUntil } from '../helpers/poll.js';
import {
  parseLogLine,
  startTypeScriptProcess,
  stopProcess,
  type TestProcess,
} from '../helpers/process.js';

const partitions = 4;
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

function startProcess(entry: string, args: readonly string[]): TestProcess {
  const child = startTypeScriptProcess(entry, args);
  closers.push(() => stopProcess(child));
  return child;
}

async function grpcPort(child: TestProcess): Promise<number> {
  const line = await child.waitForLine((text) => text.includes('"listening"'), 30_000);
  return parseLogLine(line)?.['grpcPort'] as number;
}

/** Control plane (RF 1, four partitions), one storage node, the router; the SDK client. */
async function startCluster(): Promise<{ client: DynamoDBClient; storageAdminPort: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-batch-e2e-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  const control = startProcess('services/control-plane/main.ts', [
    '--grpc-port=0',
    '--admin-port=0',
    `--data-dir=${join(dataDir, 'control')}`,
    '--replication-factor=1',
    `--initial-partitions=${partitions}`,
  ]);
  const controlAddress = `127.0.0.1:${await grpcPort(control)}`;
  const storage = startProcess('services/storage-node/main.ts', [
    '--node-id=s1',
    '--grpc-port=0',
    '--admin-port=0',
    `--data-dir=${join(dataDir, 's1')}`,
    `--control-plane-address=${controlAddress}`,
  ]);
  await grpcPort(storage);
  const adminLine = await storage.waitForLine(
    (line) => line.includes('"admin server listening"'),
    10_000,
  );
  const storageAdminPort = parseLogLine(adminLine)?.['adminPort'] as number;
  const router = startProcess('services/router/main.ts', [
    '--http-port=0',
    '--grpc-port=0',
    '--admin-port=0',
    `--control-plane-address=${controlAddress}`,
  ]);
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
  return { client, storageAdminPort };
}

/** The storage node's count of answered BatchWrite calls (its Prometheus counter). */
async function batchWriteCalls(adminPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`, {
    signal: AbortSignal.timeout(5_000),
  });
  let total = 0;
  for (const line of (await response.text()).split('\n')) {
    if (line.startsWith('tessera_storage_requests_total{') && line.includes('method="BatchWrite"'))
      total += Number(line.split(' ').at(-1));
  }
  return total;
}

test('BatchWriteItem through the router: one storage BatchWrite per partition', async () => {
  const { client, storageAdminPort } = await startCluster();
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
  // An item to delete in the batch; its PutItem must not count as a BatchWrite.
  await client.send(new PutItemCommand({ TableName: 'Music', Item: { id: { S: 'gone' } } }));
  const before = await batchWriteCalls(storageAdminPort);
  const ids = Array.from({ length: 24 }, (_, i) => `item-${i}`);
  const written = await client.send(
    new BatchWriteItemCommand({
      RequestItems: {
        Music: [
          ...ids.map((id) => ({ PutRequest: { Item: { id: { S: id }, n: { N: '7' } } } })),
          { DeleteRequest: { Key: { id: { S: 'gone' } } } },
        ],
      },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  assert.deepEqual(written.UnprocessedItems, {});
  assert.equal(written.ConsumedCapacity?.[0]?.CapacityUnits, 25, 'one unit per small write');
  const calls = (await batchWriteCalls(storageAdminPort)) - before;
  assert.ok(calls >= 2 && calls <= partitions, `${calls} BatchWrite calls for ${partitions}`);
  const read = await client.send(
    new BatchGetItemCommand({
      RequestItems: {
        Music: { Keys: [...ids, 'gone'].map((id) => ({ id: { S: id } })), ConsistentRead: true },
      },
    }),
  );
  assert.deepEqual(
    read.Responses?.['Music']?.map((item) => item['id']?.S).sort(),
    [...ids].sort(),
    'every put readable, the deleted item gone',
  );
  await assert.rejects(
    client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          Music: [
            { PutRequest: { Item: { id: { S: 'twice' } } } },
            { DeleteRequest: { Key: { id: { S: 'twice' } } } },
          ],
        },
      }),
    ),
    (error: Error) =>
      error.name === 'ValidationException' &&
      error.message === 'Provided list of item keys contains duplicates',
  );
});
