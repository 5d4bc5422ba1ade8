import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitChildId } from '../splits.js';
import { bigIntToHash } from '../hash-space.js';
import {
  applyOk,
  clusterWith,
  createPrng,
  tableInput,
  testContext,
  withActiveTable,
  withNodes,
} from '../test-support.js';
import type { ControlState } from '../state.js';
import { applyCommand, decodeCommand, encodeCommand } from './index.js';
import type { Command } from './index.js';
import { COMMAND_SHAPES } from './shapes.js';

const context = testContext({ initialPartitionsPerTable: 2 });

function populated(): ControlState {
  let state = withNodes(
    withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music'),
    context,
    ['n4'],
  );
  state = applyOk(
    state,
    {
      type: 'begin-move',
      partitionId: 'p1',
      fromNodeId: 'n1',
      toNodeId: 'n4',
      reason: 'rebalance',
      nowMs: 5,
    },
    context,
  ).state;
  return state;
}

/** One well-formed example of every command type. */
const examples: readonly Command[] = [
  { type: 'create-table', tableId: 't2', input: tableInput('Other'), nowMs: 9 },
  { type: 'delete-table', tableName: 'Music', nowMs: 9 },
  { type: 'update-table', input: { TableName: 'Music', BillingMode: 'PAY_PER_REQUEST' }, nowMs: 9 },
  { type: 'drop-table', tableId: 'id-Music', nowMs: 9 },
  { type: 'register-node', nodeId: 'n9', address: 'x', zone: null, nowMs: 9 },
  { type: 'set-node-state', nodeId: 'n2', state: 'suspect', nowMs: 9 },
  { type: 'drain-node', nodeId: 'n2', nowMs: 9 },
  { type: 'cancel-drain', nodeId: 'n2', nowMs: 9 },
  { type: 'replace-node-replicas', nodeId: 'n2', nowMs: 9 },
  {
    type: 'begin-move',
    partitionId: 'p2',
    fromNodeId: 'n1',
    toNodeId: 'n4',
    reason: 'rebalance',
    nowMs: 9,
  },
  { type: 'advance-move', moveId: 'm1', phase: 'catching-up', nowMs: 9 },
  { type: 'finish-move', moveId: 'm1', nowMs: 9 },
  { type: 'abort-move', moveId: 'm1', reason: 'x', nowMs: 9 },
  {
    type: 'split-partition',
    partitionId: 'p2',
    expectedEpoch: 1,
    newPartitionId: splitChildId('p2', 2),
    reason: 'size',
    splitHash: bigIntToHash((3n << 126n) + 1n),
    leftFraction: 0.5,
    nowMs: 9,
  },
  { type: 'mark-partition-leader', partitionId: 'p2', nodeId: 'n2', term: 3, nowMs: 9 },
  {
    type: 'record-partition-stats',
    reports: [{ partitionId: 'p2', epoch: 1, sizeBytes: 5, itemCount: 1 }],
    nowMs: 9,
  },
];

/** Commands that need the state prepared first. */
const preconditions: Partial<Record<Command['type'], readonly Command[]>> = {
  'drop-table': [{ type: 'delete-table', tableName: 'Music', nowMs: 8 }],
  'cancel-drain': [{ type: 'drain-node', nodeId: 'n2', nowMs: 8 }],
  'replace-node-replicas': [{ type: 'set-node-state', nodeId: 'n2', state: 'down', nowMs: 8 }],
  'finish-move': (['catching-up', 'promoting', 'removing'] as const).map((phase) => ({
    type: 'advance-move',
    moveId: 'm1',
    phase,
    nowMs: 8,
  })),
};

const junk: readonly unknown[] = [
  undefined,
  null,
  0,
  -1,
  1e300,
  '',
  'x',
  '__proto__',
  [],
  [1, 'a'],
  {},
  { a: 1 },
  true,
  'PROVISIONED',
];

function mutate(value: unknown, prng: ReturnType<typeof createPrng>, depth: number): unknown {
  if (depth > 3 || prng.int(4) === 0) return junk[prng.int(junk.length)];
  if (Array.isArray(value)) return value.map((v) => mutate(v, prng, depth + 1));
  if (typeof value !== 'object' || value === null)
    return prng.int(3) === 0 ? junk[prng.int(junk.length)] : value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const roll = prng.int(6);
    if (roll === 0) continue;
    copy[key] = roll === 1 ? junk[prng.int(junk.length)] : mutate(inner, prng, depth + 1);
  }
  return copy;
}

describe('command shapes', () => {
  test('every command type has a shape and a well-formed example that decodes', () => {
    assert.deepEqual(new Set(examples.map((e) => e.type)), new Set(Object.keys(COMMAND_SHAPES)));
    const state = populated();
    for (const example of examples) {
      const decoded = decodeCommand(encodeCommand(example));
      assert.ok(decoded.ok, `${example.type}: ${decoded.ok ? '' : decoded.error.message}`);
      let before = state;
      for (const setup of preconditions[example.type] ?? [])
        before = applyOk(before, setup, context).state;
      const outcome = applyCommand(before, decoded.value, context);
      assert.ok(outcome.result.ok, `${example.type}: ${JSON.stringify(outcome.result)}`);
    }
  });

  test('fuzzed commands either fail to decode or apply without throwing', () => {
    const prng = createPrng(42);
    const state = populated();
    let decodedCount = 0;
    for (let round = 0; round < 3000; round += 1) {
      const example = examples[round % examples.length];
      assert.ok(example !== undefined);
      const fuzzed = {
        ...(mutate(example, prng, 0) as Record<string, unknown>),
        type: example.type,
        nowMs: 9,
      };
      const decoded = decodeCommand(
        new TextEncoder().encode(JSON.stringify({ v: 1, command: fuzzed })),
      );
      if (!decoded.ok) continue;
      decodedCount += 1;
      const outcome = applyCommand(state, decoded.value, context);
      if (!outcome.result.ok) assert.equal(outcome.state, state);
    }
    assert.ok(decodedCount > 300, `only ${decodedCount} fuzzed commands decoded`);
  });
});
