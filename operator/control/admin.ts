/**
 * What the operator needs from the control plane's admin API
 * (gRPC `tessera.control.v1.ControlAdmin`): cluster health, and draining a storage node
 * before its pod is removed. The reconciler depends on this interface only; the gRPC
 * implementation is wired by `operator/main.ts`, tests use {@link FakeControlPlaneAdmin}.
 */

/**
 * A storage node's membership state as the control plane sees it. `drained`: a drain moved
 * every replica away (it can still be cancelled); `decommissioned`: the control plane retired
 * the node for good, and its id cannot register again.
 */
export type NodeState = 'alive' | 'suspect' | 'dead' | 'draining' | 'drained' | 'decommissioned';

/** One storage node in the cluster status. */
export interface NodeStatus {
  /** The node id: the storage pod's name. */
  nodeId: string;
  state: NodeState;
  /** Partition replicas the node still hosts. */
  replicas: number;
  /** Of those, how many it leads. */
  leaders: number;
}

/** The cluster health the operator decides on. */
export interface ClusterStatus {
  nodes: NodeStatus[];
  partitions: number;
  /** Partitions with fewer healthy replicas than the replication factor. */
  underReplicatedPartitions: number;
  /** Partitions with no leader. */
  leaderlessPartitions: number;
  /**
   * Partitions with a voter its leader does not see caught up (a restarted node still catching
   * up), or with no fresh report from a leader: taking another replica down could lose quorum.
   */
  laggingPartitions: number;
  /** Draining nodes whose replicas cannot move anywhere right now (a stuck drain). */
  blockedEvacuations: string[];
}

/**
 * Why an admin call failed:
 * - `unreachable`: no answer (connection refused, deadline, a replica shutting down);
 * - `no-leader`: a replica answered but knows no leader to send the call to (an election);
 * - `redirect-limit`: the call was sent from follower to follower more times than allowed;
 * - `rejected`: the leader refused the request (a typed error such as `NodeNotFound`);
 * - `failed`: any other error.
 */
export type AdminErrorCode = 'unreachable' | 'no-leader' | 'redirect-limit' | 'rejected' | 'failed';

/** An admin call's outcome: errors are data (the control plane may be starting or unreachable). */
export type AdminResult<T> =
  { ok: true; value: T } | { ok: false; code: AdminErrorCode; error: string };

/** The control plane's admin API, for one cluster. */
export interface ControlPlaneAdmin {
  clusterStatus(): Promise<AdminResult<ClusterStatus>>;
  /** Starts moving every replica off a node. Idempotent. */
  drainNode(nodeId: string): Promise<AdminResult<void>>;
  /** Stops a drain (the scale-down was reverted). Idempotent. */
  cancelDrain(nodeId: string): Promise<AdminResult<void>>;
}

/** Finds the admin API of a cluster by namespace and name. */
export type ControlPlaneAdminFactory = (namespace: string, cluster: string) => ControlPlaneAdmin;

/** Whether every partition has a full, caught-up replica set and a leader. */
export function isClusterHealthy(status: ClusterStatus): boolean {
  return (
    status.underReplicatedPartitions === 0 &&
    status.leaderlessPartitions === 0 &&
    status.laggingPartitions === 0
  );
}
