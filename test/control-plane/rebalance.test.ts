// Rebalancing with real processes: a control plane, storage nodes and a router. A table with
// four partitions lives on three nodes; a fourth node joins and replicas and leaders spread onto
// it; then a node is drained to zero replicas. Throughout, every partition keeps three replicas
// (the move protocol adds before it removes, so none is ever under-replicated) and every item
// written before stays readable, strongly consistent, through the router. At the end the
// replicas the storage nodes REALLY host (their own reports) match the control plane's map.
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

const ITEMS = 24;
const PARTITIONS = 4;

describe('rebalancing on join and drain', () => {
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

  /** Reads every item back, strongly consistent; answers how many came back right. */
  async function readAll(sdk: DynamoDBClient): Promise<number> {
    let right = 0;
    for (let i = 0; i < ITEMS; i++) {
      const got = await sdk.send(
        new GetItemCommand({
          TableName: 'Music',
          Key: { id: { S: `item-${i}` } },
          ConsistentRead: true,
        }),
      );
      if (got.Item?.['n']?.N === String(i)) right += 1;
    }
    return right;
  }

  it('spreads replicas and leaders onto a new node, drains one, and never loses a copy', async () => {
    const ports = await freePorts(1);
    control = await startReplica(
      'control-1',
      join(directory, 'control'),
      ports[0] ?? 0,
      [],
      [...FAST_CONTROL_ARGS, `--initial-partitions=${PARTITIONS}`],
    );
    processes.push(control.process);
    const leader = await findLeader([control]);
    const nodes: StorageNode[] = await startStorageNodes(
      directory,
      ['s1', 's2', 's3'],
      control.address,
      processes,
    );
    await waitForNodesUp(leader, 3);
    const router = await startRouter(control.address);
    processes.push(router.process);
    client = router.client;
    const sdk = client;
    await createActiveTable(sdk, 'Music');
    for (let i = 0; i < ITEMS; i++) {
      const item = { id: { S: `item-${i}` }, n: { N: String(i) } };
      await pollUntil(
        async () =>
          (await sdk.send(new PutItemCommand({ TableName: 'Music', Item: item }))) && true,
        { timeoutMs: 10_000, intervalMs: 100, description: `PutItem item-${i}` },
      );
    }

    // A fourth node joins: moves bring it its share of replicas and a leader.
    nodes.push(...(await startStorageNodes(directory, ['s4'], control.address, processes)));
    let worstUnderReplicated = 0;
    let readsDuringMoves = 0;
    await pollUntil(
      async () => {
        const status = await leader.admin.getClusterStatus({});
        worstUnderReplicated = Math.max(worstUnderReplicated, status.underReplicatedPartitions);
        if (status.moves.length > 0 && readsDuringMoves < 3) {
          assert.equal(await readAll(sdk), ITEMS, 'every item readable while replicas move');
          readsDuringMoves += 1;
        }
        const s4 = status.nodes.find((n) => n.nodeId === 's4');
        return s4 !== undefined &&
          s4.replicaCount === (PARTITIONS * 3) / 4 &&
          s4.leaderCount >= 1 &&
          status.moves.length === 0
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'replicas and a leader on s4' },
    );
    assert.equal(worstUnderReplicated, 0, 'a partition was under-replicated during the join');
    assert.equal(await readAll(sdk), ITEMS);
    await waitForSamePlacement(nodes, control.address);

    // Drain s1: it ends with zero replicas, on the control plane AND on the node itself.
    assert.equal((await leader.admin.drainNode({ nodeId: 's1' })).error, undefined);
    await pollUntil(
      async () => {
        const status = await leader.admin.getClusterStatus({});
        worstUnderReplicated = Math.max(worstUnderReplicated, status.underReplicatedPartitions);
        const s1 = status.nodes.find((n) => n.nodeId === 's1');
        return s1?.state === NODE_STATE.decommissioned && status.moves.length === 0
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 's1 drained' },
    );
    assert.equal(worstUnderReplicated, 0, 'a partition was under-replicated during the drain');
    const real = await waitForSamePlacement(nodes, control.address);
    assert.equal(real.size, PARTITIONS);
    for (const [partitionId, holders] of real) {
      assert.equal(holders.length, 3, `${partitionId} on ${holders.join(',')}`);
      assert.ok(!holders.includes('s1'), `${partitionId} still on the drained node`);
    }
    assert.equal(await readAll(sdk), ITEMS);
  });
});
