// A storage node dies for good: the control plane (RF 3, short down and grace periods) with four
// real storage-node processes and the router; a table is ACTIVE with items written through the
// router; one node holding replicas is SIGKILLed. After the grace period its replicas are
// re-created on the three others (no under-replicated partition, the dead node holds none) and
// every item written before is still readable, strongly consistent, through the router.
//
// This test found three bugs, all fixed: the control plane's add-learner step never created the
// learner replica on the target node; the storage host counted a learner that had acknowledged
// nothing as caught up, so an empty voter was promoted; and the control plane bumped a
// partition's epoch on every replica change while the storage node counts splits only, so after
// a move the router addressed replicas with an epoch "from the future" and every request was
// refused as unavailable until its deadline (InternalServerError through the router).
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
  createActiveTable,
  startRouter,
  startStorageNodes,
  waitForNodesUp,
} from './storage-cluster.js';

const ITEMS = 30;
const NODE_DOWN = 4;

/** The parts of a cluster status a failure message needs. */
function describeStatus(status: {
  underReplicatedPartitions: number;
  leaderlessPartitions: number;
  moves: readonly { partitionId: string; fromNodeId: string; toNodeId: string; step: string }[];
  nodes: readonly { nodeId: string; state: number; replicaCount: number }[];
}): string {
  const nodes = status.nodes.map((n) => `${n.nodeId}:state=${n.state},replicas=${n.replicaCount}`);
  return `under-replicated=${status.underReplicatedPartitions} leaderless=${status.leaderlessPartitions} moves=[${status.moves.map((m) => `${m.partitionId}:${m.fromNodeId}->${m.toNodeId}@${m.step}`).join(' ')}] ${nodes.join(' ')}`;
}

describe('storage-node death', () => {
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

  it('re-creates a dead node’s replicas on the others and keeps every item', async () => {
    const ports = await freePorts(1);
    control = await startReplica(
      'control-1',
      join(directory, 'control'),
      ports[0] ?? 0,
      [],
      [
        '--reconcile-every-ticks=5',
        '--replication-factor=3',
        '--heartbeat-interval-ms=200',
        '--suspect-after-ms=700',
        '--down-after-ms=1500',
        '--replace-grace-ms=1500',
      ],
    );
    processes.push(control.process);
    const leader = await findLeader([control]);
    const started = await startStorageNodes(
      directory,
      ['s1', 's2', 's3', 's4'],
      control.address,
      processes,
    );
    const nodes = new Map(started.map((node) => [node.nodeId, node.process]));
    await waitForNodesUp(leader, 4);
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
    const before = await pollUntil(
      async () => {
        const now = await leader.admin.getClusterStatus({});
        return now.moves.length === 0 && now.leaderlessPartitions === 0 ? now : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, description: 'a settled cluster before the kill' },
    );
    assert.equal(before.underReplicatedPartitions, 0);
    const victim = [...before.nodes].sort((a, b) => b.replicaCount - a.replicaCount)[0];
    assert.ok(victim !== undefined && victim.replicaCount > 0);
    nodes.get(victim.nodeId)?.signal('SIGKILL');
    let seen = '';
    const final = await pollUntil(
      async () => {
        const now = await leader.admin.getClusterStatus({});
        seen = describeStatus(now);
        const dead = now.nodes.find((n) => n.nodeId === victim.nodeId);
        return dead?.state === NODE_DOWN &&
          dead.replicaCount === 0 &&
          now.underReplicatedPartitions === 0 &&
          now.leaderlessPartitions === 0 &&
          now.moves.length === 0
          ? now
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: `${victim.nodeId}'s replicas re-created` },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last status: ${seen}`);
    });
    const survivors = final.nodes.filter((n) => n.nodeId !== victim.nodeId);
    assert.equal(
      survivors.reduce((sum, n) => sum + n.replicaCount, 0),
      before.nodes.reduce((sum, n) => sum + n.replicaCount, 0),
    );
    for (let i = 0; i < ITEMS; i++) {
      const got = await pollUntil(
        async () =>
          (
            await sdk.send(
              new GetItemCommand({
                TableName: 'Music',
                Key: { id: { S: `item-${i}` } },
                ConsistentRead: true,
              }),
            )
          ).Item,
        { timeoutMs: 10_000, intervalMs: 100, description: `GetItem item-${i}` },
      );
      assert.equal(got['n']?.N, String(i));
    }
  });
});
