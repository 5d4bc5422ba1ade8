/**
 * Helpers shared by this folder's tests: a seeded PRNG and builders that drive the state through
 * real commands (never by editing records), so tests exercise the same paths as production.
 */
import assert from 'node:assert/strict';
import { createControlConfig } from './config.js';
import type { ControlConfig } from './config.js';
import { applyCommand } from './commands/index.js';
import type { ApplyContext, Command } from './commands/index.js';
import type { CreateTableInput } from './catalog-validation.js';
import { createInitialState } from './state.js';
import type { ControlState } from './state.js';

/** A small, fast, seeded PRNG (mulberry32). Same seed, same sequence. */
export function createPrng(seed: number): { next(): number; int(maxExclusive: number): number } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (maxExclusive) => Math.floor(next() * maxExclusive) };
}

/** A context with test-friendly overrides. */
export function testContext(overrides: Partial<ControlConfig> = {}): ApplyContext {
  return { config: createControlConfig(overrides) };
}

/** Applies a command that must succeed and returns the new state and the result value. */
export function applyOk<C extends Command>(state: ControlState, command: C, context: ApplyContext) {
  const outcome = applyCommand(state, command, context);
  if (!outcome.result.ok) {
    assert.fail(
      `${command.type} failed: ${outcome.result.error.code}: ${outcome.result.error.message}`,
    );
  }
  return { state: outcome.state, value: outcome.result.value };
}

/** Applies a command that must fail; asserts the state is unchanged and returns the error. */
export function applyFail(state: ControlState, command: Command, context: ApplyContext) {
  const outcome = applyCommand(state, command, context);
  assert.equal(outcome.result.ok, false, `${command.type} should have failed`);
  assert.equal(outcome.state, state, 'a rejected command must not change the state');
  if (outcome.result.ok) throw new Error('unreachable');
  return outcome.result.error;
}

/** Registers nodes (with optional zones) and brings them up. */
export function withNodes(
  state: ControlState,
  context: ApplyContext,
  nodes: readonly (string | readonly [string, string])[],
  nowMs = 1_000,
): ControlState {
  let next = state;
  for (const entry of nodes) {
    const [nodeId, zone] = typeof entry === 'string' ? [entry, null] : entry;
    next = applyOk(
      next,
      { type: 'register-node', nodeId, address: `${nodeId}:7000`, zone, nowMs },
      context,
    ).state;
    next = applyOk(next, { type: 'set-node-state', nodeId, state: 'up', nowMs }, context).state;
  }
  return next;
}

/** A minimal valid CreateTable request. */
export function tableInput(
  tableName: string,
  extra: Partial<CreateTableInput> = {},
): CreateTableInput {
  return {
    TableName: tableName,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    ...extra,
  };
}

/** Creates a table and marks every partition's first voter as leader, so it is ACTIVE. */
export function withActiveTable(
  state: ControlState,
  context: ApplyContext,
  tableName: string,
  nowMs = 2_000,
): ControlState {
  let next = applyOk(
    state,
    { type: 'create-table', tableId: `id-${tableName}`, input: tableInput(tableName), nowMs },
    context,
  ).state;
  for (const partition of Object.values(next.partitions)) {
    if (partition.tableId !== `id-${tableName}`) continue;
    const leader = partition.replicas[0]?.nodeId ?? '';
    next = applyOk(
      next,
      {
        type: 'mark-partition-leader',
        partitionId: partition.partitionId,
        nodeId: leader,
        term: 1,
        nowMs,
      },
      context,
    ).state;
  }
  return next;
}

/** A cluster with `nodeCount` up nodes and nothing else. */
export function clusterWith(context: ApplyContext, nodeIds: readonly string[]): ControlState {
  return withNodes(createInitialState(), context, nodeIds);
}
