// A control plane that dies in the middle of moving replicas: four storage nodes, a table of four
// partitions, a drain under way; the control-plane process is SIGKILLed while moves are in
// flight and restarted on its data directory. The moves it had begun are resumed (or rolled
// back) from its log, never left half-done: the drain completes, no partition is left
// under-replicated, the storage nodes host exactly what the map says, and every item reads back.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pollUntil } from '../helpers/poll.js';
import { stopProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';
import { findLeader, freePorts, startReplica, temporaryDirectory } from './cluster.js';
import type { Replica } from './cluster.js';
import {
  FAST_CONTROL_ARGS,
  NODE_STATE,
  createActiveTable,
  startRouter,
  startStorageNodes,
  waitForNodesUp,
  waitForSamePlacement,
} from './storage-cluster.js';
import type { StorageNode } from './storage-cluster.js';

const ITEMS = 20;
const CONTROL_ARGS = [...FAST_CONTROL_ARGS, '--initial-partitions=4'];

describe('control plane killed during moves', () => {
  const directory = temporaryDirectory();
  const processes: TestProcess[] = [];
  const replicas: Replica[] = [];
  let client: DynamoDBClient | undefined;
  after(async () => {
    client?.destroy();
    for (const replica of replicas) replica.close();
    await Promise.all(processes.map(async (process) => stopProcess(process)));
    rmSync(directory, { recursive: true, force: true });
  });

  it('resumes the moves it had begun after a restart, and loses nothing', async () => {
    const ports = await freePorts(1);
    const controlDirectory = join(directory, 'control');
    const first = await startReplica(
      'control-1',
      controlDirectory,
      ports[0] ?? 0,
      [],
      CONTROL_ARGS,
    );
    replicas.push(first);
    processes.push(first.process);
    const leader = await findLeader([first]);
    const nodes: StorageNode[] = await startStorageNodes(
      directory,
      ['s1', 's2', 's3', 's4'],
      first.address,
      processes,
    );
    await waitForNodesUp(leader, 4);
    const router = await startRouter(first.address);
    processes.push(router.process);
    client = router.client;
    const sdk = client;
    await createActiveTable(sdk, 'Music');
    for (let i = 0; i < ITEMS; i++) {
      await sdk.send(
        new PutItemCommand({
          TableName: 'Music',
          Item: { id: { S: `item-${i}` }, n: { N: String(i) } },
        }),
      );
    }
    // Drain the busiest node and kill the control plane as soon as moves are in flight.
    const settled = await leader.admin.getClusterStatus({});
    const busiest = [...settled.nodes].sort((a, b) => b.replicaCount - a.replicaCount)[0];
    assert.ok(busiest !== undefined && busiest.replicaCount >= 2);
    assert.equal((await leader.admin.drainNode({ nodeId: busiest.nodeId })).error, undefined);
    const inFlight = await pollUntil(
      async () => {
        const status = await leader.admin.getClusterStatus({});
        return status.moves.length > 0 ? status.moves.length : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20, description: 'moves in flight' },
    );
    assert.ok(inFlight > 0);
    first.process.signal('SIGKILL');
    await first.process.exited;
    first.close();

    const second = await startReplica(
      'control-1',
      controlDirectory,
      ports[0] ?? 0,
      [],
      CONTROL_ARGS,
    );
    replicas.push(second);
    processes.push(second.process);
    const restarted = await findLeader([second]);
    const drainedNow = await restarted.admin.getClusterStatus({});
    assert.ok(
      drainedNow.moves.length > 0 ||
        drainedNow.nodes.find((n) => n.nodeId === busiest.nodeId)?.replicaCount === 0,
      'the restarted control plane forgot the drain',
    );
    await pollUntil(
      async () => {
        const status = await restarted.admin.getClusterStatus({});
        const node = status.nodes.find((n) => n.nodeId === busiest.nodeId);
        return node?.state === NODE_STATE.decommissioned &&
          status.moves.length === 0 &&
          status.underReplicatedPartitions === 0
          ? true
          : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        description: `${busiest.nodeId} drained after restart`,
      },
    );
    const placement = await waitForSamePlacement(nodes, second.address, () => true, 30_000);
    assert.equal(placement.size, 4);
    for (const [partitionId, holders] of placement) {
      assert.equal(holders.length, 3, `${partitionId} on ${holders.join(',')}`);
      assert.ok(!holders.includes(busiest.nodeId), `${partitionId} still on the drained node`);
    }
    for (let i = 0; i < ITEMS; i++) {
      const got = await sdk.send(
        new GetItemCommand({
          TableName: 'Music',
          Key: { id: { S: `item-${i}` } },
          ConsistentRead: true,
        }),
      );
      assert.equal(got.Item?.['n']?.N, String(i), `item-${i}`);
    }
  });
});
