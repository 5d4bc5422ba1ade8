/**
 * Refuses unsafe specs before anything is changed. Pure: the caller gathers what is
 * observed (the running StatefulSets, the control plane's view of its nodes).
 *
 * The CRD's CEL rules reject most of these at admission; the operator checks again
 * because CEL cannot see the running cluster (dead nodes, what is deployed now), and a
 * CRD installed without validation must not be able to break a cluster.
 */
import type { ClusterNames } from '../api/names.js';
import { storageOrdinal } from '../api/names.js';
import type { ResolvedSpec } from '../api/types.js';
import type { ClusterStatus } from '../control/admin.js';

/** What is deployed now, as far as safety is concerned. */
export interface ObservedForSafety {
  /** `spec.replicas` of the storage StatefulSet, if it exists. */
  storageReplicas?: number;
  /** Replication factor and volume size the storage StatefulSet was created with. */
  appliedReplicationFactor?: number;
  appliedStorageSize?: string;
  /** `spec.replicas` of the control-plane StatefulSet, if it exists. */
  controlPlaneReplicas?: number;
  clusterStatus?: ClusterStatus;
}

/** Why a spec was refused: the `Degraded` condition's reason and message. */
export interface SpecRefusal {
  reason:
    | 'InsufficientStorageReplicas'
    | 'ImmutableFieldChanged'
    | 'InvalidControlPlaneReplicas'
    | 'ControlPlaneQuorumLoss'
    | 'UnsafeScaleDown';
  message: string;
}

/** Returns why the spec must not be applied, or undefined when it is safe. */
export function checkSpec(
  spec: ResolvedSpec,
  names: ClusterNames,
  observed: ObservedForSafety,
): SpecRefusal | undefined {
  const factor = spec.replicationFactor;
  if (spec.storage.replicas < factor) {
    return {
      reason: 'InsufficientStorageReplicas',
      message: `storage.replicas (${spec.storage.replicas}) is below replicationFactor (${factor}): every partition needs ${factor} storage nodes`,
    };
  }
  if (
    observed.appliedReplicationFactor !== undefined &&
    observed.appliedReplicationFactor !== factor
  ) {
    return {
      reason: 'ImmutableFieldChanged',
      message: `replicationFactor is immutable: the cluster runs with ${observed.appliedReplicationFactor}, the spec asks for ${factor}`,
    };
  }
  if (
    observed.appliedStorageSize !== undefined &&
    observed.appliedStorageSize !== spec.storage.size
  ) {
    return {
      reason: 'ImmutableFieldChanged',
      message: `storage.size is immutable: volumes were created with ${observed.appliedStorageSize}, the spec asks for ${spec.storage.size}`,
    };
  }
  return checkControlPlane(spec, observed) ?? checkStorageShrink(spec, names, observed);
}

function checkControlPlane(
  spec: ResolvedSpec,
  observed: ObservedForSafety,
): SpecRefusal | undefined {
  const wanted = spec.controlPlane.replicas;
  if (wanted < 1 || wanted % 2 === 0) {
    return {
      reason: 'InvalidControlPlaneReplicas',
      message: `controlPlane.replicas must be odd (1, 3, 5, 7); got ${wanted}`,
    };
  }
  const current = observed.controlPlaneReplicas;
  if (current !== undefined && wanted < Math.floor(current / 2) + 1) {
    return {
      reason: 'ControlPlaneQuorumLoss',
      message: `shrinking the control plane from ${current} to ${wanted} replicas would remove a majority of its Raft group; shrink by at most ${Math.floor((current - 1) / 2)} at a time`,
    };
  }
  return undefined;
}

function checkStorageShrink(
  spec: ResolvedSpec,
  names: ClusterNames,
  observed: ObservedForSafety,
): SpecRefusal | undefined {
  const current = observed.storageReplicas;
  const wanted = spec.storage.replicas;
  if (current === undefined || wanted >= current || !observed.clusterStatus) return undefined;
  // Nodes that stay but cannot take replicas: moving replicas onto them would not work.
  const unhealthyStaying = observed.clusterStatus.nodes.filter((node) => {
    const ordinal = storageOrdinal(names, node.nodeId);
    return (
      ordinal !== undefined &&
      ordinal < wanted &&
      (node.state === 'dead' || node.state === 'suspect')
    );
  });
  const healthyStaying = wanted - unhealthyStaying.length;
  if (healthyStaying < spec.replicationFactor) {
    return {
      reason: 'UnsafeScaleDown',
      message: `shrinking storage from ${current} to ${wanted} would leave ${healthyStaying} healthy nodes (${unhealthyStaying.map((node) => `${node.nodeId} is ${node.state}`).join(', ')}) for replication factor ${spec.replicationFactor}: partitions would lose quorum`,
    };
  }
  return undefined;
}
