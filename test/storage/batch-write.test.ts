// Three storage-node processes replicate a partition; clients send BatchWrite calls (puts of new
// items plus a delete of an item of their previous batch) while the leader is SIGKILLed. Every
// item of every acknowledged batch is readable afterwards, every acknowledged delete stuck, and
// the new leader took batches.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pollUntil } from '../helpers/poll.js';
import {
  createPartition,
  findLeader,
  killNode,
  startNode,
  temporaryDirectory,
  type NodeProcess,
} from './cluster.js';
import { tryGet, withLeader, type Target } from './workload.js';

const target: Target = { tableId: 'tbl-1', partitionId: 'p1', epoch: 1n };
const clients = 3;
const batchesPerClient = 10;
const putsPerBatch = 8;

function s(value: string) {
  return { value: { case: 's' as const, value } };
}

/** One BatchWrite attempt: puts of `puts` (id = value) and deletes of `deletes`. */
async function tryBatch(
  node: NodeProcess,
  puts: readonly string[],
  deletes: readonly string[],
): Promise<
  { kind: 'done'; value: number } | { kind: 'retry'; leaderAddress: string } | { kind: 'unknown' }
> {
  try {
    const requests = [
      ...puts.map((id) => ({
        request: {
          case: 'putRequest' as const,
          value: { attributes: { id: s(id), v: s(`v-${id}`) } },
        },
      })),
      ...deletes.map((id) => ({
        request: { case: 'deleteRequest' as const, value: { attributes: { id: s(id) } } },
      })),
    ];
    const answer = await node.storage.batchWrite(
      { partition: target, request: { requestItems: { Things: { requests } } } },
      { timeoutMs: 3_000 },
    );
    if (answer.error !== undefined) throw new Error(`batch refused: ${answer.error.message}`);
    const routing = answer.routingError?.kind;
    if (routing?.case === 'notLeader')
      return { kind: 'retry', leaderAddress: routing.value.leaderAddress };
    if (routing !== undefined) return { kind: 'unknown' };
    if (answer.results.some((result) => result.error !== undefined))
      throw new Error('a write of the batch failed');
    return { kind: 'done', value: answer.results.length };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('batch')) throw error;
    return { kind: 'unknown' };
  }
}

describe('BatchWrite across three storage-node processes', () => {
  let directory: { path: string; remove: () => Promise<void> };
  let nodes: NodeProcess[] = [];

  before(async () => {
    directory = await temporaryDirectory();
    nodes = await Promise.all(
      ['s1', 's2', 's3'].map((id) => startNode(id, `${directory.path}/${id}`)),
    );
    await createPartition(nodes, 'p1');
  });

  after(async () => {
    for (const node of nodes) await killNode(node);
    await directory.remove();
  });

  test('the leader is SIGKILLed during batch writes; every acknowledged item survives', async () => {
    const leader = await pollUntil(() => findLeader(nodes, 'p1'), {
      timeoutMs: 15_000,
      description: 'a leader',
    });
    let killed: NodeProcess | undefined;
    let killing: Promise<void> | undefined;
    let finished = 0;
    let acknowledgedAfterKill = 0;
    const present: string[] = [];
    const deleted: string[] = [];
    /** Deletes whose outcome is unknown: those items may or may not exist. */
    const uncertain = new Set<string>();
    const live = () => nodes.filter((n) => n !== killed);
    async function client(clientId: number): Promise<void> {
      const start = { index: clientId };
      let previous: string[] = [];
      for (let n = 0; n < batchesPerClient; n++) {
        const puts = Array.from({ length: putsPerBatch }, (_, i) => `b-${clientId}-${n}-${i}`);
        const deletes = previous.slice(0, 1);
        const answer = await withLeader(live, start, 40, (node) => tryBatch(node, puts, deletes));
        if (answer.kind === 'done') {
          assert.equal(answer.value, puts.length + deletes.length, 'one result per write');
          present.push(...puts);
          deleted.push(...deletes);
          previous = puts;
          if (killed !== undefined) acknowledgedAfterKill++;
        } else {
          for (const id of deletes) uncertain.add(id);
          previous = [];
        }
        if (++finished === 6 && killing === undefined) {
          killed = leader;
          killing = killNode(leader);
        }
      }
    }
    await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
    await killing;
    assert.ok(killed !== undefined, 'the leader was never killed');
    assert.ok(acknowledgedAfterKill >= 3, `only ${acknowledgedAfterKill} batches after the kill`);
    const start = { index: 0 };
    const read = async (id: string) => {
      const got = await withLeader(live, start, 60, (node) => tryGet(node, target, id));
      assert.equal(got.kind, 'done', `cannot read ${id}`);
      return got.kind === 'done' ? got.value : undefined;
    };
    for (const id of present) {
      if (deleted.includes(id) || uncertain.has(id)) continue;
      assert.equal(await read(id), `v-${id}`, `acknowledged put of ${id} lost`);
    }
    for (const id of deleted) assert.equal(await read(id), null, `acknowledged delete of ${id}`);
    assert.ok(present.length >= 12 * putsPerBatch, `${present.length} items acknowledged`);
  });

  test('three concurrent batches of ~7.4 MiB each (over the log record bound together) are written', async () => {
    const live = nodes.filter(
      (n) => n.process.child.exitCode === null && n.process.child.signalCode === null,
    );
    const payload = 'p'.repeat(390 * 1024);
    const bigBatch = (name: string) =>
      Array.from({ length: 19 }, (_, i) => ({
        request: {
          case: 'putRequest' as const,
          value: { attributes: { id: s(`${name}-${i}`), v: s(payload) } },
        },
      }));
    const send = async (name: string) => {
      const start = { index: 0 };
      return withLeader(
        () => live,
        start,
        40,
        async (node) => {
          try {
            const answer = await node.storage.batchWrite(
              {
                partition: target,
                request: { requestItems: { Things: { requests: bigBatch(name) } } },
              },
              { timeoutMs: 20_000 },
            );
            const routing = answer.routingError?.kind;
            if (routing?.case === 'notLeader')
              return { kind: 'retry' as const, leaderAddress: routing.value.leaderAddress };
            if (answer.error !== undefined || routing !== undefined)
              throw new Error(`big batch refused: ${answer.error?.message ?? routing?.case}`);
            return { kind: 'done' as const, value: answer.results.length };
          } catch (error) {
            if (error instanceof Error && error.message.startsWith('big batch')) throw error;
            return { kind: 'unknown' as const };
          }
        },
      );
    };
    const answers = await Promise.all([send('big-a'), send('big-b'), send('big-c')]);
    assert.deepEqual(
      answers,
      answers.map(() => ({ kind: 'done', value: 19 })),
    );
    for (const id of ['big-a-0', 'big-a-18', 'big-b-7', 'big-c-3']) {
      const got = await withLeader(
        () => live,
        { index: 0 },
        40,
        (node) => tryGet(node, target, id),
      );
      assert.equal(got.kind === 'done' && got.value?.length, payload.length, `${id} unreadable`);
    }
  });
});
