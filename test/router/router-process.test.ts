// The router process with its default (control-plane) backend against TEST DOUBLES of the
// control plane and a storage node: not ready until the first partition map arrives, then
// ready; serves the AWS SDK; exports the map epoch and the storage call durations.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { pollUntil } from '../helpers/poll.js';
import { parseLogLine, startTypeScriptProcess, stopProcess } from '../helpers/process.js';
import { ControlPlaneDouble, ItemStore, StorageNodeDouble, tableMap } from './cluster-doubles.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

test('the router process routes to the cluster once the map arrives', async () => {
  // The control plane is down when the router starts: take a port, then free it.
  const absent = await ControlPlaneDouble.start();
  await absent.stop();
  const node = await StorageNodeDouble.start('n0', new ItemStore());
  closers.push(() => node.stop());
  const router = startTypeScriptProcess('services/router/main.ts', [
    '--http-port=0',
    '--grpc-port=0',
    '--admin-port=0',
    `--control-plane-address=${absent.address}`,
  ]);
  closers.push(() => stopProcess(router));
  const ready = parseLogLine(
    await router.waitForLine((line) => line.includes('DynamoDB endpoint'), 20_000),
  );
  const admin = parseLogLine(
    router.stdout.find((line) => line.includes('admin server listening')) ?? '',
  );
  const adminBase = `http://127.0.0.1:${admin?.['adminPort'] as number}`;
  // No map yet: listening, but not ready.
  assert.equal(await status(`${adminBase}/readyz`), 503);
  const control = await ControlPlaneDouble.start(Number(absent.address.split(':')[1]));
  closers.push(() => control.stop());
  control.publish(3n, [
    tableMap('Music', [
      {
        partitionId: 'p0',
        start: '',
        end: '',
        replicas: [{ nodeId: 'n0', address: node.address }],
        leaderNodeId: 'n0',
      },
    ]),
  ]);
  await pollUntil(async () => ((await status(`${adminBase}/readyz`)) === 200 ? true : undefined), {
    timeoutMs: 10_000,
    description: 'router ready',
  });
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${ready?.['httpPort'] as number}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
  closers.push(async () => client.destroy());
  await client.send(new PutItemCommand({ TableName: 'Music', Item: { id: { S: 'x' } } }));
  const got = await client.send(
    new GetItemCommand({ TableName: 'Music', Key: { id: { S: 'x' } } }),
  );
  assert.deepEqual(got.Item, { id: { S: 'x' } });
  const metrics = await (await fetch(`${adminBase}/metrics`)).text();
  assert.match(metrics, /^tessera_router_partition_map_epoch(\{[^}]*\})? 3$/m);
  assert.match(
    metrics,
    /tessera_router_storage_call_duration_seconds_count\{[^}]*method="PutItem"[^}]*\} 1/,
  );
  router.signal('SIGTERM');
  assert.equal((await router.exited).code, 0);
});
