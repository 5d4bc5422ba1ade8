// One DynamoDB request is one trace across processes: a control plane, a storage node and the
// router export spans over OTLP to a fake collector; a PutItem sent with a W3C `traceparent`
// yields the router's server span (child of the caller's span), the router's gRPC client span
// under it, and the storage node's server span under that — all with the caller's trace id.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { startOtlpCollector, type CollectedSpan } from '../helpers/otlp-collector.js';
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

const SERVER = 2;
const CLIENT = 3;

test('a request traced from the client through the router to the storage node', async () => {
  const collector = await startOtlpCollector();
  closers.push(() => collector.close());
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-tracing-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  const start = async (entry: string, args: readonly string[]): Promise<TestProcess> => {
    const child = startTypeScriptProcess(entry, [...args, '--admin-port=0'], env);
    closers.push(() => stopProcess(child));
    return child;
  };
  const control = await start('services/control-plane/main.ts', [
    '--grpc-port=0',
    `--data-dir=${join(dataDir, 'control')}`,
    '--replication-factor=1',
    '--initial-partitions=1',
  ]);
  const controlLine = await control.waitForLine((l) => l.includes('"listening"'), 30_000);
  const controlAddress = `127.0.0.1:${parseLogLine(controlLine)?.['grpcPort'] as number}`;
  await start('services/storage-node/main.ts', [
    '--node-id=s1',
    '--grpc-port=0',
    `--data-dir=${join(dataDir, 's1')}`,
    `--control-plane-address=${controlAddress}`,
  ]);
  const router = await start('services/router/main.ts', [
    '--http-port=0',
    '--grpc-port=0',
    `--control-plane-address=${controlAddress}`,
  ]);
  const ready = await router.waitForLine((l) => l.includes('DynamoDB endpoint'), 30_000);
  const endpoint = `http://127.0.0.1:${parseLogLine(ready)?.['httpPort'] as number}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  closers.push(async () => client.destroy());
  const table = {
    TableName: 'Traced',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
    BillingMode: 'PAY_PER_REQUEST' as const,
  };
  await pollUntil(async () => (await client.send(new CreateTableCommand(table))) && true, {
    timeoutMs: 20_000,
    intervalMs: 200,
    description: 'CreateTable (the node must register)',
  });
  await pollUntil(
    async () => {
      const described = await client.send(new DescribeTableCommand({ TableName: 'Traced' }));
      return described.Table?.TableStatus === 'ACTIVE' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'table ACTIVE' },
  );
  await pollUntil(
    async () =>
      (await client.send(new PutItemCommand({ TableName: 'Traced', Item: { id: { S: 'x' } } }))) &&
      true,
    { timeoutMs: 20_000, intervalMs: 200, description: 'a first write' },
  );

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpanId = '00f067aa0ba902b7';
  const answer = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.PutItem',
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    },
    body: JSON.stringify({ TableName: 'Traced', Item: { id: { S: 'traced' } } }),
  });
  assert.equal(answer.status, 200, await answer.text());

  let seen: CollectedSpan[] = [];
  const [routerSpan, clientSpan, storageSpan] = await pollUntil(
    () => {
      seen = collector.spans.filter((span) => span.traceId === traceId);
      const server = seen.find((s) => s.name === 'DynamoDB.PutItem' && s.kind === SERVER);
      const call = seen.find(
        (s) => s.kind === CLIENT && s.parentSpanId === server?.spanId && s.name.includes('PutItem'),
      );
      const storage = seen.find((s) => s.kind === SERVER && s.parentSpanId === call?.spanId);
      return Promise.resolve(
        server && call && storage ? ([server, call, storage] as const) : undefined,
      );
    },
    {
      timeoutMs: 20_000,
      intervalMs: 100,
      get description() {
        return `the request's spans; seen ${JSON.stringify(seen.map((s) => `${s.service}:${s.name}`))}`;
      },
    },
  );
  assert.equal(routerSpan.parentSpanId, callerSpanId, 'the router continues the caller’s trace');
  assert.equal(routerSpan.service, 'tessera-router');
  assert.equal(clientSpan.service, 'tessera-router');
  assert.equal(storageSpan.service, 'tessera-storage-node');
  assert.match(storageSpan.name, /Storage\/PutItem$/);
});
