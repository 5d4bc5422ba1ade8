// Splits with real processes: a control plane with a small split threshold, three storage nodes
// and a router. A table starts with one partition; writes through the router push it past the
// threshold while they keep coming; the control plane asks the partition's Raft group to split at
// its data's weighted median, records the split, and the router's map follows. Every write
// acknowledged before, during and after the split reads back, strongly consistent; a Scan
// (which fans out over the router's map) returns each item exactly once; and the storage nodes
// host exactly the partitions the map names.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { stopProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';
import { findLeader, freePorts, startReplica, temporaryDirectory } from './cluster.js';
import type { Replica } from './cluster.js';
import {
  FAST_CONTROL_ARGS,
  createActiveTable,
  mapPlacement,
  startRouter,
  startStorageNodes,
  waitForNodesUp,
  waitForSamePlacement,
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
    await waitForNodesUp(leader, 3);
    const router = await startRouter(control.address);
    processes.push(router.process);
    client = router.client;
    const sdk = client;
    await createActiveTable(sdk, 'Logs');
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
    const placement = await waitForSamePlacement(nodes, leader.address);
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
