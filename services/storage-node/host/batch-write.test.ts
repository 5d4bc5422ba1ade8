// BatchWrite through the host: three hosts on in-memory engines and logs over the in-process
// network. A batch is ONE log entry, applied in one engine batch on every replica with the same
// result; bad input and keys outside the partition are refused before the log, nothing written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashOfPartitionKey } from '../commands/index.js';
import { compareBytes } from '../engine/bytes.js';
import { createMemoryEngine } from '../engine/memory-engine.js';
import type { Engine } from '../engine/engine.js';
import { partitionRange } from '../engine/storage-keys.js';
import { StorageHost, type CreateReplicaParams } from './host.js';
import { memoryLogProvider } from './log-provider.js';
import { MemoryNetwork, tickUntil } from './memory-network.js';
import { executeBatchWrite, executeWrite } from './operations.js';

interface Node {
  host: StorageHost;
  engine: Engine;
  logs: ReturnType<typeof memoryLogProvider>;
}

const half = Uint8Array.from([0x80, ...new Uint8Array(15)]);

function partition(nodeIds: readonly string[]): CreateReplicaParams {
  return {
    tableId: 't1',
    tableName: 'Things',
    schema: { partitionKey: { name: 'id', type: 'S' } },
    partitionId: 'p1',
    // The lower half of the hash space, so that some keys belong elsewhere.
    hashStart: new Uint8Array(16),
    hashEnd: half,
    epoch: 1,
    members: nodeIds.map((nodeId) => ({ nodeId, address: `${nodeId}:1`, learner: false })),
  };
}

async function cluster(network: MemoryNetwork): Promise<Node[]> {
  const nodes: Node[] = [];
  for (const [i, nodeId] of ['n1', 'n2', 'n3'].entries()) {
    const engine = createMemoryEngine();
    const logs = memoryLogProvider();
    const host = await StorageHost.open({
      nodeId,
      engine,
      logs,
      sender: network.sender(nodeId),
      seed: i + 1,
    });
    network.attach(host);
    nodes.push({ host, engine, logs });
  }
  for (const node of nodes)
    assert.equal((await node.host.createReplica(partition(['n1', 'n2', 'n3']))).kind, 'ok');
  return nodes;
}

/** Keys whose hash falls in the partition (`inside`) or outside it. */
function keys(count: number, inside: boolean): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) {
    const hash = hashOfPartitionKey({ type: 'S', value: `k${i}` });
    if (compareBytes(hash, half) < 0 === inside) found.push(`k${i}`);
  }
  return found;
}

const address = { tableId: 't1', partitionId: 'p1', epoch: 1 };
const put = (id: string, v: string) => ({ PutRequest: { Item: { id: { S: id }, v: { S: v } } } });
const del = (id: string) => ({ DeleteRequest: { Key: { id: { S: id } } } });
const batch = (writes: readonly object[]) => ({ RequestItems: { Things: writes } });

async function run<T>(nodes: readonly Node[], pending: Promise<T>): Promise<T> {
  let done: { value: T } | undefined;
  void pending.then((value) => (done = { value }));
  const hosts = nodes.map((node) => node.host);
  assert.ok(await tickUntil(hosts, () => done !== undefined, 300), 'not answered');
  return done!.value;
}

async function electLeader(nodes: readonly Node[]): Promise<Node> {
  const leaderOf = () => nodes.find((node) => node.host.replica('p1')?.role === 'leader');
  const hosts = nodes.map((node) => node.host);
  assert.ok(await tickUntil(hosts, () => leaderOf() !== undefined, 300), 'no leader');
  return leaderOf()!;
}

/** Every item key-value of the partition in one node's engine, as hex. */
async function contents(engine: Engine): Promise<string[]> {
  const range = partitionRange('t1', new Uint8Array(16), undefined);
  const page = await engine.scan(
    { gte: range.start, lt: range.end },
    { itemsMax: 10_000, bytesMax: 1 << 24 },
  );
  assert.ok(page.ok);
  return page.value.entries.map(
    (e) => `${Buffer.from(e.key).toString('hex')}=${Buffer.from(e.value).toString('hex')}`,
  );
}

function lastIndex(node: Node): number {
  const groupNumber = node.host.replica('p1')!.meta.groupNumber;
  return node.logs.stores.get(groupNumber)!.lastIndex();
}

describe('BatchWrite through the host', () => {
  test('one batch is one log entry; every replica ends with the same items', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network);
    const leader = await electLeader(nodes);
    const ids = keys(30, true);
    const before = lastIndex(leader);
    const first = await run(
      nodes,
      executeBatchWrite(leader.host, address, batch(ids.slice(0, 25).map((id) => put(id, 'a')))),
    );
    assert.equal(first.kind, 'ok', JSON.stringify(first));
    assert.equal(first.kind === 'ok' && first.value.results.length, 25);
    assert.equal(lastIndex(leader), before + 1, 'one Raft entry for 25 writes');
    // A blind batch (no capacity asked) travels as its mutations: binary, not the request.
    const entryData = () => {
      const store = leader.logs.stores.get(leader.host.replica('p1')!.meta.groupNumber)!;
      const index = store.lastIndex();
      const entries = store.entries(index, index + 1, Number.MAX_SAFE_INTEGER);
      assert.ok(Array.isArray(entries));
      return entries[0]!.data;
    };
    assert.equal(entryData()[0], 0x01, 'a blind batch is not carried as JSON');
    const counted = await run(
      nodes,
      executeBatchWrite(leader.host, address, {
        ...batch([put(ids[29]!, 'c')]),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.equal(counted.kind, 'ok', JSON.stringify(counted));
    assert.equal(
      entryData()[0],
      '{'.charCodeAt(0),
      'a batch that reads old items carries the request',
    );
    // A batch and single writes proposed in the same turn: applied in log order, batch first.
    const pending = [
      executeBatchWrite(
        leader.host,
        address,
        batch([...ids.slice(0, 5).map(del), ...ids.slice(25, 30).map((id) => put(id, 'b'))]),
      ),
      executeWrite(leader.host, address, 'PutItem', {
        TableName: 'Things',
        Item: { id: { S: ids[0]! }, v: { S: 'after' } },
      }),
    ];
    const answers = await run(nodes, Promise.all(pending));
    assert.deepEqual(
      answers.map((a) => a.kind),
      ['ok', 'ok'],
    );
    const hosts = nodes.map((node) => node.host);
    const same = async () => {
      const all = await Promise.all(nodes.map((node) => contents(node.engine)));
      return all.every((c) => c.length === 26 && c.join() === all[0]!.join());
    };
    assert.ok(await tickUntil(hosts, same, 200), 'replicas differ');
    // 25 put, 5 deleted, 1 put back by the single write, 5 more put by the second batch.
    assert.equal((await contents(leader.engine)).length, 26);
  });

  test('bad input and keys outside the partition: a typed error, no log entry, nothing written', async () => {
    const network = new MemoryNetwork();
    const nodes = await cluster(network);
    const leader = await electLeader(nodes);
    const [a, b] = keys(2, true);
    const [outside] = keys(1, false);
    const before = lastIndex(leader);
    const refusals = [
      await executeBatchWrite(leader.host, address, batch([put(a!, '1'), del(a!)])),
      await executeBatchWrite(
        leader.host,
        address,
        batch(Array.from({ length: 26 }, (_, i) => put(`x${i}`, '1'))),
      ),
      await executeBatchWrite(leader.host, address, batch([put(b!, '1'), put(outside!, '1')])),
      await executeBatchWrite(leader.host, address, { RequestItems: { Other: [put(a!, '1')] } }),
      await executeBatchWrite(leader.host, { ...address, epoch: 0 }, batch([put(a!, '1')])),
    ];
    assert.deepEqual(
      refusals.map((r) =>
        r.kind === 'error' ? r.error.message : r.kind === 'routing' ? r.routing.kind : r.kind,
      ),
      [
        'Provided list of item keys contains duplicates',
        refusals[1]!.kind === 'error' && /25/.test(refusals[1]!.error.message)
          ? refusals[1]!.error.message
          : 'expected an error naming the limit of 25',
        'wrong-partition',
        'A batch for this partition must write table Things only',
        'wrong-partition',
      ],
    );
    assert.equal(lastIndex(leader), before, 'nothing proposed');
    assert.deepEqual(await contents(leader.engine), []);
    const follower = nodes.find((node) => node !== leader)!;
    const notLeader = await executeBatchWrite(follower.host, address, batch([put(a!, '1')]));
    assert.equal(notLeader.kind === 'routing' && notLeader.routing.kind, 'not-leader');
  });
});
