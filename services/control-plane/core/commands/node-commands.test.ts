import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createInitialState } from '../state.js';
import type { NodeState } from '../state.js';
import { applyFail, applyOk, clusterWith, testContext, withActiveTable } from '../test-support.js';
import { canTransition } from './set-node-state.js';

const context = testContext();

describe('register-node', () => {
  test('a new node joins; re-registering keeps its state and takes the new address', () => {
    const first = applyOk(
      createInitialState(),
      { type: 'register-node', nodeId: 'n1', address: 'a:1', zone: 'z1', nowMs: 10 },
      context,
    );
    assert.equal(first.value.state, 'joining');
    assert.equal(first.value.registeredMs, 10);
    const up = applyOk(
      first.state,
      { type: 'set-node-state', nodeId: 'n1', state: 'up', nowMs: 11 },
      context,
    ).state;
    const again = applyOk(
      up,
      { type: 'register-node', nodeId: 'n1', address: 'b:2', zone: 'z1', nowMs: 12 },
      context,
    );
    assert.equal(again.value.state, 'up');
    assert.equal(again.value.address, 'b:2');
    assert.ok(again.state.mapEpoch > up.mapEpoch, 'an address change is visible to routers');
  });

  test('malformed fields and decommissioned ids are refused', () => {
    assert.equal(
      applyFail(
        createInitialState(),
        { type: 'register-node', nodeId: '', address: 'a', zone: null, nowMs: 1 },
        context,
      ).code,
      'MalformedCommand',
    );
    let state = clusterWith(context, ['n1']);
    state = applyOk(state, { type: 'drain-node', nodeId: 'n1', nowMs: 2 }, context).state;
    state = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n1', state: 'decommissioned', nowMs: 3 },
      context,
    ).state;
    assert.equal(
      applyFail(
        state,
        { type: 'register-node', nodeId: 'n1', address: 'a', zone: null, nowMs: 4 },
        context,
      ).code,
      'NodeAlreadyRegistered',
    );
  });
});

describe('set-node-state', () => {
  const states: NodeState[] = ['joining', 'up', 'suspect', 'down', 'draining', 'decommissioned'];
  const expected: Record<NodeState, NodeState[]> = {
    joining: ['up', 'down', 'draining'],
    up: ['suspect', 'down', 'draining'],
    suspect: ['up', 'down', 'draining'],
    down: ['up', 'draining', 'decommissioned'],
    draining: ['up', 'decommissioned'],
    decommissioned: [],
  };
  for (const from of states) {
    for (const to of states) {
      if (from === to) continue;
      test(`${from} → ${to} is ${expected[from].includes(to) ? 'allowed' : 'refused'}`, () => {
        assert.equal(canTransition(from, to), expected[from].includes(to));
      });
    }
  }

  test('an unknown node and a refused transition are typed errors; same state is a no-op', () => {
    const state = clusterWith(context, ['n1']);
    assert.equal(
      applyFail(state, { type: 'set-node-state', nodeId: 'zz', state: 'up', nowMs: 1 }, context)
        .code,
      'NodeNotFound',
    );
    assert.equal(
      applyFail(
        state,
        { type: 'set-node-state', nodeId: 'n1', state: 'decommissioned', nowMs: 1 },
        context,
      ).code,
      'InvalidNodeTransition',
    );
    const same = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n1', state: 'up', nowMs: 5 },
      context,
    );
    assert.equal(same.state, state);
  });

  test('decommissioning requires zero replicas', () => {
    let state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
    state = applyOk(state, { type: 'drain-node', nodeId: 'n1', nowMs: 5 }, context).state;
    const error = applyFail(
      state,
      { type: 'set-node-state', nodeId: 'n1', state: 'decommissioned', nowMs: 6 },
      context,
    );
    assert.match(error.message, /still hosts 4 replicas/);
  });
});

describe('drain, cancel-drain, replace-node-replicas', () => {
  test('drain and cancel move between up and draining only', () => {
    const state = clusterWith(context, ['n1']);
    const drained = applyOk(state, { type: 'drain-node', nodeId: 'n1', nowMs: 2 }, context);
    assert.equal(drained.value.state, 'draining');
    assert.equal(drained.value.stateSinceMs, 2);
    const cancelled = applyOk(
      drained.state,
      { type: 'cancel-drain', nodeId: 'n1', nowMs: 3 },
      context,
    );
    assert.equal(cancelled.value.state, 'up');
    // Cancelling again is a no-op: the node is up, as the caller wants.
    const again = applyOk(
      cancelled.state,
      { type: 'cancel-drain', nodeId: 'n1', nowMs: 4 },
      context,
    );
    assert.equal(again.state, cancelled.state);
    const down = applyOk(
      cancelled.state,
      { type: 'set-node-state', nodeId: 'n1', state: 'down', nowMs: 5 },
      context,
    ).state;
    assert.equal(
      applyFail(down, { type: 'cancel-drain', nodeId: 'n1', nowMs: 6 }, context).code,
      'InvalidNodeTransition',
    );
    assert.equal(
      applyFail(state, { type: 'cancel-drain', nodeId: 'nx', nowMs: 4 }, context).code,
      'NodeNotFound',
    );
  });

  test('only a down node can have its replicas replaced; coming back up clears the flag', () => {
    let state = clusterWith(context, ['n1']);
    assert.equal(
      applyFail(state, { type: 'replace-node-replicas', nodeId: 'n1', nowMs: 2 }, context).code,
      'InvalidNodeTransition',
    );
    state = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n1', state: 'down', nowMs: 3 },
      context,
    ).state;
    const replacing = applyOk(
      state,
      { type: 'replace-node-replicas', nodeId: 'n1', nowMs: 4 },
      context,
    );
    assert.equal(replacing.value.replaceReplicas, true);
    const back = applyOk(
      replacing.state,
      { type: 'set-node-state', nodeId: 'n1', state: 'up', nowMs: 5 },
      context,
    );
    assert.equal(back.value.replaceReplicas, false);
  });
});
