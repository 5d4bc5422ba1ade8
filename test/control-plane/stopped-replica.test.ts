// A replica stopped by a corrupted log record is replaced: four storage nodes, a one-partition
// table written through the router; one node holding the partition is SIGKILLed, a byte inside
// one of its log records is flipped on disk, and it restarts. Its replica stops (the node serves
// on); the control plane, seeing it reported stopped, moves that replica to the spare node
// (learner, catch-up, promotion, removal), then drops the stopped leftover as a stray. At the
// end the storage nodes host exactly what the map says, three copies, and every item reads back.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { after, describe, it } from 'node:test';
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
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

const ITEMS = 12;
const marker = 'corrupt-me-0123456789abcdef';

describe('a stopped replica', () => {
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

  it('is replaced on another node and dropped where it stopped; nothing is lost', async () => {
    const [port = 0] = await freePorts(1);
    control = await startReplica(
      'control-1',
      join(directory, 'control'),
      port,
      [],
      [...FAST_CONTROL_ARGS, '--initial-partitions=1'],
    );
    processes.push(control.process);
    const leader = await findLeader([control]);
    const nodes: StorageNode[] = await startStorageNodes(
      directory,
      ['s1', 's2', 's3', 's4'],
      control.address,
      processes,
    );
    await pollUntil(
      async () => {
        const status = await leader.admin.getClusterStatus({});
        return status.nodes.filter((n) => n.state === NODE_STATE.up).length === 4
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'four storage nodes up' },
    );
    const router = await startRouter(control.address);
    processes.push(router.process);
    client = router.client;
    const sdk = client;
    await sdk.send(
      new CreateTableCommand({
        TableName: 'Music',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await pollUntil(
      async () => {
        const described = await sdk.send(new DescribeTableCommand({ TableName: 'Music' }));
        return described.Table?.TableStatus === 'ACTIVE' ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'Music ACTIVE' },
    );
    for (let i = 0; i < ITEMS; i++) {
      const value = i === 5 ? marker : `value-${i}`;
      await sdk.send(
        new PutItemCommand({
          TableName: 'Music',
          Item: { id: { S: `item-${i}` }, v: { S: value } },
        }),
      );
    }
    const placement = await mapPlacement(control.address);
    const [partitionId, holders] = [...placement.entries()][0] ?? ['', []];
    const victim = nodes.find((n) => holders.includes(n.nodeId));
    assert.ok(victim !== undefined && holders.length === 3);
    // The write is acknowledged once a quorum holds it: wait until the victim does too.
    await pollUntil(
      async () => {
        const wal = join(directory, victim.nodeId, 'wal');
        for (const name of await readdir(wal)) {
          if ((await readFile(join(wal, name))).includes(marker)) return true;
        }
        return undefined;
      },
      {
        timeoutMs: 10_000,
        intervalMs: 100,
        description: `the marked entry in ${victim.nodeId}'s log`,
      },
    );
    victim.process.signal('SIGKILL');
    await victim.process.exited;
    const wal = join(directory, victim.nodeId, 'wal');
    let flipped = false;
    for (const name of (await readdir(wal)).sort()) {
      const bytes = await readFile(join(wal, name));
      const at = bytes.indexOf(marker);
      if (at < 0) continue;
      bytes[at + 5] = bytes[at + 5]! ^ 0x20;
      await writeFile(join(wal, name), bytes);
      flipped = true;
      break;
    }
    assert.ok(flipped);
    const [restarted] = await startStorageNodes(
      directory,
      [victim.nodeId],
      control.address,
      processes,
    );
    assert.ok(restarted !== undefined);
    nodes[nodes.indexOf(victim)] = restarted;

    let seen = '';
    await pollUntil(
      async () => {
        const real = showPlacement(await storagePlacement(nodes));
        const mapped = showPlacement(await mapPlacement(control?.address ?? ''));
        seen = `nodes host ${real}; the map says ${mapped}`;
        const status = await leader.admin.getClusterStatus({});
        return real === mapped &&
          !mapped.includes(victim.nodeId) &&
          status.moves.length === 0 &&
          status.underReplicatedPartitions === 0
          ? true
          : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: `${partitionId} rebuilt off ${victim.nodeId}`,
      },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${seen}`);
    });
    for (let i = 0; i < ITEMS; i++) {
      const got = await sdk.send(
        new GetItemCommand({
          TableName: 'Music',
          Key: { id: { S: `item-${i}` } },
          ConsistentRead: true,
        }),
      );
      assert.equal(got.Item?.['v']?.S, i === 5 ? marker : `value-${i}`, `item-${i}`);
    }
  });
});
