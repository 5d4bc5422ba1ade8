import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createControlConfig } from './config.js';
import { FailureDetector, decisionToCommand } from './membership.js';
import type { MembershipDecision } from './membership.js';
import { applyCommand } from './commands/index.js';
import type { ControlState } from './state.js';
import { applyOk, clusterWith, withActiveTable } from './test-support.js';
import { createInitialState } from './state.js';

const config = createControlConfig({
  suspectAfterMs: 1000,
  downAfterMs: 3000,
  replaceGraceMs: 10_000,
});
const context = { config };

function applyAll(
  state: ControlState,
  decisions: readonly MembershipDecision[],
  nowMs: number,
): ControlState {
  let next = state;
  for (const decision of decisions) {
    const outcome = applyCommand(next, decisionToCommand(decision, nowMs), context);
    assert.ok(outcome.result.ok, JSON.stringify(outcome.result));
    next = outcome.state;
  }
  return next;
}

describe('FailureDetector', () => {
  test('joining becomes up on its first heartbeat', () => {
    const state = applyOk(
      createInitialState(),
      { type: 'register-node', nodeId: 'n1', address: 'a', zone: null, nowMs: 100 },
      context,
    ).state;
    const detector = new FailureDetector(config);
    assert.deepEqual(detector.decide(state, 100), []);
    detector.recordHeartbeat('n1', 150);
    assert.deepEqual(detector.decide(state, 200), [
      { kind: 'set-state', nodeId: 'n1', state: 'up' },
    ]);
  });

  test('up → suspect → down → replace as silence grows; heartbeats bring it back', () => {
    let state = clusterWith(context, ['n1']);
    const detector = new FailureDetector(config);
    detector.recordHeartbeat('n1', 1000);
    assert.deepEqual(detector.decide(state, 1500), []);
    const suspect = detector.decide(state, 2000);
    assert.deepEqual(suspect, [{ kind: 'set-state', nodeId: 'n1', state: 'suspect' }]);
    state = applyAll(state, suspect, 2000);
    const down = detector.decide(state, 4000);
    assert.deepEqual(down, [{ kind: 'set-state', nodeId: 'n1', state: 'down' }]);
    state = applyAll(state, down, 4000);
    assert.deepEqual(detector.decide(state, 13_999), [], 'the grace period is not over');
    const replace = detector.decide(state, 14_000);
    assert.deepEqual(replace, [{ kind: 'replace-replicas', nodeId: 'n1' }]);
    state = applyAll(state, replace, 14_000);
    assert.deepEqual(detector.decide(state, 20_000), [], 'replacement is decided once');
    detector.recordHeartbeat('n1', 20_500);
    const back = detector.decide(state, 21_000);
    assert.deepEqual(back, [{ kind: 'set-state', nodeId: 'n1', state: 'up' }]);
    state = applyAll(state, back, 21_000);
    assert.equal(state.nodes.n1?.replaceReplicas, false);
  });

  test('a suspect node that answers again is up', () => {
    let state = clusterWith(context, ['n1']);
    const detector = new FailureDetector(config);
    detector.recordHeartbeat('n1', 1000);
    state = applyAll(state, detector.decide(state, 2100), 2100);
    assert.equal(state.nodes.n1?.state, 'suspect');
    detector.recordHeartbeat('n1', 2200);
    assert.deepEqual(detector.decide(state, 2300), [
      { kind: 'set-state', nodeId: 'n1', state: 'up' },
    ]);
  });

  test('a new leader starts every silence at its first look, so it never declares the cluster down', () => {
    const state = clusterWith(context, ['n1', 'n2']);
    const detector = new FailureDetector(config);
    assert.deepEqual(detector.decide(state, 1_000_000), []);
    assert.deepEqual(detector.decide(state, 1_000_999), []);
    assert.equal(detector.decide(state, 1_001_000).length, 2);
  });

  test('an empty draining node is decommissioned; a draining node with replicas is left alone', () => {
    let state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3', 'n4']), context, 'Music');
    state = applyOk(state, { type: 'drain-node', nodeId: 'n4', nowMs: 5 }, context).state;
    const detector = new FailureDetector(config);
    const holders = new Set(
      Object.values(state.partitions).flatMap((p) => p.replicas.map((r) => r.nodeId)),
    );
    const decisions = detector.decide(state, 10).filter((d) => d.nodeId === 'n4');
    assert.deepEqual(decisions, holders.has('n4') ? [] : [{ kind: 'decommission', nodeId: 'n4' }]);
    const empty = applyOk(
      clusterWith(context, ['n9']),
      { type: 'drain-node', nodeId: 'n9', nowMs: 2 },
      context,
    ).state;
    assert.deepEqual(detector.decide(empty, 10), [{ kind: 'decommission', nodeId: 'n9' }]);
    const gone = applyAll(empty, detector.decide(empty, 10), 10);
    assert.equal(gone.nodes.n9?.state, 'decommissioned');
    assert.deepEqual(detector.decide(gone, 1_000_000), []);
  });
});
