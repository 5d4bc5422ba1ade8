import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { abortReason, canAbort, nextPhase, resumeMoves, stepOf } from './moves.js';
import type { ControlState } from './state.js';
import { applyOk, clusterWith, testContext, withActiveTable, withNodes } from './test-support.js';

const context = testContext({ initialPartitionsPerTable: 1 });

function withMove(reason: 'drain' | 'rebalance' = 'drain'): ControlState {
  let state = withNodes(
    withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music'),
    context,
    ['n4'],
  );
  if (reason === 'drain')
    state = applyOk(state, { type: 'drain-node', nodeId: 'n1', nowMs: 3 }, context).state;
  return applyOk(
    state,
    { type: 'begin-move', partitionId: 'p1', fromNodeId: 'n1', toNodeId: 'n4', reason, nowMs: 4 },
    context,
  ).state;
}

describe('move state machine', () => {
  test('phases, steps and the abort window', () => {
    assert.equal(nextPhase('adding-learner'), 'catching-up');
    assert.equal(nextPhase('promoting'), 'removing');
    assert.equal(nextPhase('removing'), 'finished');
    let state = withMove();
    const kinds: string[] = [];
    for (const phase of ['catching-up', 'promoting', 'removing'] as const) {
      const move = state.moves.m1;
      assert.ok(move !== undefined);
      kinds.push(`${stepOf(move).kind}:${canAbort(move)}`);
      state = applyOk(
        state,
        { type: 'advance-move', moveId: 'm1', phase, nowMs: 5 },
        context,
      ).state;
    }
    const last = state.moves.m1;
    assert.ok(last !== undefined);
    kinds.push(`${stepOf(last).kind}:${canAbort(last)}`);
    assert.deepEqual(kinds, [
      'add-learner:true',
      'await-catch-up:true',
      'promote-learner:true',
      'remove-replica:false',
    ]);
    assert.deepEqual(stepOf(last), { kind: 'remove-replica', partitionId: 'p1', nodeId: 'n1' });
  });

  test('a crash resumes every move from the replicated state alone', () => {
    let state = withMove();
    state = applyOk(
      state,
      { type: 'advance-move', moveId: 'm1', phase: 'catching-up', nowMs: 5 },
      context,
    ).state;
    assert.deepEqual(resumeMoves(state), [
      {
        kind: 'continue',
        moveId: 'm1',
        step: { kind: 'await-catch-up', partitionId: 'p1', nodeId: 'n4' },
      },
    ]);
  });

  test('a dead target rolls the move back, unless the learner is already a voter', () => {
    let state = withMove();
    state = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n4', state: 'down', nowMs: 5 },
      context,
    ).state;
    assert.match(
      abortReason(state, state.moves.m1 ?? assert.fail()) ?? '',
      /target node n4 is down/,
    );
    assert.equal(resumeMoves(state)[0]?.kind, 'abort');
    let promoted = withMove();
    for (const phase of ['catching-up', 'promoting', 'removing'] as const) {
      promoted = applyOk(
        promoted,
        { type: 'advance-move', moveId: 'm1', phase, nowMs: 5 },
        context,
      ).state;
    }
    promoted = applyOk(
      promoted,
      { type: 'set-node-state', nodeId: 'n4', state: 'down', nowMs: 6 },
      context,
    ).state;
    assert.equal(abortReason(promoted, promoted.moves.m1 ?? assert.fail()), null);
  });

  test('a cancelled drain rolls back its moves; rebalance moves are unaffected by drains', () => {
    let state = withMove('drain');
    state = applyOk(state, { type: 'cancel-drain', nodeId: 'n1', nowMs: 5 }, context).state;
    assert.match(
      abortReason(state, state.moves.m1 ?? assert.fail()) ?? '',
      /drain of n1 was cancelled/,
    );
    const rebalance = withMove('rebalance');
    assert.equal(abortReason(rebalance, rebalance.moves.m1 ?? assert.fail()), null);
  });

  test('deleting the table rolls the move back', () => {
    let state = withMove('rebalance');
    state = applyOk(state, { type: 'delete-table', tableName: 'Music', nowMs: 5 }, context).state;
    assert.equal(abortReason(state, state.moves.m1 ?? assert.fail()), 'table is being deleted');
  });
});
