// The control plane with real storage-node processes: the nodes register and heartbeat, a new
// table's replicas are created on them through PartitionAdmin, their leaders report, and the
// table turns ACTIVE with a leader for every partition in the map.
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

  it('creates a table on three storage nodes and turns it ACTIVE from their reports', async () => {
    const ports = await freePorts(4);
    control = await startReplica(
      'control-1',
      join(directory, 'control'),
      ports[0] ?? 0,
      [],
      ['--reconcile-every-ticks=5'],
    );
    processes.push(control.process);
    await findLeader([control]);
    for (const i of [1, 2, 3]) {
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
        return status.nodes.filter((n) => n.state === 2).length === 3 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'three storage nodes up' },
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
    assert.deepEqual(
      status.nodes.map((n) => n.replicaCount),
      [2, 2, 2],
    );
    const node = await leader.admin.getNode({ nodeId: 's1' });
    for (const partition of node.partitions) {
      assert.notEqual(partition.leaderNodeId, '');
      assert.equal(partition.replicas.length, 3);
    }
  });
});
