// A split under write load, across three processes: writers keep writing new keys while the
// partition splits; a write refused with WrongPartition (its key moved) is retried at the child.
// Every write is acknowledged exactly once, and every item is readable in the partition that
// now owns its hash — and nowhere twice.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { hashOfPartitionKey } from '../../services/storage-node/commands/index.js';
import { pollUntil } from '../helpers/poll.js';
import {
  createPartition,
  findLeader,
  killNode,
  startNode,
  temporaryDirectory,
  type NodeProcess,
} from './cluster.js';

const splitHash = Uint8Array.from([0x80, ...new Array<number>(15).fill(0)]);

function upper(key: string): boolean {
  return hashOfPartitionKey({ type: 'S', value: key })[0]! >= 0x80;
}

interface RoutingView {
  split: boolean;
}

/**
 * Writes one key until it is known to be written: answers 1 when this call's write was
 * acknowledged, 0 when an earlier attempt whose answer was lost had applied it (the retry's
 * condition `attribute_not_exists(id)` then fails). A key written twice would show as an
 * acknowledgment after a lost answer that had in fact applied; the condition makes that visible.
 */
async function writeKey(
  nodes: readonly NodeProcess[],
  view: RoutingView,
  key: string,
): Promise<number> {
  let index = 0;
  let uncertain = false;
  for (let attempt = 0; attempt < 200; attempt++) {
    const partitionId = view.split && upper(key) ? 'p2' : 'p1';
    const epoch = view.split ? 2n : 1n;
    const node = nodes[index % nodes.length]!;
    let answer;
    try {
      answer = await node.storage.putItem(
        {
          partition: { tableId: 'tbl-1', partitionId, epoch },
          request: {
            tableName: 'Things',
            item: { id: { value: { case: 's', value: key } } },
            conditionExpression: 'attribute_not_exists(id)',
          },
        },
        { timeoutMs: 5_000 },
      );
    } catch {
      uncertain = true;
      index++;
      continue;
    }
    if (answer.response !== undefined) return 1;
    if (answer.error?.type === 'ConditionalCheckFailedException') {
      if (!uncertain) throw new Error(`${key} existed before its only write`);
      return 0;
    }
    if (answer.error !== undefined)
      throw new Error(`${key}: ${answer.error.type} ${answer.error.message}`);
    const routing = answer.routingError?.kind;
    if (routing?.case === 'wrongPartition') {
      // The router would refresh its map from the control plane; the test knows the split.
      view.split = true;
      continue;
    }
    if (routing?.case === 'notLeader' && routing.value.leaderAddress !== '') {
      index = nodes.findIndex((n) => n.address === routing.value.leaderAddress);
      continue;
    }
    if (
      routing?.case === 'partitionUnavailable' &&
      routing.value.reason.includes('may still apply')
    )
      uncertain = true;
    index++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`write of ${key} never acknowledged`);
}

test('a split under write load keeps every item readable and every write acknowledged once', async () => {
  const directory = await temporaryDirectory();
  const nodes = await Promise.all(
    ['a1', 'a2', 'a3'].map((id) => startNode(id, `${directory.path}/${id}`)),
  );
  after(async () => {
    for (const node of nodes) await killNode(node);
    await directory.remove();
  });
  await createPartition(nodes, 'p1');
  const leader = await pollUntil(() => findLeader(nodes, 'p1'), {
    timeoutMs: 15_000,
    description: 'a leader',
  });
  const view: RoutingView = { split: false };
  const keys = Array.from({ length: 120 }, (_, i) => `key-${i}`);
  const acknowledgments = new Map<string, number>();
  let next = 0;
  let splitting: Promise<unknown> | undefined;
  async function writer(): Promise<void> {
    while (next < keys.length) {
      const key = keys[next++]!;
      acknowledgments.set(
        key,
        (acknowledgments.get(key) ?? 0) + (await writeKey(nodes, view, key)),
      );
      if (next === 40 && splitting === undefined) {
        splitting = leader.admin.splitPartition({
          partition: { tableId: 'tbl-1', partitionId: 'p1', epoch: 1n },
          splitHash,
          newPartitionId: 'p2',
        });
      }
    }
  }
  await Promise.all([writer(), writer(), writer(), writer()]);
  const split = (await splitting) as { routingError?: unknown; epoch: bigint };
  assert.equal(split.routingError, undefined);
  assert.equal(split.epoch, 2n);
  // Each write acknowledged at most once; a 0 means a lost answer whose write had applied,
  // which the scans below confirm (every key is present exactly once).
  for (const key of keys) assert.ok((acknowledgments.get(key) ?? -1) >= 0, key);
  const lost = keys.filter((key) => acknowledgments.get(key) === 0).length;
  assert.ok(lost <= keys.length / 10, `${lost} answers lost`);

  // Each partition's scan holds exactly the keys of its hash range.
  for (const [partitionId, isUpper] of [
    ['p1', false],
    ['p2', true],
  ] as const) {
    const owner = await pollUntil(() => findLeader(nodes, partitionId), {
      timeoutMs: 15_000,
      description: `${partitionId} leader`,
    });
    const seen: string[] = [];
    let start: Record<string, { value: { case: 's'; value: string } }> | undefined;
    for (let page = 0; page < 50; page++) {
      const answer = await owner.storage.scan({
        partition: { tableId: 'tbl-1', partitionId, epoch: 2n },
        request: {
          tableName: 'Things',
          consistentRead: true,
          limit: 25,
          ...(start ? { exclusiveStartKey: start } : {}),
        },
      });
      assert.ok(answer.response !== undefined, JSON.stringify(answer.routingError ?? answer.error));
      for (const item of answer.response.items) {
        const id = item.attributes['id']!.value;
        if (id.case === 's') seen.push(id.value);
      }
      const last = answer.response.lastEvaluatedKey['id'];
      if (last === undefined || last.value.case !== 's') break;
      start = { id: { value: { case: 's', value: last.value.value } } };
    }
    const expected = keys.filter((key) => upper(key) === isUpper).sort();
    assert.deepEqual([...seen].sort(), expected, partitionId);
  }
});
