// `npm start`'s cluster, as a user meets it: the launcher starts a control plane, three
// storage nodes (RF=3) and a router as separate processes; the AWS SDK runs a single-table
// social-media design against it; SIGTERM stops every process; a restart on the same data
// folder still has the data.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { runCli } from '../../services/cli/main.js';
import { pollUntil } from '../helpers/poll.js';
import { findFreePortBlock } from '../helpers/ports.js';
import { startTypeScriptProcess, stopProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Launched {
  readonly launcher: TestProcess;
  readonly pids: Record<string, number>;
}

async function launch(dataDir: string, base: number): Promise<Launched> {
  const launcher = startTypeScriptProcess('services/local/main.ts', [
    `--data-dir=${dataDir}`,
    `--http-port=${base}`,
    `--grpc-port=${base + 1}`,
    `--control-port=${base + 2}`,
    `--storage-port=${base + 3}`,
    `--admin-port=${base + 6}`,
  ]);
  cleanups.push(() => stopProcess(launcher, 30_000));
  const line = await launcher.waitForLine((text) => text.includes('processes: '), 120_000);
  const pids = JSON.parse(line.slice(line.indexOf('processes: ') + 'processes: '.length)) as Record<
    string,
    number
  >;
  return { launcher, pids };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the AWS CLI against the cluster; resolves its parsed JSON output. */
function aws(base: number, args: readonly string[]): unknown {
  const output = execFileSync(
    'aws',
    ['dynamodb', ...args, '--endpoint-url', `http://127.0.0.1:${base}`, '--output', 'json'],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return output.trim() === '' ? {} : JSON.parse(output);
}

function awsCliAvailable(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The AWS CLI creates a table, puts, gets and queries. CI installs the CLI and sets
 * TESSERA_REQUIRE_AWS_CLI=1, so there a missing CLI fails the test instead of skipping it.
 */
async function awsCliRoundTrip(t: TestContext, base: number): Promise<void> {
  if (!awsCliAvailable()) {
    assert.notEqual(process.env.TESSERA_REQUIRE_AWS_CLI, '1', 'the aws command is not installed');
    t.diagnostic('aws CLI not installed: its round trip was not run');
    return;
  }
  aws(base, [
    'create-table',
    '--table-name',
    'CliTable',
    '--attribute-definitions',
    'AttributeName=id,AttributeType=S',
    '--key-schema',
    'AttributeName=id,KeyType=HASH',
    '--billing-mode',
    'PAY_PER_REQUEST',
  ]);
  await pollUntil(
    () =>
      (
        aws(base, ['describe-table', '--table-name', 'CliTable']) as {
          Table: { TableStatus: string };
        }
      ).Table.TableStatus === 'ACTIVE'
        ? true
        : undefined,
    { timeoutMs: 60_000, intervalMs: 300, description: 'CliTable to become ACTIVE' },
  );
  aws(base, [
    'put-item',
    '--table-name',
    'CliTable',
    '--item',
    '{"id":{"S":"cli-1"},"v":{"N":"42"}}',
  ]);
  const got = aws(base, [
    'get-item',
    '--table-name',
    'CliTable',
    '--key',
    '{"id":{"S":"cli-1"}}',
    '--consistent-read',
  ]) as {
    Item: { v: { N: string } };
  };
  assert.equal(got.Item.v.N, '42');
  const queried = aws(base, [
    'query',
    '--table-name',
    'CliTable',
    '--key-condition-expression',
    'id = :id',
    '--expression-attribute-values',
    '{":id":{"S":"cli-1"}}',
  ]) as { Count: number };
  assert.equal(queried.Count, 1);
}

test('npm start runs a cluster the AWS SDK uses, stops cleanly and keeps its data', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-local-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const base = await findFreePortBlock(12);
  const first = await launch(dataDir, base);
  assert.deepEqual(Object.keys(first.pids), [
    'control-plane',
    'storage-1',
    'storage-2',
    'storage-3',
    'router',
  ]);

  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${base}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  cleanups.push(async () => client.destroy());
  const documents = DynamoDBDocumentClient.from(client);
  await client.send(
    new CreateTableCommand({
      TableName: 'Social',
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await pollUntil(
    async () =>
      (await client.send(new DescribeTableCommand({ TableName: 'Social' }))).Table?.TableStatus ===
      'ACTIVE'
        ? true
        : undefined,
    { timeoutMs: 60_000, intervalMs: 200, description: 'table Social to become ACTIVE' },
  );

  // A profile, written once: the second conditional put must fail.
  const profile = { PK: 'USER#alice', SK: '#METADATA', name: 'Alice', tweets: 0 };
  await documents.send(
    new PutCommand({
      TableName: 'Social',
      Item: profile,
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  await assert.rejects(
    documents.send(
      new PutCommand({
        TableName: 'Social',
        Item: profile,
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    ),
    ConditionalCheckFailedException,
  );

  // 50 tweets in two batches of 25, and an atomic counter per tweet.
  const tweets = Array.from({ length: 50 }, (_, index) => ({
    PK: 'USER#alice',
    SK: `TWEET#2026-11-27T10:${String(index).padStart(2, '0')}:00Z#${index}`,
    text: `tweet ${index}`,
  }));
  for (const batch of [tweets.slice(0, 25), tweets.slice(25)]) {
    const answer = await documents.send(
      new BatchWriteCommand({
        RequestItems: { Social: batch.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    assert.deepEqual(answer.UnprocessedItems ?? {}, {});
  }
  for (let index = 0; index < 5; index++) {
    await client.send(
      new UpdateItemCommand({
        TableName: 'Social',
        Key: { PK: { S: 'USER#alice' }, SK: { S: '#METADATA' } },
        UpdateExpression: 'ADD tweets :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
  }

  // The timeline: newest first, 20 a page, every tweet exactly once across pages.
  const timeline: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 5; page++) {
    const answer = await documents.send(
      new QueryCommand({
        TableName: 'Social',
        KeyConditionExpression: 'PK = :user AND begins_with(SK, :tweet)',
        ExpressionAttributeValues: { ':user': 'USER#alice', ':tweet': 'TWEET#' },
        ScanIndexForward: false,
        Limit: 20,
        ExclusiveStartKey: startKey,
      }),
    );
    timeline.push(...(answer.Items ?? []).map((item) => String(item.SK)));
    startKey = answer.LastEvaluatedKey;
    if (startKey === undefined) break;
  }
  assert.deepEqual(timeline, tweets.map((tweet) => tweet.SK).reverse());

  // A parallel scan with 4 segments sees every item exactly once.
  const scanned: string[] = [];
  for (let segment = 0; segment < 4; segment++) {
    let start: Record<string, never> | undefined;
    do {
      const answer = await client.send(
        new ScanCommand({
          TableName: 'Social',
          Segment: segment,
          TotalSegments: 4,
          ExclusiveStartKey: start,
        }),
      );
      scanned.push(...(answer.Items ?? []).map((item) => `${item.PK?.S}/${item.SK?.S}`));
      start = answer.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start !== undefined);
  }
  assert.equal(scanned.length, 51);
  assert.equal(new Set(scanned).size, 51);

  await awsCliRoundTrip(t, base);

  // The CLI reads the same cluster from the control plane.
  const output: string[] = [];
  const status = await runCli(['status', `--control-plane=127.0.0.1:${base + 2}`], (text) =>
    output.push(text),
  );
  assert.equal(status, 0, output.join(''));
  assert.match(output.join(''), /storage nodes {3}3 \(3 up\)/);
  assert.match(output.join(''), /under-replicated/);

  // SIGTERM stops the launcher and every process it started.
  first.launcher.signal('SIGTERM');
  assert.equal((await first.launcher.exited).code, 0);
  for (const [name, pid] of Object.entries(first.pids))
    assert.ok(!alive(pid), `${name} (pid ${pid}) still runs`);

  // A restart on the same folder has the data, counter included.
  await launch(dataDir, base);
  const stored = await pollUntil(
    async () =>
      (
        await client.send(
          new GetItemCommand({
            TableName: 'Social',
            Key: { PK: { S: 'USER#alice' }, SK: { S: '#METADATA' } },
            ConsistentRead: true,
          }),
        )
      ).Item,
    { timeoutMs: 30_000, intervalMs: 200, description: 'the profile after the restart' },
  );
  assert.equal(stored.tweets?.N, '5');
  assert.equal(stored.name?.S, 'Alice');
});
