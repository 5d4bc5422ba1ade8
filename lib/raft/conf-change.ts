// Membership changes: single-server changes (one voter added or removed at a time, the
// learner → voter promotion path) and joint consensus (several changes at once, through
// C_old,new). Computes a new configuration without mutating the old one, so an invalid
// change is rejected as data and leaves the tracker untouched. Modelled on etcd's
// confchange/confchange.go.

import type { Progress } from './progress.js';
import type { ProgressTracker, TrackerConfig } from './tracker.js';
import type { ConfChange, ConfChangeSingle, ConfState, NodeId, Result } from './types.js';
import { err, ok } from './types.js';

/** A configuration and the progress map that goes with it. */
export interface ConfigAndProgress {
  config: TrackerConfig;
  progress: Map<NodeId, Progress>;
}

function cloneConfig(config: TrackerConfig): TrackerConfig {
  return {
    incoming: new Set(config.incoming),
    outgoing: new Set(config.outgoing),
    learners: new Set(config.learners),
    learnersNext: new Set(config.learnersNext),
    autoLeave: config.autoLeave,
  };
}

type Invalid = { code: 'invalidConfChange'; reason: string };

/** Whether a change must go through a joint configuration, and whether it leaves it automatically. */
export function classifyConfChange(change: ConfChange): 'leaveJoint' | 'simple' | 'joint' {
  if (change.changes.length === 0) return 'leaveJoint';
  if (change.transition === 'auto' && change.changes.length === 1) return 'simple';
  return 'joint';
}

/** Applies `change` to the tracker's configuration, returning the result without mutating it. */
export function computeConfChange(
  tracker: ProgressTracker,
  change: ConfChange,
  lastIndex: number,
): Result<ConfigAndProgress, Invalid> {
  const kind = classifyConfChange(change);
  const config = cloneConfig(tracker.config);
  const progress = new Map(tracker.progress);
  const joint = config.outgoing.size > 0;
  if (kind === 'leaveJoint') {
    if (!joint) return err({ code: 'invalidConfChange', reason: 'not in a joint configuration' });
    for (const id of config.learnersNext) {
      config.learners.add(id);
      const pr = progress.get(id);
      if (pr !== undefined) pr.isLearner = true;
    }
    config.learnersNext.clear();
    for (const id of config.outgoing) {
      if (!config.incoming.has(id) && !config.learners.has(id)) progress.delete(id);
    }
    config.outgoing.clear();
    config.autoLeave = false;
    return ok({ config, progress });
  }
  if (joint) return err({ code: 'invalidConfChange', reason: 'already in a joint configuration' });
  if (kind === 'joint') {
    for (const id of config.incoming) config.outgoing.add(id);
    config.autoLeave = change.transition === 'auto';
  }
  const learnerFlags = new Map<NodeId, boolean>();
  const applied = applyChanges(tracker, config, progress, learnerFlags, change.changes, lastIndex);
  if (!applied.ok) return applied;
  if (config.incoming.size === 0) {
    return err({ code: 'invalidConfChange', reason: 'removing all voters' });
  }
  if (kind === 'simple' && symmetricDifference(tracker.config.incoming, config.incoming) > 1) {
    return err({ code: 'invalidConfChange', reason: 'more than one voter changed without joint' });
  }
  // Existing progress objects are shared with the old configuration: flip them only now
  // that the change is known to be valid.
  for (const [id, isLearner] of learnerFlags) {
    const pr = progress.get(id);
    if (pr !== undefined) pr.isLearner = isLearner;
  }
  return ok({ config, progress });
}

function applyChanges(
  tracker: ProgressTracker,
  config: TrackerConfig,
  progress: Map<NodeId, Progress>,
  learnerFlags: Map<NodeId, boolean>,
  changes: readonly ConfChangeSingle[],
  lastIndex: number,
): Result<null, Invalid> {
  for (const change of changes) {
    const id = change.nodeId;
    if (id === '') return err({ code: 'invalidConfChange', reason: 'empty node id' });
    if (change.type === 'addVoter') {
      config.learners.delete(id);
      config.learnersNext.delete(id);
      config.incoming.add(id);
      ensureProgress(tracker, progress, learnerFlags, id, false, lastIndex);
    } else if (change.type === 'addLearner') {
      config.incoming.delete(id);
      // A voter of the outgoing half stays a voter until the joint config is left.
      if (config.outgoing.has(id)) config.learnersNext.add(id);
      else config.learners.add(id);
      ensureProgress(tracker, progress, learnerFlags, id, !config.outgoing.has(id), lastIndex);
    } else {
      config.incoming.delete(id);
      config.learners.delete(id);
      config.learnersNext.delete(id);
      if (!config.outgoing.has(id)) progress.delete(id);
    }
  }
  return ok(null);
}

function ensureProgress(
  tracker: ProgressTracker,
  progress: Map<NodeId, Progress>,
  learnerFlags: Map<NodeId, boolean>,
  id: NodeId,
  isLearner: boolean,
  lastIndex: number,
): void {
  if (!progress.has(id)) progress.set(id, tracker.newProgress(lastIndex, isLearner));
  learnerFlags.set(id, isLearner);
}

function symmetricDifference(a: Set<NodeId>, b: Set<NodeId>): number {
  let count = 0;
  for (const id of a) if (!b.has(id)) count++;
  for (const id of b) if (!a.has(id)) count++;
  return count;
}

/** Builds a configuration from a ConfState (on start and on snapshot restore). */
export function configFromConfState(
  tracker: ProgressTracker,
  confState: ConfState,
  lastIndex: number,
): ConfigAndProgress {
  const config: TrackerConfig = {
    incoming: new Set(confState.voters),
    outgoing: new Set(confState.votersOutgoing),
    learners: new Set(confState.learners),
    learnersNext: new Set(confState.learnersNext),
    autoLeave: confState.autoLeave,
  };
  const progress = new Map<NodeId, Progress>();
  for (const id of [...config.incoming, ...config.outgoing]) {
    if (!progress.has(id)) progress.set(id, tracker.newProgress(lastIndex, false));
  }
  for (const id of config.learners) progress.set(id, tracker.newProgress(lastIndex, true));
  return { config, progress };
}
