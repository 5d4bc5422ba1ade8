// A replica stopped by a corrupted log record is replaced: four storage nodes, a one-partition
// table written through the router; one node holding the partition is SIGKILLed, a byte inside
// one of its log records is flipped on disk, and it restarts. Its replica stops (the node serves
// on); the control plane, seeing it reported stopped, moves that replica to the spare node
// (learner, catch-up, promotion, removal), then drops the stopped leftover as a stray. At the
// end the storage nodes host exactly what the map says, three copies, and every item reads back.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { flipByteInLog, logHolds } from '../helpers/log-corruption.js';
import { pollUntil } from '../helpers/poll.js';
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
    await waitForNodesUp(leader, 4);
    const router = await startRouter(control.address);
    processes.push(router.process);
    client = router.client;
    const sdk = client;
    await createActiveTable(sdk, 'Music');
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
    const [, holders] = [...placement.entries()][0] ?? ['', []];
    const victim = nodes.find((n) => holders.includes(n.nodeId));
    assert.ok(victim !== undefined && holders.length === 3);
    // The write is acknowledged once a quorum holds it: wait until the victim does too.
    const wal = join(directory, victim.nodeId, 'wal');
    await pollUntil(async () => ((await logHolds(wal, marker)) ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
      description: `the marked entry in ${victim.nodeId}'s log`,
    });
    victim.process.signal('SIGKILL');
    await victim.process.exited;
    await flipByteInLog(wal, marker);
    const [restarted] = await startStorageNodes(
      directory,
      [victim.nodeId],
      control.address,
      processes,
    );
    assert.ok(restarted !== undefined);
    nodes[nodes.indexOf(victim)] = restarted;

    // Rebuilt off the victim, and its stopped leftover dropped there (a stopped copy would show
    // in the nodes' reports and keep the two sides apart).
    await waitForSamePlacement(
      nodes,
      control.address,
      (placement) => [...placement.values()].every((holders) => !holders.includes(victim.nodeId)),
      60_000,
    );
    const status = await leader.admin.getClusterStatus({});
    assert.deepEqual([status.moves.length, status.underReplicatedPartitions], [0, 0]);
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
