// Three storage-node processes replicate a partition. The leader is SIGKILLed in the middle of
// a stream of writes: every acknowledged write stays readable and the clients' history is
// linearizable. The killed node restarts and catches up from its log; a fourth node joins as a
// learner, catches up (by snapshot) and is promoted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkHistory, kvModel } from '../../lib/linearizability/index.js';
import { pollUntil } from '../helpers/poll.js';
import {
  createPartition,
  findLeader,
  killNode,
  startNode,
  temporaryDirectory,
  testTable,
  type NodeProcess,
} from './cluster.js';
import { runWorkload, tryGet, withLeader, type WorkloadResult } from './workload.js';

const target = { tableId: 'tbl-1', partitionId: 'p1', epoch: 1n };
// Fast ticks, and compaction every 10 ticks keeping no log tail: a node that was down comes
// back behind the others' logs and must catch up from a snapshot image over InstallSnapshot.
const timing = [
  '--tick-interval-ms=20',
  '--election-ticks=10',
  '--flush-interval-ticks=10',
  '--retain-log-entries=0',
];

describe('three storage-node processes', () => {
  let directory: { path: string; remove: () => Promise<void> };
  let nodes: NodeProcess[] = [];
  let killed: NodeProcess | undefined;
  let result: WorkloadResult;

  before(async () => {
    directory = await temporaryDirectory();
    nodes = await Promise.all(
      ['s1', 's2', 's3'].map((id) => startNode(id, `${directory.path}/${id}`, 0, timing)),
    );
    await createPartition(nodes, 'p1');
  });

  after(async () => {
    for (const node of nodes) await killNode(node);
    await directory.remove();
  });

  test('the leader is SIGKILLed under writes; acknowledged writes survive; history is linearizable', async () => {
    const leader = await pollUntil(() => findLeader(nodes, 'p1'), {
      timeoutMs: 15_000,
      description: 'a leader',
    });
    let killing: Promise<void> | undefined;
    result = await runWorkload({
      nodes: () => nodes.filter((n) => n !== killed),
      target,
      clients: 4,
      operationsPerClient: 30,
      keys: 4,
      onProgress: (finished) => {
        if (finished === 40 && killing === undefined) {
          killed = leader;
          killing = killNode(leader);
        }
      },
    });
    await killing;
    assert.ok(killed !== undefined, 'the leader was never killed');
    const live = nodes.filter((n) => n !== killed);
    const start = { index: 0 };
    for (const key of result.acknowledged) {
      const read = await withLeader(
        () => live,
        start,
        60,
        (node) => tryGet(node, target, key),
      );
      assert.equal(read.kind, 'done', `cannot read ${key}`);
      assert.ok(read.kind === 'done' && read.value !== null, `acknowledged write ${key} lost`);
    }
    // At most ~30 unique writes finish before the kill (at 40 of 120 operations), so this
    // many acknowledged means the new leader took writes.
    assert.ok(
      result.acknowledged.length >= 50,
      `only ${result.acknowledged.length} writes acknowledged`,
    );
    const verdict = checkHistory(kvModel, result.history, { maxSteps: 2_000_000 });
    assert.equal(verdict.verdict, 'ok', verdict.explanation);
  });

  test('the killed node restarts and catches up (from a snapshot: the others compacted)', async () => {
    assert.ok(killed !== undefined);
    const port = Number(killed.address.split(':')[1]);
    const restarted = await startNode(killed.nodeId, killed.dataDirectory, port, timing);
    nodes[nodes.indexOf(killed)] = restarted;
    killed = undefined;
    const last = result.acknowledged[result.acknowledged.length - 1]!;
    await pollUntil(
      async () => {
        const read = await tryGet(restarted, target, last, false);
        return read.kind === 'done' && read.value !== null ? true : undefined;
      },
      { timeoutMs: 20_000, description: `${last} on the restarted node` },
    );
    const metrics = await (await fetch(`http://127.0.0.1:${restarted.adminPort}/metrics`)).text();
    const received = metrics
      .split('\n')
      .filter((line) => line.startsWith('tessera_storage_snapshot_transfers_total'));
    assert.ok(
      received.some((line) => line.includes('direction="receive"') && !line.endsWith(' 0')),
      received.join('\n'),
    );
  });

  test('a new node joins as a learner, catches up and is promoted', async () => {
    const learner = await startNode('s4', `${directory.path}/s4`, 0, timing);
    nodes.push(learner);
    const leader = await pollUntil(() => findLeader(nodes, 'p1'), {
      timeoutMs: 15_000,
      description: 'a leader',
    });
    await learner.admin.createReplica({
      table: testTable,
      partitionId: 'p1',
      epoch: 1n,
      replicas: [
        ...nodes
          .filter((n) => n !== learner)
          .map((n) => ({ nodeId: n.nodeId, address: n.address, learner: false })),
        { nodeId: 's4', address: learner.address, learner: true },
      ],
    });
    const added = await leader.admin.addLearner({
      partition: target,
      learner: { nodeId: 's4', address: learner.address },
    });
    assert.equal(added.routingError, undefined);
    await pollUntil(
      async () => {
        const promoted = await leader.admin.promoteLearner({ partition: target, nodeId: 's4' });
        return promoted.caughtUp ? true : undefined;
      },
      { timeoutMs: 20_000, description: 'the learner promoted' },
    );
    const key = result.acknowledged[0]!;
    await pollUntil(
      async () => {
        const read = await tryGet(learner, target, key, false);
        return read.kind === 'done' && read.value !== null ? true : undefined;
      },
      { timeoutMs: 20_000, description: `${key} on the new node` },
    );
  });
});
