/**
 * What the simulated storage layer answers for a move step. Kept apart from the simulation test
 * so that its rules are easy to read: a step that needs the target node happens only while the
 * target is alive; removing the old replica is the leader's business and always succeeds.
 */
import type { MoveStep } from './moves.js';

/** The phase a completed step leads to, `finish` after removal, or `none` if it cannot happen. */
export function stepDone(
  step: MoveStep,
  alive: ReadonlySet<string>,
): 'catching-up' | 'promoting' | 'removing' | 'finish' | 'none' {
  switch (step.kind) {
    case 'add-learner':
      return alive.has(step.nodeId) ? 'catching-up' : 'none';
    case 'await-catch-up':
      return alive.has(step.nodeId) ? 'promoting' : 'none';
    case 'promote-learner':
      return alive.has(step.nodeId) ? 'removing' : 'none';
    case 'remove-replica':
      return 'finish';
  }
}
