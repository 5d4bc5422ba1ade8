/**
 * Computes the TesseraCluster status: the `Ready`, `Progressing` and `Degraded`
 * conditions with reasons and messages, replica counts for the scale subresource, and
 * `observedGeneration`. Pure: the clock's reading is an input.
 */
import type { Condition, ConditionType, TesseraClusterStatus } from '../api/types.js';

/** What the reconcile pass found, summarised for the status. */
export interface StatusInput {
  generation: number;
  version: string;
  previous: TesseraClusterStatus | undefined;
  nowIso: string;
  labelSelector: string;
  storageReplicas: number;
  storageReadyReplicas: number;
  desiredStorageReplicas: number;
  /** True when every component's pods are ready and on the desired template. */
  componentsReady: boolean;
  drainingNodes: string[];
  /**
   * Partitions the control plane reports without a full replica set or without a leader
   * (absent when it could not be asked): the cluster is not Ready while any exist.
   */
  unhealthyPartitions?: { underReplicated: number; leaderless: number; lagging: number };
  progress?: { reason: string; message: string };
  degraded?: { reason: string; message: string };
}

/** Builds the next status. Conditions keep their transition time while their status holds. */
export function buildStatus(input: StatusInput): TesseraClusterStatus {
  const unhealthy = input.unhealthyPartitions;
  const partitionsHealthy =
    !unhealthy || unhealthy.underReplicated + unhealthy.leaderless + unhealthy.lagging === 0;
  const ready = !input.degraded && !input.progress && input.componentsReady && partitionsHealthy;
  const conditions: Condition[] = [
    condition(
      input,
      'Ready',
      ready,
      ready ? { reason: 'AllReplicasReady', message: 'every component is ready' } : notReady(input),
    ),
    condition(
      input,
      'Progressing',
      input.progress !== undefined,
      input.progress ?? { reason: 'Stable', message: 'nothing in progress' },
    ),
    condition(
      input,
      'Degraded',
      input.degraded !== undefined,
      input.degraded ?? { reason: 'AsExpected', message: 'the spec is valid and safe' },
    ),
  ];
  // The version every storage pod runs changes only once a pass finds nothing in progress.
  const currentVersion = ready ? input.version : input.previous?.currentVersion;
  return {
    observedGeneration: input.generation,
    replicas: input.storageReplicas,
    readyReplicas: input.storageReadyReplicas,
    labelSelector: input.labelSelector,
    ...(currentVersion !== undefined ? { currentVersion } : {}),
    drainingNodes: input.drainingNodes,
    phase: input.degraded
      ? 'Degraded'
      : input.progress
        ? input.progress.reason
        : ready
          ? 'Running'
          : 'Starting',
    conditions,
  };
}

function notReady(input: StatusInput): { reason: string; message: string } {
  if (input.degraded) return { reason: input.degraded.reason, message: input.degraded.message };
  if (input.progress) return { reason: input.progress.reason, message: input.progress.message };
  const unhealthy = input.unhealthyPartitions;
  if (input.componentsReady && unhealthy) {
    return {
      reason: 'PartitionsUnhealthy',
      message: `the control plane reports ${unhealthy.underReplicated} under-replicated, ${unhealthy.leaderless} leaderless and ${unhealthy.lagging} lagging partitions`,
    };
  }
  return {
    reason: 'PodsNotReady',
    message: `${input.storageReadyReplicas}/${input.desiredStorageReplicas} storage pods ready; waiting for every component`,
  };
}

function condition(
  input: StatusInput,
  type: ConditionType,
  isTrue: boolean,
  detail: { reason: string; message: string },
): Condition {
  const status = isTrue ? 'True' : 'False';
  const previous = input.previous?.conditions?.find((existing) => existing.type === type);
  return {
    type,
    status,
    reason: detail.reason,
    message: detail.message,
    observedGeneration: input.generation,
    lastTransitionTime:
      previous && previous.status === status ? previous.lastTransitionTime : input.nowIso,
  };
}

/** Whether two statuses differ in anything worth a write. */
export function statusChanged(
  a: TesseraClusterStatus | undefined,
  b: TesseraClusterStatus,
): boolean {
  return JSON.stringify(a ?? {}) !== JSON.stringify(b);
}
