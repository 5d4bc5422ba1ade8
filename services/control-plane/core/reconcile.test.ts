import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyCommand } from './commands/index.js';
import { FailureDetector } from './membership.js';
import { planReconcile } from './reconcile.js';
import type { ControlState } from './state.js';
import { clusterWith, testContext, withActiveTable } from './test-support.js';

const context = testContext({
  initialPartitionsPerTable: 4,
  suspectAfterMs: 1_000,
  downAfterMs: 2_000,
  replaceGraceMs: 5_000,
});

function applyPlan(
  state: ControlState,
  commands: Parameters<typeof applyCommand>[1][],
): ControlState {
  let next = state;
  for (const command of commands) {
    const outcome = applyCommand(next, command, context);
    assert.ok(outcome.result.ok, `${command.type}: ${JSON.stringify(outcome.result)}`);
    next = outcome.state;
  }
  return next;
}

describe('planReconcile', () => {
  test('a dead node goes suspect, down, and after the grace period its replicas move', () => {
    let state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3', 'n4']), context, 'Music');
    const detector = new FailureDetector(context.config);
    const seen: string[] = [];
    for (let nowMs = 10_000; nowMs <= 20_000; nowMs += 500) {
      for (const id of ['n1', 'n2', 'n3']) detector.recordHeartbeat(id, nowMs);
      const plan = planReconcile(state, detector, nowMs, context.config);
      state = applyPlan(state, [...plan.commands]);
      assert.deepEqual(
        plan.projectedState,
        state,
        'the projection is what applying the plan gives',
      );
      for (const command of plan.commands) {
        const label = command.type === 'set-node-state' ? `${command.state}` : command.type;
        if (seen[seen.length - 1] !== label) seen.push(label);
      }
    }
    const first = seen.slice(0, 3);
    assert.deepEqual(first, ['suspect', 'down', 'replace-node-replicas']);
    // 4 partitions × 3 replicas on 4 nodes: n4 holds 3 of them, each with one free target.
    assert.equal(seen[3], 'begin-move', `no replacement planned: ${seen.join(' ')}`);
    assert.equal(Object.keys(state.moves).length, 3);
    for (const move of Object.values(state.moves)) {
      assert.equal(move.fromNodeId, 'n4');
      assert.equal(move.reason, 'replace');
    }
  });

  test('plans are deterministic and bounded', () => {
    const state = withActiveTable(
      clusterWith(context, ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']),
      context,
      'Music',
    );
    const a = planReconcile(state, new FailureDetector(context.config), 5_000, context.config);
    const b = planReconcile(state, new FailureDetector(context.config), 5_000, context.config);
    assert.deepEqual(a.commands, b.commands);
    assert.ok(Object.keys(a.projectedState.moves).length <= context.config.movesInFlightMax);
    assert.equal(a.moveSteps.length, Object.keys(a.projectedState.moves).length);
  });
});
