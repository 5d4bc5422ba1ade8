// Three control-plane replicas running a real cluster (three storage nodes and a router that know
// every replica's address): the control-plane leader is SIGKILLed while clients write through
// the router. Writes and reads keep working (the data path does not need the control plane), the
// storage nodes follow the new leader (they stay up: their heartbeats reach it), the router
// follows it for the catalog (a new table can be created and used), and nothing acknowledged is
// lost.
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
} from './storage-cluster.js';

describe('three control-plane replicas with a cluster to run', () => {
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

  it('keeps serving through the loss of the control-plane leader', async () => {
    const ids = ['control-1', 'control-2', 'control-3'];
    const ports = await freePorts(3);
    const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i] ?? 0}`);
    replicas.push(
      ...(await Promise.all(
        ids.map(async (id, i) =>
          startReplica(id, join(directory, id), ports[i] ?? 0, peers, [
            ...FAST_CONTROL_ARGS,
            '--initial-partitions=2',
          ]),
        ),
      )),
    );
    processes.push(...replicas.map((r) => r.process));
    const addresses = replicas.map((r) => r.address).join(',');
    const leader = await findLeader(replicas);
    await startStorageNodes(directory, ['s1', 's2', 's3'], addresses, processes);
    let seen = '';
    const upOn = async (replica: Replica): Promise<number> => {
      const status = await replica.admin.getClusterStatus({});
      seen = status.nodes.map((n) => `${n.nodeId}:${n.state}`).join(' ');
      return status.nodes.filter((n) => n.state === NODE_STATE.up).length;
    };
    await pollUntil(async () => ((await upOn(leader)) === 3 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      get description() {
        return `three storage nodes up (last seen: ${seen})`;
      },
    });
    const router = await startRouter(addresses);
    processes.push(router.process);
    client = router.client;
    const sdk = client;
    await createActiveTable(sdk, 'Before');

    const acknowledged: string[] = [];
    const put = async (table: string, id: string): Promise<void> => {
      await sdk.send(new PutItemCommand({ TableName: table, Item: { id: { S: id } } }));
      acknowledged.push(`${table}/${id}`);
    };
    for (let i = 0; i < 10; i++) await put('Before', `a-${i}`);
    leader.process.signal('SIGKILL');
    // The data path does not wait for the control plane: writes go on while it elects.
    for (let i = 0; i < 10; i++) await put('Before', `b-${i}`);
    const survivors = replicas.filter((r) => r !== leader);
    const next = await findLeader(survivors);
    assert.notEqual(next.id, leader.id);
    // The storage nodes' heartbeats reach the new leader: all three are (and stay) up there,
    // past the point where silence would have made them suspect.
    await pollUntil(async () => ((await upOn(next)) === 3 ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 200,
      get description() {
        return `three storage nodes up on the new leader (last seen: ${seen})`;
      },
    });
    // And they keep heartbeating to it: every node's last heartbeat moves on, twice.
    const heartbeats = async (): Promise<Map<string, bigint>> =>
      new Map(
        (await next.admin.getClusterStatus({})).nodes.map((n) => [n.nodeId, n.lastHeartbeatMs]),
      );
    for (let round = 0; round < 2; round++) {
      const seen = await heartbeats();
      await pollUntil(
        async () => {
          const now = await heartbeats();
          return [...seen].every(([id, ms]) => (now.get(id) ?? 0n) > ms) ? true : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 100, description: 'fresh heartbeats on the new leader' },
      );
    }
    assert.equal(await upOn(next), 3, 'a node went quiet after the election');
    // The router follows the new leader for the catalog: a new table is created and used.
    await createActiveTable(sdk, 'After');
    for (let i = 0; i < 10; i++) await put('After', `c-${i}`);
    for (const entry of acknowledged) {
      const [table = '', id = ''] = entry.split('/');
      const got = await sdk.send(
        new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }),
      );
      assert.equal(got.Item?.['id']?.S, id, `${entry} lost`);
    }
    assert.equal(acknowledged.length, 30);
  });
});
