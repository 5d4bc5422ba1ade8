// The multi-Raft host in one process: three (or four) hosts on in-memory engines and logs,
// connected by an in-process network, driven by explicit ticks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemToWire } from '../../../lib/dynamo/index.js';
import { evaluateGetItem, hashOfPartitionKey, type GetResponse } from '../commands/index.js';
import { createMemoryEngine } from '../engine/memory-engine.js';
import type { Engine } from '../engine/engine.js';
import {
  addLearner,
  caughtUp,
  dropReplica,
  dropTable,
  partitionReports,
  promoteLearner,
  removeReplica,
  splitPartition,
  transferLeadership,
} from './admin.js';
import { StorageHost, type CreateReplicaParams } from './host.js';
import { memoryLogProvider, type LogProvider } from './log-provider.js';
import { MemoryNetwork, settle, tickUntil } from './memory-network.js';
import { executeRead, executeWrite } from './operations.js';
import type { HostAnswer } from './routing.js';

interface Node {
  host: StorageHost;
  engine: Engine;
  logs: LogProvider;
}

async function startNode(
  network: MemoryNetwork,
  nodeId: string,
  seed: number,
  reuse?: Node,
): Promise<Node> {
  const engine = reuse?.engine ?? createMemoryEngine();
  const logs = reuse?.logs ?? memoryLogProvider();
  const host = await StorageHost.open({
    nodeId,
    engine,
    logs,
    sender: network.sender(nodeId),
    seed,
  });
  network.attach(host);
  return { host, engine, logs };
}

function partition(
  partitionId: string,
  nodeIds: readonly string[],
  learners: readonly string[] = [],
): CreateReplicaParams {
  return {
    tableId: 't1',
    tableName: 'Things',
    schema: { partitionKey: { name: 'id', type: 'S' } },
    partitionId,
    hashStart: new Uint8Array(16),
    hashEnd: undefined,
    epoch: 1,
    members: [
      ...nodeIds.map((nodeId) => ({ nodeId, address: `${nodeId}:1`, learner: false })),
      ...learners.map((nodeId) => ({ nodeId, address: `${nodeId}:1`, learner: true })),
    ],
  };
}

async function cluster(network: MemoryNetwork, partitionIds: readonly string[]): Promise<Node[]> {
  const nodes: Node[] = [];
  for (const [i, nodeId] of ['n1', 'n2', 'n3'].entries())
    nodes.push(await startNode(network, nodeId, i + 1));
  for (const node of nodes) {
    for (const id of partitionIds)
      assert.equal((await node.host.createReplica(partition(id, ['n1', 'n2', 'n3']))).kind, 'ok');
  }
  return nodes;
}

function leaderOf(nodes: readonly Node[], partitionId: string): Node | undefined {
  return nodes.find((node) => node.host.replica(partitionId)?.role === 'leader');
}

async function electLeader(nodes: readonly Node[], partitionId: string): Promise<Node> {
  const hosts = nodes.map((node) => node.host);
  assert.ok(
    await tickUntil(hosts, () => leaderOf(nodes, partitionId) !== undefined, 300),
    'no leader elected',
  );
  return leaderOf(nodes, partitionId)!;
}

const address = (partitionId: string, epoch = 1) => ({ tableId: 't1', partitionId, epoch });

function put(host: StorageHost, partitionId: string, id: string, value: string, epoch = 1) {
  return executeWrite(host, address(partitionId, epoch), 'PutItem', {
    TableName: 'Things',
    Item: { id: { S: id }, v: { S: value } },
  });
}

function get(
  host: StorageHost,
  partitionId: string,
  id: string,
  consistent: boolean,
  epoch = 1,
): Promise<HostAnswer<GetResponse>> {
  return executeRead(
    host,
    address(partitionId, epoch),
    'GetItem',
    { TableName: 'Things', Key: { id: { S: id } }, ConsistentRead: consistent },
    (view, spec, validated) => evaluateGetItem(view, spec, validated),
  );
}

function valueOf(answer: HostAnswer<GetResponse>): unknown {
  assert.equal(answer.kind, 'ok', JSON.stringify(answer));
  const item = (answer as { value: GetResponse }).value.item;
  return item === undefined ? undefined : itemToWire(item)['v'];
}

async function runWrite<T>(hosts: readonly StorageHost[], pending: Promise<T>): Promise<T> {
  let done: T | undefined;
  let finished = false;
  void pending.then((value) => {
    done = value;
    finished = true;
  });
  assert.ok(await tickUntil(hosts, () => finished, 200), 'write not answered');
  return done as T;
}

describe('storage host', () => {
  test('replicates writes; followers answer NotLeader for consistent reads and serve eventual reads', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1']);
    const hosts = nodes.map((node) => node.host);
    const leader = await electLeader(nodes, 'p1');
    for (let i = 0; i < 10; i++) {
      const answer = await runWrite(hosts, put(leader.host, 'p1', `k${i}`, `v${i}`));
      assert.equal(answer.kind, 'ok', JSON.stringify(answer));
    }
    assert.deepEqual(valueOf(await get(leader.host, 'p1', 'k3', true)), { S: 'v3' });
    const follower = nodes.find((node) => node !== leader)!;
    const refused = await get(follower.host, 'p1', 'k3', true);
    assert.equal(refused.kind, 'routing');
    if (refused.kind === 'routing' && refused.routing.kind === 'not-leader')
      assert.equal(refused.routing.leaderAddress, `${leader.host.nodeId}:1`);
    else assert.fail(`expected not-leader, got ${JSON.stringify(refused)}`);
    assert.ok(
      await tickUntil(
        hosts,
        async () => valueOf(await get(follower.host, 'p1', 'k9', false)) !== undefined,
        50,
      ),
    );
  });

  test('batches the messages of several groups into one send per peer', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1', 'p2', 'p3']);
    for (const id of ['p1', 'p2', 'p3']) await electLeader(nodes, id);
    const mixed = network.batches.some(
      (batch) => new Set(batch.messages.map((m) => m.partitionId)).size > 1,
    );
    assert.ok(mixed, 'no batch carried messages of more than one group');
  });

  test('routing errors: unknown partition, stale epoch, key outside the range; nothing written', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1']);
    const leader = await electLeader(nodes, 'p1');
    const lastIndex = leader.host.replica('p1')!.status().lastIndex;
    const unknown = await put(leader.host, 'nope', 'a', 'b');
    assert.equal(unknown.kind === 'routing' && unknown.routing.kind, 'wrong-partition');
    const future = await put(leader.host, 'p1', 'a', 'b', 2);
    assert.equal(future.kind === 'routing' && future.routing.kind, 'unavailable');
    const malformed = await executeWrite(leader.host, address('p1'), 'PutItem', {
      TableName: 'Things',
      Item: { id: { N: '1' } },
    });
    assert.equal(malformed.kind === 'error' && malformed.error.name, 'ValidationException');
    const outside = await put(leader.host, 'p1', 'a', 'b');
    assert.equal(outside.kind, 'ok');
    // The four refused requests appended nothing: only the accepted one did.
    assert.equal(leader.host.replica('p1')!.status().lastIndex, lastIndex + 1);
  });

  test('an isolated leader is replaced and acknowledged writes survive', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1']);
    const hosts = nodes.map((node) => node.host);
    const first = await electLeader(nodes, 'p1');
    for (let i = 0; i < 5; i++)
      assert.equal((await runWrite(hosts, put(first.host, 'p1', `k${i}`, 'old'))).kind, 'ok');
    network.isolate(first.host.nodeId);
    const rest = nodes.filter((node) => node !== first);
    assert.ok(
      await tickUntil(hosts, () => leaderOf(rest, 'p1') !== undefined, 300),
      'no new leader',
    );
    const second = leaderOf(rest, 'p1')!;
    for (let i = 0; i < 5; i++)
      assert.deepEqual(valueOf(await runWrite(hosts, get(second.host, 'p1', `k${i}`, true))), {
        S: 'old',
      });
    assert.equal((await runWrite(hosts, put(second.host, 'p1', 'k9', 'new'))).kind, 'ok');
  });

  test('after log compaction, a restarted node recovers and a learner catches up by snapshot and is promoted', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1']);
    let hosts = nodes.map((node) => node.host);
    const leader = await electLeader(nodes, 'p1');
    for (let i = 0; i < 20; i++)
      assert.equal((await runWrite(hosts, put(leader.host, 'p1', `k${i}`, `v${i}`))).kind, 'ok');
    const follower = nodes.find((node) => node !== leader)!;
    const applied = (node: Node) => node.host.replica('p1')!.applied;
    assert.ok(
      await tickUntil(hosts, () => nodes.every((node) => applied(node) === applied(leader)), 100),
    );
    for (const node of nodes) {
      const replica = node.host.replica('p1')!;
      replica.compactLog(replica.compactionPoint(), 0);
      assert.ok(replica.status().firstIndex > 20, `log not compacted on ${node.host.nodeId}`);
    }
    follower.host.close();
    const restarted = await startNode(network, follower.host.nodeId, 9, follower);
    nodes[nodes.indexOf(follower)] = restarted;
    hosts = nodes.map((node) => node.host);
    assert.ok(
      await tickUntil(
        hosts,
        async () => valueOf(await get(restarted.host, 'p1', 'k19', false)) !== undefined,
        100,
      ),
    );

    const learner = await startNode(network, 'n4', 4);
    hosts = [...hosts, learner.host];
    assert.equal(
      (await learner.host.createReplica(partition('p1', ['n1', 'n2', 'n3'], ['n4']))).kind,
      'ok',
    );
    const added = await runWrite(hosts, addLearner(leader.host, address('p1'), 'n4', 'n4:1'));
    assert.equal(added.kind, 'ok', JSON.stringify(added));
    assert.ok(
      await tickUntil(hosts, () => caughtUp(leader.host.replica('p1')!, 'n4'), 200),
      'learner not caught up',
    );
    assert.ok(
      await tickUntil(
        hosts,
        async () => valueOf(await get(learner.host, 'p1', 'k19', false)) !== undefined,
        100,
      ),
    );
    assert.deepEqual(valueOf(await get(learner.host, 'p1', 'k7', false)), { S: 'v7' });
    const snapshots = network.batches
      .flatMap((batch) => batch.messages)
      .filter((m) => m.message.type === 'snapshot');
    assert.ok(
      snapshots.length > 0 && snapshots[0]!.message.snapshot!.data.length > 0,
      'no snapshot image sent',
    );
    const promoted = await runWrite(hosts, promoteLearner(leader.host, address('p1'), 'n4'));
    assert.deepEqual(promoted, { kind: 'ok', value: true });
    assert.ok(leader.host.replica('p1')!.status().confState.voters.includes('n4'));
  });

  test('a split turns one group into two sharing the replica set, under writes', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1']);
    const hosts = nodes.map((node) => node.host);
    const leader = await electLeader(nodes, 'p1');
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    for (const key of keys.slice(0, 15))
      assert.equal((await runWrite(hosts, put(leader.host, 'p1', key, key))).kind, 'ok');
    const splitHash = new Uint8Array(16);
    splitHash[0] = 0x80;
    const writes = keys.slice(15).map((key) => put(leader.host, 'p1', key, key));
    const split = await runWrite(
      hosts,
      splitPartition(leader.host, address('p1'), splitHash, 'p2'),
    );
    assert.deepEqual(split, { kind: 'ok', value: 2 });
    const answers = await runWrite(hosts, Promise.all(writes));
    const child = await electLeader(nodes, 'p2');
    for (const node of nodes)
      assert.ok(node.host.replica('p2') !== undefined, `no child on ${node.host.nodeId}`);
    const upper = (key: string) => hashOfPartitionKey({ type: 'S', value: key })[0]! >= 0x80;
    // Every write is acknowledged exactly once, or refused with WrongPartition (its key moved).
    keys.slice(15).forEach((key, i) => {
      const answer = answers[i]!;
      if (answer.kind === 'ok') return;
      assert.ok(
        upper(key) && answer.kind === 'routing' && answer.routing.kind === 'wrong-partition',
        JSON.stringify(answer),
      );
    });
    for (const [i, key] of keys.entries()) {
      const acknowledged = i < 15 || answers[i - 15]!.kind === 'ok';
      const target = upper(key) ? 'p2' : 'p1';
      const host = target === 'p2' ? child.host : leader.host;
      let answer = await runWrite(hosts, get(host, target, key, true, 2));
      if (!acknowledged) {
        assert.equal((await runWrite(hosts, put(host, target, key, key, 2))).kind, 'ok');
        answer = await runWrite(hosts, get(host, target, key, true, 2));
      }
      assert.deepEqual(valueOf(answer), { S: key }, key);
    }
    assert.equal(partitionReports(leader.host).length, 2);
    await settle();
  });

  test('leadership transfer, member removal and DropTable', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1', 'p2']);
    const hosts = nodes.map((node) => node.host);
    const leader = await electLeader(nodes, 'p1');
    const target = nodes.find((node) => node !== leader)!;
    assert.equal(transferLeadership(leader.host, address('p1'), target.host.nodeId).kind, 'ok');
    assert.ok(
      await tickUntil(hosts, () => target.host.replica('p1')?.role === 'leader', 100),
      'no transfer',
    );
    const removed = nodes.find((node) => node !== target)!;
    const answer = await runWrite(
      hosts,
      removeReplica(target.host, address('p1'), removed.host.nodeId),
    );
    assert.equal(answer.kind, 'ok', JSON.stringify(answer));
    assert.deepEqual(
      [...target.host.replica('p1')!.status().confState.voters].sort(),
      nodes
        .filter((node) => node !== removed)
        .map((node) => node.host.nodeId)
        .sort(),
    );
    assert.ok(await tickUntil(hosts, () => removed.host.replica('p1')?.removed === true, 100));
    assert.equal(await removed.host.collectRemoved(), 1);
    assert.equal(removed.host.replica('p1'), undefined);
    assert.equal(await dropTable(removed.host, 't1'), 1);
    assert.equal(removed.host.allReplicas().length, 0);
    const stale = await put(removed.host, 'p2', 'a', 'b');
    assert.equal(stale.kind === 'routing' && stale.routing.kind, 'wrong-partition');
  });

  test('a member removed and re-added later catches up and stays; DropReplica refuses leaders', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1']);
    const hosts = nodes.map((node) => node.host);
    const leader = await electLeader(nodes, 'p1');
    const write = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++)
        assert.equal((await runWrite(hosts, put(leader.host, 'p1', `k${i}`, `v${i}`))).kind, 'ok');
    };
    await write(0, 5);
    const gone = nodes.find((node) => node !== leader)!;
    const goneId = gone.host.nodeId;
    const removal = await runWrite(hosts, removeReplica(leader.host, address('p1'), goneId));
    assert.equal(removal.kind, 'ok', JSON.stringify(removal));
    assert.ok(await tickUntil(hosts, () => gone.host.replica('p1')?.removed === true, 100));
    assert.equal(await gone.host.collectRemoved(), 1);
    await write(5, 10);
    // Re-added as a learner: it catches up from an image past its old removal, which it then
    // replays as history — and must not take for its current fate.
    const voters = [...leader.host.replica('p1')!.status().confState.voters];
    assert.equal((await gone.host.createReplica(partition('p1', voters, [goneId]))).kind, 'ok');
    const added = await runWrite(
      hosts,
      addLearner(leader.host, address('p1'), goneId, `${goneId}:1`),
    );
    assert.equal(added.kind, 'ok', JSON.stringify(added));
    assert.ok(
      await tickUntil(hosts, () => caughtUp(leader.host.replica('p1')!, goneId), 300),
      'the learner never caught up',
    );
    const promoted = await runWrite(hosts, promoteLearner(leader.host, address('p1'), goneId));
    assert.ok(promoted.kind === 'ok' && promoted.value, JSON.stringify(promoted));
    await write(10, 12);
    assert.ok(
      await tickUntil(
        hosts,
        () =>
          (gone.host.replica('p1')?.status().applied ?? 0) >=
          leader.host.replica('p1')!.status().commit,
        200,
      ),
      'the re-added member did not apply everything',
    );
    assert.equal(await gone.host.collectRemoved(), 0, 'the re-added replica destroyed itself');
    assert.ok(gone.host.replica('p1')?.status().confState.voters.includes(goneId));
    for (let i = 0; i < 12; i++)
      assert.deepEqual(valueOf(await get(gone.host, 'p1', `k${i}`, false)), { S: `v${i}` });

    // DropReplica: never the leader, never at another epoch; a follower at the epoch goes.
    assert.deepEqual(await dropReplica(leader.host, address('p1')), {
      dropped: false,
      reason: 'the replica leads its group',
    });
    assert.equal((await dropReplica(gone.host, address('p1', 2))).dropped, false);
    assert.deepEqual(await dropReplica(gone.host, address('p1')), { dropped: true, reason: '' });
    assert.equal(gone.host.replica('p1'), undefined);
    assert.equal((await dropReplica(gone.host, address('p1'))).reason, 'not hosted here');
    await settle();
  });

  test('a replica that learns of a split only from a snapshot hosts the child too', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network, ['p1']);
    const hosts = nodes.map((node) => node.host);
    const leader = await electLeader(nodes, 'p1');
    const behind = nodes.find((node) => node !== leader)!;
    const live = nodes.filter((node) => node !== behind);
    const liveHosts = live.map((node) => node.host);
    network.isolate(behind.host.nodeId);
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    for (const key of keys.slice(0, 15))
      assert.equal((await runWrite(liveHosts, put(leader.host, 'p1', key, key))).kind, 'ok');
    const splitHash = new Uint8Array(16);
    splitHash[0] = 0x80;
    const split = await runWrite(
      liveHosts,
      splitPartition(leader.host, address('p1'), splitHash, 'p2'),
    );
    assert.deepEqual(split, { kind: 'ok', value: 2 });
    const upper = (key: string) => hashOfPartitionKey({ type: 'S', value: key })[0]! >= 0x80;
    const childLeader = await electLeader(live, 'p2');
    for (const key of keys.slice(15)) {
      const [host, id] = upper(key) ? [childLeader.host, 'p2'] : [leader.host, 'p1'];
      assert.equal((await runWrite(liveHosts, put(host, id, key, key, 2))).kind, 'ok');
    }
    // The live nodes compact both logs past the split: the lagging node can only catch up by
    // snapshot, and never sees the split entry.
    for (const node of live) {
      for (const id of ['p1', 'p2']) {
        const replica = node.host.replica(id)!;
        replica.compactLog(replica.compactionPoint(), 0);
      }
    }
    assert.equal(behind.host.replica('p2'), undefined);
    network.heal(behind.host.nodeId);
    assert.ok(
      await tickUntil(
        hosts,
        async () => {
          if (behind.host.replica('p2') === undefined) return false;
          for (const key of keys) {
            const id = upper(key) ? 'p2' : 'p1';
            const answer = await get(behind.host, id, key, false, 2);
            if (answer.kind !== 'ok' || answer.value.item === undefined) return false;
          }
          return true;
        },
        300,
      ),
      'the lagging node never served both halves',
    );
    const p1 = behind.host.replica('p1')!.meta;
    const p2 = behind.host.replica('p2')!.meta;
    assert.deepEqual([p1.epoch, p2.epoch], [2, 2]);
    assert.deepEqual(p1.hashEnd, splitHash);
    assert.deepEqual(p2.hashStart, splitHash);
    assert.ok(behind.host.replica('p2')!.status().confState.voters.includes(behind.host.nodeId));
    await settle();
  });
});
