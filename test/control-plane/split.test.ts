// Splits with real processes: a control plane with a small split threshold, three storage nodes
// and a router. A table starts with one partition; writes through the router push it past the
// threshold while they keep coming; the control plane asks the partition's Raft group to split at
// its data's weighted median, records the split, and the router's map follows. Every write
// acknowledged before, during and after the split reads back, strongly consistent; a Scan
// (which fans out over the router's map) returns each item exactly once; and the storage nodes
// host exactly the partitions the map names.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pollUntil } from '../helpers/poll.js';
import { stopProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';
import { findLeader, freePorts, startReplica, temporaryDirectory } from './cluster.js';
import type { Replica } from './cluster.js';
import {
  FAST_CONTROL_ARGS,
  NODE_STATE,
  mapPlacement,
  showPlacement,
  startRouter,
  startStorageNodes,
  storagePlacement,
} from './storage-cluster.js';
import type { StorageNode } from './storage-cluster.js';

const ITEM_BYTES = 1_000;
const SPLIT_SIZE_BYTES = 24_000;
const WRITES_MAX = 400;

describe('partition splits', () => {
  const directory = temporaryDirectory();
  const processes: TestProcess[] = [];
  let control: Replica | undefined;
  let client: DynamoDBClient | undefined;
  after(async () => {
    client?.destroy();
    control?.close();
    const logs = process.env['TESSERA_TEST_LOGS'];
    if (logs !== undefined) {
      processes.forEach((p, i) => writeFileSync(join(logs, `${i}.log`), p.stdout.join('\n')));
    }
    await Promise.all(processes.map(async (process) => stopProcess(process)));
    rmSync(directory, { recursive: true, force: true });
  });

  it('splits a partition past the size threshold under writes, and every item stays readable', async () => {
    const ports = await freePorts(1);
    control = await startReplica(
      'control-1',
      join(directory, 'control'),
      ports[0] ?? 0,
      [],
      [
        ...FAST_CONTROL_ARGS,
        '--initial-partitions=1',
        `--split-size-bytes=${SPLIT_SIZE_BYTES}`,
        '--split-samples-min=4',
      ],
    );
    processes.push(control.process);
    const leader = await findLeader([control]);
    const nodes: StorageNode[] = await startStorageNodes(
      directory,
      ['s1', 's2', 's3'],
      control.address,
      processes,
      ['--size-report-interval-ms=300'],
    );
    await pollUntil(
      async () => {
        const status = await leader.admin.getClusterStatus({});
        return status.nodes.filter((n) => n.state === NODE_STATE.up).length === 3
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'three storage nodes up' },
    );
    const router = await startRouter(control.address);
    processes.push(router.process);
    client = router.client;
    const sdk = client;
    await sdk.send(
      new CreateTableCommand({
        TableName: 'Logs',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await pollUntil(
      async () => {
        const described = await sdk.send(new DescribeTableCommand({ TableName: 'Logs' }));
        return described.Table?.TableStatus === 'ACTIVE' ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'Logs ACTIVE' },
    );
    const partitionCount = async (): Promise<number> => (await mapPlacement(leader.address)).size;
    assert.equal(await partitionCount(), 1);

    // Write until the map shows the split, and on for a while after it: every write must be
    // acknowledged (the SDK's own retries included), before, during and after the split.
    const payload = 'x'.repeat(ITEM_BYTES);
    let written = 0;
    let writtenAtSplit = -1;
    while (written < WRITES_MAX && (writtenAtSplit < 0 || written < writtenAtSplit + 20)) {
      await sdk.send(
        new PutItemCommand({
          TableName: 'Logs',
          Item: {
            id: { S: `item-${written}` },
            n: { N: String(written) },
            payload: { S: payload },
          },
        }),
      );
      written += 1;
      if (writtenAtSplit < 0 && written % 10 === 0 && (await partitionCount()) > 1)
        writtenAtSplit = written;
    }
    assert.ok(writtenAtSplit > 0, `no split after ${written} writes of ${ITEM_BYTES} bytes`);
    assert.ok(
      writtenAtSplit * ITEM_BYTES > SPLIT_SIZE_BYTES,
      `split after only ${writtenAtSplit} items`,
    );

    // The storage nodes host exactly what the map says: each partition three times.
    let seen = '';
    const placement = await pollUntil(
      async () => {
        const real = await storagePlacement(nodes);
        const mapped = showPlacement(await mapPlacement(leader.address));
        seen = `nodes host ${showPlacement(real)}; the map says ${mapped}`;
        return showPlacement(real) === mapped ? real : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, description: 'storage nodes host what the map says' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${seen}`);
    });
    assert.ok(placement.size >= 2);
    for (const [partitionId, holders] of placement)
      assert.equal(holders.length, 3, `${partitionId} on ${holders.join(',')}`);

    for (let i = 0; i < written; i++) {
      const got = await sdk.send(
        new GetItemCommand({
          TableName: 'Logs',
          Key: { id: { S: `item-${i}` } },
          ConsistentRead: true,
          ProjectionExpression: 'n',
        }),
      );
      assert.equal(got.Item?.['n']?.N, String(i), `item-${i}`);
    }
    const ids: string[] = [];
    let start: Record<string, { S: string }> | undefined;
    for (let page = 0; page < 100; page++) {
      const scanned = await sdk.send(
        new ScanCommand({
          TableName: 'Logs',
          ProjectionExpression: 'id',
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of scanned.Items ?? []) ids.push(item['id']?.S ?? '');
      start = scanned.LastEvaluatedKey as Record<string, { S: string }> | undefined;
      if (start === undefined) break;
    }
    assert.equal(start, undefined, 'the scan ended');
    assert.equal(ids.length, written, 'each item exactly once');
    assert.equal(new Set(ids).size, written);

    // The table reports its size after the split (the figures follow the new partitions).
    const described = await sdk.send(new DescribeTableCommand({ TableName: 'Logs' }));
    assert.equal(described.Table?.TableStatus, 'ACTIVE');
  });
});
