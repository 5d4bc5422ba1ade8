/**
 * Decides what to do with the storage StatefulSet: create it, scale it up, drain and
 * then scale it down, or roll an upgrade one pod at a time. Pure: it takes what was
 * observed and returns a plan the reconciler applies.
 */
import type { ClusterNames } from '../api/names.js';
import { storageNodeId, storageOrdinal } from '../api/names.js';
import type { ClusterStatus } from '../control/admin.js';
import { isClusterHealthy } from '../control/admin.js';

/** How long to wait before looking again while something is in progress. */
export const storagePollIntervalMs = 5_000;

/** The storage StatefulSet as observed. */
export interface ObservedStorageSet {
  replicas: number;
  partition: number;
  /** Hash of the pod template the operator last applied. */
  templateHash: string;
  generation: number;
  observedGeneration: number;
  readyReplicas: number;
  updatedReplicas: number;
}

/** Inputs of {@link planStorage}. */
export interface StoragePlanInput {
  names: ClusterNames;
  desiredReplicas: number;
  desiredTemplateHash: string;
  existing: ObservedStorageSet | undefined;
  clusterStatus: ClusterStatus | undefined;
}

/** Work in progress, reported in the `Progressing` condition. */
export interface Progress {
  reason:
    | 'Creating'
    | 'ScalingUp'
    | 'Draining'
    | 'ScalingDown'
    | 'RollingUpgrade'
    | 'WaitingForControlPlane'
    | 'WaitingForPods';
  message: string;
}

/** What the reconciler should do with the storage StatefulSet. */
export interface StoragePlan {
  replicas: number;
  partition: number;
  /** Apply the desired pod template (true) or leave the running one (false). */
  applyTemplate: boolean;
  /** Nodes to ask the control plane to drain. */
  drain: string[];
  /** Nodes still handing off replicas before they can be removed. */
  draining: string[];
  /** Nodes whose drain must be cancelled (a scale-down was reverted). */
  cancelDrain: string[];
  /** Ordinals whose volumes must not survive: removed now, or about to be reused. */
  releaseClaimOrdinals: number[];
  /** Claims of these ordinals must be gone before the StatefulSet may grow. */
  growOnlyWithoutClaims: number[];
  progress?: Progress;
}

/** Plans the next step for the storage StatefulSet. */
export function planStorage(input: StoragePlanInput): StoragePlan {
  const { existing, desiredReplicas } = input;
  if (!existing) {
    return {
      ...emptyPlan(desiredReplicas, 0, true),
      progress: { reason: 'Creating', message: `creating ${desiredReplicas} storage nodes` },
    };
  }
  const cancelDrain = revertedDrains(input);
  if (existing.observedGeneration < existing.generation) {
    return {
      ...emptyPlan(existing.replicas, existing.partition, false),
      cancelDrain,
      progress: {
        reason: 'WaitingForPods',
        message: 'waiting for the StatefulSet controller to observe the last change',
      },
    };
  }
  if (desiredReplicas < existing.replicas) return { ...planShrink(input, existing), cancelDrain };
  if (desiredReplicas > existing.replicas) {
    const growing = range(existing.replicas, desiredReplicas);
    return {
      // A pod template change waits for the next pass; new pods get the running template.
      ...emptyPlan(desiredReplicas, existing.partition, false),
      cancelDrain,
      releaseClaimOrdinals: growing,
      growOnlyWithoutClaims: growing,
      progress: {
        reason: 'ScalingUp',
        message: `adding storage nodes ${growing.map((ordinal) => storageNodeId(input.names, ordinal)).join(', ')}; the control plane rebalances onto them`,
      },
    };
  }
  return { ...planUpgrade(input, existing), cancelDrain };
}

function planShrink(input: StoragePlanInput, existing: ObservedStorageSet): StoragePlan {
  const leaving = range(input.desiredReplicas, existing.replicas);
  const keep = emptyPlan(existing.replicas, existing.partition, false);
  if (!input.clusterStatus) {
    return {
      ...keep,
      progress: {
        reason: 'WaitingForControlPlane',
        message: 'a scale-down waits for the control plane to confirm drains; it is unreachable',
      },
    };
  }
  // Every node at a leaving ordinal, whatever incarnation of the pod's volume it is.
  const leavingOrdinals = new Set(leaving);
  const holding = input.clusterStatus.nodes.filter((node) => {
    const ordinal = storageOrdinal(input.names, node.nodeId);
    return (
      ordinal !== undefined &&
      leavingOrdinals.has(ordinal) &&
      (node.replicas > 0 || (node.state !== 'drained' && node.state !== 'decommissioned'))
    );
  });
  if (holding.length > 0) {
    return {
      ...keep,
      draining: holding.map((node) => node.nodeId),
      drain: holding.filter((node) => node.state !== 'draining').map((node) => node.nodeId),
      progress: {
        reason: 'Draining',
        message: `draining ${holding.map((node) => `${node.nodeId} (${node.replicas} replicas left${input.clusterStatus?.blockedEvacuations.includes(node.nodeId) ? ', blocked: no node can take them' : ''})`).join(', ')} before removing them`,
      },
    };
  }
  return {
    ...emptyPlan(input.desiredReplicas, Math.min(existing.partition, input.desiredReplicas), false),
    releaseClaimOrdinals: leaving,
    progress: {
      reason: 'ScalingDown',
      message: `removing drained storage nodes ${leaving.map((ordinal) => storageNodeId(input.names, ordinal)).join(', ')}`,
    },
  };
}

function planUpgrade(input: StoragePlanInput, existing: ObservedStorageSet): StoragePlan {
  const { replicas } = existing;
  if (existing.templateHash !== input.desiredTemplateHash) {
    // Apply the new template with every pod held back; the next passes release one at a time.
    return {
      ...emptyPlan(replicas, replicas, true),
      progress: {
        reason: 'RollingUpgrade',
        message: 'new pod template applied; upgrading one storage node at a time',
      },
    };
  }
  const updatedNeeded = replicas - existing.partition;
  if (existing.updatedReplicas < updatedNeeded || existing.readyReplicas < replicas) {
    const upgrading = existing.partition < replicas;
    return {
      ...emptyPlan(replicas, existing.partition, false),
      progress: {
        reason: existing.partition > 0 || upgrading ? 'RollingUpgrade' : 'WaitingForPods',
        message: `waiting for storage pods: ${existing.readyReplicas}/${replicas} ready, ${existing.updatedReplicas}/${replicas} on the current template`,
      },
    };
  }
  if (existing.partition === 0) return emptyPlan(replicas, 0, false);
  if (!input.clusterStatus || !isClusterHealthy(input.clusterStatus)) {
    const status = input.clusterStatus;
    return {
      ...emptyPlan(replicas, existing.partition, false),
      progress: {
        reason: 'RollingUpgrade',
        message: status
          ? `waiting until every partition is fully replicated and caught up with a leader (${status.underReplicatedPartitions} under-replicated, ${status.leaderlessPartitions} leaderless, ${status.laggingPartitions} lagging) before upgrading ${storageNodeId(input.names, existing.partition - 1)}`
          : 'waiting for the control plane to report partition health before upgrading the next node',
      },
    };
  }
  const next = existing.partition - 1;
  return {
    ...emptyPlan(replicas, next, false),
    progress: {
      reason: 'RollingUpgrade',
      message: `upgrading ${storageNodeId(input.names, next)}`,
    },
  };
}

/**
 * Nodes kept by the spec that the control plane is draining: a scale-down was reverted. A
 * decommissioned node is not among them: its drain is over and cannot be cancelled (a pod
 * re-created at that ordinal on a new volume registers under a new id).
 */
function revertedDrains(input: StoragePlanInput): string[] {
  if (!input.clusterStatus) return [];
  return input.clusterStatus.nodes
    .filter((node) => {
      const ordinal = storageOrdinal(input.names, node.nodeId);
      return (
        ordinal !== undefined &&
        ordinal < input.desiredReplicas &&
        (node.state === 'draining' || node.state === 'drained')
      );
    })
    .map((node) => node.nodeId);
}

function emptyPlan(replicas: number, partition: number, applyTemplate: boolean): StoragePlan {
  return {
    replicas,
    partition,
    applyTemplate,
    drain: [],
    draining: [],
    cancelDrain: [],
    releaseClaimOrdinals: [],
    growOnlyWithoutClaims: [],
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, index) => from + index);
}
