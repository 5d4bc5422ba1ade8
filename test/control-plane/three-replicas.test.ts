// Three control-plane processes: tables created through the leader, the leader killed (SIGKILL),
// the other two elect a new leader that still has every table and node, keeps serving writes,
// and the killed replica catches up when it comes back.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GrpcError } from '../../lib/grpc/index.js';
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
import { LEADER_ID_TRAILER } from '../../services/control-plane/server/context.js';

describe('three control-plane replicas', () => {
  const directory = temporaryDirectory();
  const started: Replica[] = [];
  after(async () => {
    for (const replica of started) {
      replica.close();
      await stopProcess(replica.process);
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('survive the loss of the leader with nothing lost', async () => {
    const ids = ['control-1', 'control-2', 'control-3'];
    const ports = await freePorts(3);
    const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i] ?? 0}`);
    const replicas = await Promise.all(
      ids.map(async (id, i) => startReplica(id, join(directory, id), ports[i] ?? 0, peers)),
    );
    started.push(...replicas);
    const leader = await findLeader(replicas);
    const follower = replicas.find((r) => r !== leader);
    assert.ok(follower);
    await assert.rejects(follower.catalog.listTables({ request: {} }), (error: GrpcError) => {
      assert.equal(error.codeName, 'UNAVAILABLE');
      assert.deepEqual(error.metadata.get(LEADER_ID_TRAILER), [leader.id]);
      return true;
    });
    await bringNodesUp(leader, ['s1', 's2', 's3']);
    for (const name of ['Alpha', 'Beta'])
      assert.equal((await leader.catalog.createTable(tableRequest(name))).error, undefined);

    leader.process.signal('SIGKILL');
    await leader.process.exited;
    const survivors = replicas.filter((r) => r !== leader);
    const next = await findLeader(survivors);
    assert.notEqual(next.id, leader.id);
    const listed = await next.catalog.listTables({ request: {} });
    assert.deepEqual(listed.response?.tableNames, ['Alpha', 'Beta']);
    const status = await next.admin.getClusterStatus({});
    assert.deepEqual(
      status.nodes.map((n) => n.nodeId),
      ['s1', 's2', 's3'],
    );
    // The new leader has no heartbeats yet; it must not have declared the nodes down.
    assert.ok(status.nodes.every((n) => n.state === 2 || n.state === 3));
    await bringNodesUp(next, ['s1', 's2', 's3']);
    assert.equal((await next.catalog.createTable(tableRequest('Gamma'))).error, undefined);

    const index = replicas.indexOf(leader);
    const back = await startReplica(
      leader.id,
      join(directory, leader.id),
      ports[index] ?? 0,
      peers,
    );
    started.push(back);
    // The restarted replica follows; kill the current leader and the restarted one must have it all.
    await pollUntil(
      async () => {
        try {
          await back.catalog.listTables({ request: {} });
          return undefined;
        } catch (error) {
          return error instanceof GrpcError && error.metadata.get(LEADER_ID_TRAILER)[0] === next.id
            ? true
            : undefined;
        }
      },
      { timeoutMs: 20_000, description: 'the restarted replica follows the new leader' },
    );
    const tablesAfter = await next.catalog.listTables({ request: {} });
    assert.deepEqual(tablesAfter.response?.tableNames, ['Alpha', 'Beta', 'Gamma']);
    next.process.signal('SIGKILL');
    await next.process.exited;
    const third = await findLeader([back, ...survivors.filter((r) => r !== next)]);
    const finalTables = await third.catalog.listTables({ request: {} });
    assert.deepEqual(finalTables.response?.tableNames, ['Alpha', 'Beta', 'Gamma']);
  });
});
