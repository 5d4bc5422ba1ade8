// A real control-plane process on a data directory: tables created, SIGTERM, restarted on the
// same directory — the catalog, the nodes and the partition map are all still there.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { pollUntil } from '../helpers/poll.js';
import { stopProcess } from '../helpers/process.js';
import {
  bringNodesUp,
  findLeader,
  freePorts,
  startReplica,
  tableRequest,
  temporaryDirectory,
} from './cluster.js';
import type { Replica } from './cluster.js';

describe('control-plane process restart', () => {
  const directory = temporaryDirectory();
  const started: Replica[] = [];
  after(async () => {
    for (const replica of started) {
      replica.close();
      await stopProcess(replica.process);
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps the catalog, the nodes and the map across SIGTERM and restart', async () => {
    const [port = 0] = await freePorts(1);
    const first = await startReplica('control-1', directory, port);
    started.push(first);
    await findLeader([first]);
    await bringNodesUp(first, ['s1', 's2', 's3']);
    for (const name of ['Orders', 'Users', 'Events']) {
      const created = await first.catalog.createTable(tableRequest(name));
      assert.equal(created.error, undefined);
    }
    // Simulated storage leaders report Orders' partitions: Orders turns ACTIVE (a logged change).
    const hosted = await first.admin.getNode({ nodeId: 's1' });
    const orders = hosted.partitions.filter((p) => p.tableName === 'Orders');
    assert.equal(orders.length, 2);
    await pollUntil(
      async () => {
        await first.membership.heartbeat({
          nodeId: 's1',
          reports: orders.map((p) => ({
            tableId: p.tableId,
            partitionId: p.partitionId,
            epoch: p.epoch,
            leader: true,
            term: 1n,
          })),
        });
        const described = await first.catalog.describeTable({ request: { tableName: 'Orders' } });
        return described.response?.table?.tableStatus === 'ACTIVE' ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, description: 'Orders ACTIVE' },
    );
    const before = await first.admin.getClusterStatus({});
    const describedBefore = await first.catalog.describeTable({ request: { tableName: 'Orders' } });

    first.process.signal('SIGTERM');
    const exit = await first.process.exited;
    assert.equal(exit.code, 0);
    first.close();

    const second = await startReplica('control-1', directory, port);
    started.push(second);
    await findLeader([second]);
    const listed = await second.catalog.listTables({ request: {} });
    assert.deepEqual(listed.response?.tableNames, ['Events', 'Orders', 'Users']);
    const describedAfter = await second.catalog.describeTable({ request: { tableName: 'Orders' } });
    assert.equal(describedAfter.response?.table?.tableId, describedBefore.response?.table?.tableId);
    assert.equal(describedAfter.response?.table?.tableStatus, 'ACTIVE');
    assert.equal(
      describedAfter.response?.table?.creationDateTime,
      describedBefore.response?.table?.creationDateTime,
    );
    const after = await second.admin.getClusterStatus({});
    assert.equal(after.partitionCount, before.partitionCount);
    assert.equal(after.tableCount, 3);
    assert.deepEqual(
      after.nodes.map((n) => n.nodeId),
      ['s1', 's2', 's3'],
    );
    assert.ok(after.epoch >= before.epoch);
  });
});
