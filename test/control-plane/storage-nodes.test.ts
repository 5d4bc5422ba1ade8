// The control plane with four real storage-node processes: the nodes register and heartbeat, a
// new table's replicas are created on them through PartitionAdmin, their leaders report and the
// table turns ACTIVE; then draining the busiest node moves its replicas away (learner, catch-up,
// promotion, removal on the real nodes) and the empty node is decommissioned.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pollUntil } from '../helpers/poll.js';
import { startTypeScriptProcess, stopProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';
import {
  findLeader,
  freePorts,
  startReplica,
  tableRequest,
  temporaryDirectory,
} from './cluster.js';
import type { Replica } from './cluster.js';

describe('control plane with storage nodes', () => {
  const directory = temporaryDirectory();
  const processes: TestProcess[] = [];
  let control: Replica | undefined;
  after(async () => {
    control?.close();
    await Promise.all(processes.map(async (process) => stopProcess(process)));
    rmSync(directory, { recursive: true, force: true });
  });

  it('creates a table on the storage nodes, turns it ACTIVE from their reports, and drains a node', async () => {
    const ports = await freePorts(5);
    control = await startReplica(
      'control-1',
      join(directory, 'control'),
      ports[0] ?? 0,
      [],
      ['--reconcile-every-ticks=5'],
    );
    processes.push(control.process);
    await findLeader([control]);
    for (const i of [1, 2, 3, 4]) {
      const node = startTypeScriptProcess('services/storage-node/main.ts', [
        `--node-id=s${i}`,
        `--data-dir=${join(directory, `s${i}`)}`,
        `--grpc-port=${ports[i] ?? 0}`,
        '--admin-port=0',
        `--control-plane-address=${control.address}`,
      ]);
      processes.push(node);
    }
    const leader = control;
    await pollUntil(
      async () => {
        const status = await leader.admin.getClusterStatus({});
        return status.nodes.filter((n) => n.state === 2).length === 4 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'four storage nodes up' },
    );
    const created = await leader.catalog.createTable(tableRequest('Music'));
    assert.equal(created.response?.tableDescription?.tableStatus, 'CREATING');
    await pollUntil(
      async () => {
        const described = await leader.catalog.describeTable({ request: { tableName: 'Music' } });
        return described.response?.table?.tableStatus === 'ACTIVE' ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'Music ACTIVE' },
    );
    const status = await leader.admin.getClusterStatus({});
    assert.equal(status.leaderlessPartitions, 0);
    assert.equal(status.underReplicatedPartitions, 0);
    assert.equal(
      status.nodes.reduce((sum, n) => sum + n.replicaCount, 0),
      6,
    );
    // Drain the busiest node: its replicas move to the others through learner, promotion and
    // removal on the real storage nodes, then the empty node is decommissioned.
    const busiest = [...status.nodes].sort((a, b) => b.replicaCount - a.replicaCount)[0];
    assert.ok(busiest !== undefined && busiest.replicaCount > 0);
    const drained = await leader.admin.drainNode({ nodeId: busiest.nodeId });
    assert.equal(drained.error, undefined);
    const final = await pollUntil(
      async () => {
        const now = await leader.admin.getClusterStatus({});
        const node = now.nodes.find((n) => n.nodeId === busiest.nodeId);
        return node?.state === 6 && now.moves.length === 0 ? now : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: `${busiest.nodeId} drained` },
    );
    assert.equal(final.underReplicatedPartitions, 0);
    assert.equal(final.nodes.find((n) => n.nodeId === busiest.nodeId)?.replicaCount, 0);
    // Leadership transfers on the real nodes spread the two leaders over two nodes.
    await pollUntil(
      async () => {
        const now = await leader.admin.getClusterStatus({});
        const counts = now.nodes.filter((n) => n.state === 2).map((n) => n.leaderCount);
        return Math.max(...counts) - Math.min(...counts) <= 1 && Math.max(...counts) === 1
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'leaders spread over the nodes' },
    );
  });
});
