// The partition leader is SIGKILLed during a stream of AWS SDK writes through the router:
// clients see at most retryable errors, and every acknowledged write is readable afterwards.
// Real processes on 127.0.0.1: a control plane (RF=3, one partition), three storage nodes and
// the router.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PartitionMap } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { createClient, openChannel } from '../../lib/grpc/index.js';
import { pollUntil } from '../helpers/poll.js';
import { parseLogLine, startTypeScriptProcess, stopProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

function start(entry: string, args: readonly string[]): TestProcess {
  const child = startTypeScriptProcess(entry, [...args, '--admin-port=0']);
  closers.push(() => stopProcess(child));
  return child;
}

async function grpcPort(child: TestProcess): Promise<number> {
  const line = await child.waitForLine((text) => parseLogLine(text)?.msg === 'listening', 30_000);
  return parseLogLine(line)?.['grpcPort'] as number;
}

/** Whether the SDK classifies an error as one a client should retry. */
function retryable(error: unknown): boolean {
  const details = error as {
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    name?: string;
  };
  return (
    details.$retryable !== undefined ||
    (details.$metadata?.httpStatusCode ?? 0) >= 500 ||
    [
      'ThrottlingException',
      'ProvisionedThroughputExceededException',
      'RequestLimitExceeded',
    ].includes(details.name ?? '')
  );
}

test('killing the partition leader during SDK writes loses no acknowledged write', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-failover-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  const control = start('services/control-plane/main.ts', [
    '--grpc-port=0',
    `--data-dir=${join(dataDir, 'control')}`,
    '--replication-factor=3',
    '--initial-partitions=1',
  ]);
  const controlAddress = `127.0.0.1:${await grpcPort(control)}`;
  const nodes = new Map<string, TestProcess>();
  for (const id of ['s1', 's2', 's3']) {
    const node = start('services/storage-node/main.ts', [
      `--node-id=${id}`,
      '--grpc-port=0',
      `--data-dir=${join(dataDir, id)}`,
      `--control-plane-address=${controlAddress}`,
    ]);
    nodes.set(id, node);
    await grpcPort(node);
  }
  const router = start('services/router/main.ts', [
    '--http-port=0',
    '--grpc-port=0',
    `--control-plane-address=${controlAddress}`,
  ]);
  const ready = parseLogLine(
    await router.waitForLine((line) => line.includes('DynamoDB endpoint'), 30_000),
  );
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${ready?.['httpPort'] as number}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 10,
  });
  closers.push(async () => client.destroy());

  await pollUntil(
    async () =>
      (await client.send(
        new CreateTableCommand({
          TableName: 'Events',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      )) && true,
    { timeoutMs: 30_000, intervalMs: 200, description: 'CreateTable once three nodes are up' },
  );
  await pollUntil(
    async () =>
      (await client.send(new DescribeTableCommand({ TableName: 'Events' }))).Table?.TableStatus ===
      'ACTIVE'
        ? true
        : undefined,
    { timeoutMs: 60_000, intervalMs: 200, description: 'table ACTIVE' },
  );

  // The one partition's leader, from the control plane's map.
  const channel = openChannel(controlAddress);
  closers.push(async () => channel.close());
  const map = createClient(PartitionMap, channel);
  const leaderId = await pollUntil(
    async () => {
      const answer = await map.getPartitionMap({});
      const leader = answer.tables.find((table) => table.schema?.tableName === 'Events')
        ?.partitions[0]?.leaderNodeId;
      return leader !== undefined && leader !== '' ? leader : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'a leader in the partition map' },
  );
  const leader = nodes.get(leaderId);
  assert.ok(leader, `leader ${leaderId} is not one of the started nodes`);

  // Four writers; the leader dies after 40 acknowledged writes.
  const acknowledged: string[] = [];
  const clientErrors: unknown[] = [];
  let killed = false;
  const writer = async (writerId: number): Promise<void> => {
    for (let sequence = 0; sequence < 60; sequence++) {
      const id = `w${writerId}-${sequence}`;
      try {
        await client.send(
          new PutItemCommand({
            TableName: 'Events',
            Item: { id: { S: id }, n: { N: String(sequence) } },
          }),
        );
        acknowledged.push(id);
      } catch (error) {
        clientErrors.push(error);
      }
      if (!killed && acknowledged.length >= 40) {
        killed = true;
        leader.signal('SIGKILL');
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(writer));
  assert.ok(killed, 'the leader was never killed');
  assert.equal((await leader.exited).signal, 'SIGKILL');
  for (const error of clientErrors)
    assert.ok(retryable(error), `a non-retryable error reached the client: ${String(error)}`);
  t.diagnostic(
    `${acknowledged.length} writes acknowledged, ${clientErrors.length} failed with retryable errors`,
  );
  assert.ok(acknowledged.length > 40, 'no write was acknowledged after the leader died');

  for (const id of acknowledged) {
    const got = await client.send(
      new GetItemCommand({ TableName: 'Events', Key: { id: { S: id } }, ConsistentRead: true }),
    );
    assert.equal(got.Item?.id?.S, id, `acknowledged write ${id} is missing`);
  }
});
