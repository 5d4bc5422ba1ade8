/**
 * Property test: random joins, deaths, revivals, drains, cancelled drains, table creates and
 * deletes, splits and control-plane crashes, driven through the real reconcile planner and move
 * state machine with a seeded PRNG. Invariants are checked after every applied command; at the
 * end the cluster is left alone until it settles and the end state is checked. A failing seed
 * is printed; rerun it with SIM_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createControlConfig } from './config.js';
import type { ControlConfig } from './config.js';
import { applyCommand, decodeCommand, encodeCommand } from './commands/index.js';
import type { Command } from './commands/index.js';
import { HASH_MIN, bigIntToHash, endToBigInt, hashToBigInt } from './hash-space.js';
import { FailureDetector } from './membership.js';
import { stepDone } from './simulation-support.js';
import { planLeaderTransfers, planMoves } from './placement.js';
import { planReconcile } from './reconcile.js';
import { chooseSplitPoint, splitChildId } from './splits.js';
import {
  createInitialState,
  decodeState,
  encodeState,
  partitionsOfTable,
  leaderCountsByNode,
  replicaCountsByNode,
} from './state.js';
import type { ControlState } from './state.js';
import { createPrng } from './test-support.js';

const tickMs = 500;
const config: ControlConfig = createControlConfig({
  replicationFactor: 3,
  initialPartitionsPerTable: 2,
  partitionsPerTableMax: 12,
  movesInFlightMax: 3,
  movesPerNodeMax: 2,
  suspectAfterMs: 1_000,
  downAfterMs: 2_000,
  replaceGraceMs: 4_000,
  splitSamplesMin: 2,
});
const context = { config };

/** The simulated world: the replicated state plus what the control plane cannot see directly. */
interface World {
  state: ControlState;
  readonly log: Command[];
  readonly alive: Set<string>;
  detector: FailureDetector;
  nowMs: number;
  nextNode: number;
  nextTable: number;
  readonly epochs: Map<string, number>;
  mapEpoch: number;
  /** Odd seeds label nodes with three zones, even seeds run without labels. */
  readonly zoned: boolean;
  /** How often each accepted command type was applied (to prove the run covered the paths). */
  readonly applied: Map<string, number>;
}

function checkInvariants(world: World): void {
  const { state } = world;
  assert.ok(state.mapEpoch >= world.mapEpoch, 'the map epoch went back');
  world.mapEpoch = state.mapEpoch;
  const moves = Object.values(state.moves);
  assert.ok(moves.length <= config.movesInFlightMax, `${moves.length} moves in flight`);
  const perTarget = new Map<string, number>();
  for (const move of moves) perTarget.set(move.toNodeId, (perTarget.get(move.toNodeId) ?? 0) + 1);
  for (const [nodeId, count] of perTarget)
    assert.ok(count <= config.movesPerNodeMax, `${count} moves to ${nodeId}`);
  assert.equal(
    new Set(moves.map((m) => m.partitionId)).size,
    moves.length,
    'two moves on one partition',
  );
  for (const partition of Object.values(state.partitions)) {
    const ids = partition.replicas.map((r) => r.nodeId);
    assert.equal(new Set(ids).size, ids.length, `${partition.partitionId} has a node twice`);
    for (const id of ids)
      assert.notEqual(state.nodes[id]?.state ?? 'decommissioned', 'decommissioned');
    const voters = partition.replicas.filter((r) => r.role === 'voter').length;
    const learners = partition.replicas.length - voters;
    const move = moves.find((m) => m.partitionId === partition.partitionId);
    assert.ok(voters >= config.replicationFactor, `${partition.partitionId} has ${voters} voters`);
    const extraAllowed = move?.phase === 'removing' ? 1 : 0;
    assert.ok(
      voters <= config.replicationFactor + extraAllowed,
      `${partition.partitionId} has ${voters} voters`,
    );
    assert.ok(
      learners <= (move?.phase === 'catching-up' || move?.phase === 'promoting' ? 1 : 0),
      'stray learner',
    );
    const previous = world.epochs.get(partition.partitionId) ?? 0;
    assert.ok(partition.epoch >= previous, `epoch of ${partition.partitionId} went back`);
    world.epochs.set(partition.partitionId, partition.epoch);
  }
  for (const table of Object.values(state.tables)) {
    const partitions = partitionsOfTable(state, table.tableId);
    assert.equal(partitions[0]?.start, HASH_MIN, `${table.tableName} does not start at 0`);
    assert.equal(
      partitions[partitions.length - 1]?.end,
      null,
      `${table.tableName} does not reach the end`,
    );
    for (let index = 0; index < partitions.length; index += 1) {
      const partition = partitions[index];
      assert.ok(partition !== undefined);
      assert.ok(hashToBigInt(partition.start) < endToBigInt(partition.end), 'empty partition');
      if (index > 0) assert.equal(partitions[index - 1]?.end, partition.start, 'gap or overlap');
    }
  }
}

function propose(world: World, command: Command): boolean {
  // Every command travels through its wire form, as it would through the Raft log.
  const decoded = decodeCommand(encodeCommand(command));
  assert.ok(decoded.ok);
  const outcome = applyCommand(world.state, decoded.value, context);
  world.log.push(decoded.value);
  world.state = outcome.state;
  checkInvariants(world);
  if (outcome.result.ok) {
    const key =
      command.type === 'set-node-state' ? `set-node-state:${command.state}` : command.type;
    world.applied.set(key, (world.applied.get(key) ?? 0) + 1);
  }
  return outcome.result.ok;
}

function upNodes(world: World): string[] {
  return Object.values(world.state.nodes)
    .filter((n) => n.state === 'up' && world.alive.has(n.nodeId))
    .map((n) => n.nodeId)
    .sort();
}

function randomEvent(world: World, prng: ReturnType<typeof createPrng>): void {
  const nowMs = world.nowMs;
  const pick = <T>(values: readonly T[]): T | undefined => values[prng.int(values.length)];
  const roll = prng.int(100);
  const healthy = upNodes(world);
  if (roll < 8) {
    const nodeId = `n${world.nextNode++}`;
    world.alive.add(nodeId);
    propose(world, {
      type: 'register-node',
      nodeId,
      address: `${nodeId}:7000`,
      zone: world.zoned ? `z${prng.int(3)}` : null,
      nowMs,
    });
  } else if (roll < 14 && healthy.length > config.replicationFactor + 1) {
    const victim = pick(healthy);
    if (victim !== undefined) world.alive.delete(victim);
  } else if (roll < 18) {
    const dead = Object.keys(world.state.nodes).filter(
      (id) => !world.alive.has(id) && world.state.nodes[id]?.state !== 'decommissioned',
    );
    const lucky = pick(dead.sort());
    if (lucky !== undefined) world.alive.add(lucky);
  } else if (roll < 23 && healthy.length > config.replicationFactor + 1) {
    const nodeId = pick(healthy);
    if (nodeId !== undefined) propose(world, { type: 'drain-node', nodeId, nowMs });
  } else if (roll < 25) {
    const draining = Object.values(world.state.nodes)
      .filter((n) => n.state === 'draining')
      .map((n) => n.nodeId);
    const nodeId = pick(draining.sort());
    if (nodeId !== undefined) propose(world, { type: 'cancel-drain', nodeId, nowMs });
  } else if (roll < 31) {
    const tableName = `table-${world.nextTable++}`;
    const input = {
      TableName: tableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
      BillingMode: 'PAY_PER_REQUEST' as const,
    };
    propose(world, { type: 'create-table', tableId: `tid-${tableName}`, input, nowMs });
  } else if (roll < 34) {
    const names = Object.values(world.state.tables)
      .filter((t) => t.status === 'ACTIVE')
      .map((t) => t.tableName);
    const tableName = pick(names.sort());
    if (tableName !== undefined) propose(world, { type: 'delete-table', tableName, nowMs });
  } else if (roll < 50) {
    splitRandomPartition(world, prng);
  } else if (roll < 58) {
    const reports = Object.values(world.state.partitions)
      .sort((a, b) => (a.partitionId < b.partitionId ? -1 : 1))
      .map((p) => ({
        partitionId: p.partitionId,
        epoch: p.epoch,
        sizeBytes: prng.int(1_000_000),
        itemCount: prng.int(1000),
      }));
    propose(world, { type: 'record-partition-stats', reports, nowMs });
  } else if (roll < 61) {
    // The control-plane leader crashes: a new one starts with no soft state at all, from a
    // state restored from a snapshot (whose key order differs from the applied state's).
    world.detector = new FailureDetector(config);
    const restored = decodeState(encodeState(world.state));
    assert.ok(restored.ok);
    world.state = restored.value;
  }
}

function splitRandomPartition(world: World, prng: ReturnType<typeof createPrng>): void {
  const moving = new Set(Object.values(world.state.moves).map((m) => m.partitionId));
  const candidates = Object.values(world.state.partitions)
    .filter((p) => world.state.tables[p.tableId]?.status === 'ACTIVE' && !moving.has(p.partitionId))
    .sort((a, b) => (a.partitionId < b.partitionId ? -1 : 1));
  const partition = candidates[prng.int(candidates.length)];
  if (partition === undefined) return;
  const start = hashToBigInt(partition.start);
  const width = endToBigInt(partition.end) - start;
  const samples = Array.from({ length: 8 }, () => ({
    hash: bigIntToHash(start + (width * BigInt(prng.int(1_000_000))) / 1_000_000n),
    weight: 1 + prng.int(100),
  }));
  const point = chooseSplitPoint(partition.start, partition.end, samples, config.splitSamplesMin);
  if (!point.ok) return;
  propose(world, {
    type: 'split-partition',
    partitionId: partition.partitionId,
    expectedEpoch: partition.epoch,
    newPartitionId: splitChildId(partition.partitionId, partition.epoch + 1),
    reason: 'size',
    splitHash: point.value.splitHash,
    leftFraction: point.value.leftFraction,
    nowMs: world.nowMs,
  });
}

/** What the storage layer does in one tick: elect leaders, carry out move steps, drop data. */
function storageTick(
  world: World,
  prng: ReturnType<typeof createPrng>,
  moveSteps: ReturnType<typeof planReconcile>['moveSteps'],
): void {
  const nowMs = world.nowMs;
  for (const partition of Object.values(world.state.partitions).sort((a, b) =>
    a.partitionId < b.partitionId ? -1 : 1,
  )) {
    if (partition.leaderNodeId !== null && world.alive.has(partition.leaderNodeId)) continue;
    const voter = partition.replicas.find((r) => r.role === 'voter' && world.alive.has(r.nodeId));
    if (voter === undefined) continue;
    propose(world, {
      type: 'mark-partition-leader',
      partitionId: partition.partitionId,
      nodeId: voter.nodeId,
      term: partition.leaderTerm + 1,
      nowMs,
    });
  }
  for (const step of moveSteps) {
    const move = Object.values(world.state.moves).find((m) => m.partitionId === step.partitionId);
    if (move === undefined || prng.int(10) < 3) continue;
    const done = stepDone(step, world.alive);
    if (done === 'none') continue;
    const command: Command =
      done === 'finish'
        ? { type: 'finish-move', moveId: move.moveId, nowMs }
        : { type: 'advance-move', moveId: move.moveId, phase: done, nowMs };
    propose(world, command);
  }
  for (const table of Object.values(world.state.tables).sort((a, b) =>
    a.tableId < b.tableId ? -1 : 1,
  )) {
    if (table.status === 'DELETING' && prng.int(4) === 0)
      propose(world, { type: 'drop-table', tableId: table.tableId, nowMs });
  }
}

function tick(world: World, prng: ReturnType<typeof createPrng>, events: boolean): void {
  world.nowMs += tickMs;
  if (events) randomEvent(world, prng);
  for (const nodeId of [...world.alive].sort()) world.detector.recordHeartbeat(nodeId, world.nowMs);
  const plan = planReconcile(world.state, world.detector, world.nowMs, config);
  for (const command of plan.commands) {
    assert.ok(propose(world, command), `a planned ${command.type} was rejected`);
  }
  storageTick(world, prng, plan.moveSteps);
  // A transfer succeeds when its target is alive and still a voter: it campaigns in a new term.
  for (const transfer of plan.leaderTransfers) {
    const partition = world.state.partitions[transfer.partitionId];
    if (partition === undefined || !world.alive.has(transfer.toNodeId) || prng.int(2) === 0)
      continue;
    if (partition.leaderNodeId !== transfer.fromNodeId) continue;
    const { partitionId, toNodeId: nodeId } = transfer;
    propose(world, {
      type: 'mark-partition-leader',
      partitionId,
      nodeId,
      term: partition.leaderTerm + 1,
      nowMs: world.nowMs,
    });
  }
}

function checkSettled(world: World): void {
  const { state } = world;
  assert.deepEqual(Object.keys(state.moves), [], 'moves left half-done');
  const counts = replicaCountsByNode(state);
  for (const node of Object.values(state.nodes)) {
    const replicas = counts.get(node.nodeId) ?? 0;
    if (node.state === 'draining' || node.state === 'decommissioned') {
      assert.equal(replicas, 0, `drained node ${node.nodeId} still has ${replicas} replicas`);
    }
    if (node.state === 'down' && node.replaceReplicas)
      assert.equal(replicas, 0, `dead ${node.nodeId} kept replicas`);
  }
  for (const partition of Object.values(state.partitions)) {
    const healthy = partition.replicas.filter(
      (r) => r.role === 'voter' && state.nodes[r.nodeId]?.state === 'up',
    );
    assert.equal(
      healthy.length,
      config.replicationFactor,
      `${partition.partitionId} is under-replicated`,
    );
  }
  // Balance: within each failure domain (zones force one replica per zone, so a small zone's
  // nodes carry more), the spread of replica counts is within the tolerated bound.
  const byDomain = new Map<string, number[]>();
  for (const node of Object.values(state.nodes)) {
    if (node.state !== 'up') continue;
    const domain = node.zone ?? 'none';
    byDomain.set(domain, [...(byDomain.get(domain) ?? []), counts.get(node.nodeId) ?? 0]);
  }
  for (const [domain, values] of byDomain) {
    const spread = Math.max(...values) - Math.min(...values);
    assert.ok(
      spread <= config.replicaSpreadMax,
      `replica spread in ${domain}: ${JSON.stringify(values)}`,
    );
  }
  assert.deepEqual(planMoves(state, config), [], 'the planner has not reached a fixed point');
  const leaders = leaderCountsByNode(state);
  const upLeaders = Object.values(state.nodes)
    .filter((n) => n.state === 'up')
    .map((n) => leaders.get(n.nodeId) ?? 0);
  // Transfers are local (a partition's leader can only move to one of its voters), so the fixed
  // point can leave one extra leader beyond the tolerated spread, never more.
  const leaderSpread = upLeaders.length === 0 ? 0 : Math.max(...upLeaders) - Math.min(...upLeaders);
  assert.ok(
    leaderSpread <= config.leaderSpreadMax + 1,
    `leaders per up node ${JSON.stringify(upLeaders)}`,
  );
}

function runSeed(seed: number, steps: number): World {
  const prng = createPrng(seed);
  const world: World = {
    state: createInitialState(),
    log: [],
    alive: new Set(),
    detector: new FailureDetector(config),
    nowMs: 1_700_000_000_000,
    nextNode: 1,
    nextTable: 1,
    epochs: new Map(),
    mapEpoch: 0,
    zoned: seed % 2 === 1,
    applied: new Map(),
  };
  for (let index = 0; index < 5; index += 1) {
    const nodeId = `n${world.nextNode++}`;
    world.alive.add(nodeId);
    propose(world, {
      type: 'register-node',
      nodeId,
      address: `${nodeId}:7000`,
      zone: world.zoned ? `z${index % 3}` : null,
      nowMs: world.nowMs,
    });
  }
  for (let step = 0; step < steps; step += 1) tick(world, prng, true);
  // Let the cluster settle: no more events; long enough for every grace period and move.
  let settleSteps = 0;
  for (; settleSteps < 400 && !settled(world); settleSteps += 1) tick(world, prng, false);
  if (process.env.SIM_DEBUG !== undefined) console.log(`settled after ${settleSteps} ticks`);
  if (process.env.SIM_DEBUG !== undefined) {
    console.log(
      JSON.stringify({
        moves: world.state.moves,
        plan: planMoves(world.state, config),
        nodes: Object.values(world.state.nodes).map((n) => [
          n.nodeId,
          n.state,
          replicaCountsByNode(world.state).get(n.nodeId),
        ]),
      }),
    );
  }
  checkSettled(world);
  return world;
}

function settled(world: World): boolean {
  const { state } = world;
  if (Object.keys(state.moves).length > 0 || planMoves(state, config).length > 0) return false;
  if (planLeaderTransfers(state, config, 1).length > 0) return false;
  // Partitions of a table being deleted are never moved, so wait until their data is dropped.
  if (Object.values(state.tables).some((t) => t.status === 'DELETING')) return false;
  return Object.values(state.nodes).every(
    (n) =>
      n.state === 'up' ||
      n.state === 'decommissioned' ||
      (n.state === 'down' &&
        n.replaceReplicas &&
        (replicaCountsByNode(state).get(n.nodeId) ?? 0) === 0),
  );
}

// Twelve seeds take about two seconds; SIM_SEED_COUNT=500 is a longer soak, SIM_SEED=n one seed.
const seedCount = Number(process.env.SIM_SEED_COUNT ?? 12);
const seeds =
  process.env.SIM_SEED === undefined
    ? Array.from({ length: seedCount }, (_, i) => i + 1)
    : [Number(process.env.SIM_SEED)];

test('random membership, table and split histories keep every invariant and settle', () => {
  const totals = new Map<string, number>();
  for (const seed of seeds) {
    try {
      const world = runSeed(seed, 250);
      // Determinism: replaying the log from scratch gives the same bytes.
      let replay = createInitialState();
      for (const command of world.log) replay = applyCommand(replay, command, context).state;
      assert.deepEqual(encodeState(replay), encodeState(world.state));
      for (const [key, count] of world.applied) totals.set(key, (totals.get(key) ?? 0) + count);
    } catch (error: unknown) {
      throw new Error(`simulation failed with SIM_SEED=${seed}: ${String(error)}`, {
        cause: error,
      });
    }
    if (process.env.SIM_VERBOSE !== undefined && seed % 50 === 0) console.log(`seed ${seed} ok`);
  }
  if (process.env.SIM_SEED === undefined) {
    // The runs must actually have exercised every path the invariants are about.
    for (const key of [
      'begin-move',
      'finish-move',
      'abort-move',
      'split-partition',
      'drop-table',
      'replace-node-replicas',
      'cancel-drain',
      'set-node-state:decommissioned',
      'set-node-state:down',
      'set-node-state:suspect',
    ]) {
      assert.ok((totals.get(key) ?? 0) > 0, `no ${key} in any run: ${JSON.stringify([...totals])}`);
    }
  }
  if (process.env.SIM_VERBOSE !== undefined) console.log(JSON.stringify([...totals].sort()));
});
