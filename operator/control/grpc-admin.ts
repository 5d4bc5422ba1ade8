/**
 * {@link ControlPlaneAdmin} over gRPC (`tessera.control.v1.ControlAdmin`). Transport
 * failures and the control plane's typed errors both become `{ ok: false }` results:
 * the reconciler waits and retries, it never crashes on an unreachable control plane.
 *
 * The operator reaches the control plane through a Kubernetes Service, so a call may land on
 * any replica. Only the leader answers; a follower ends the call with UNAVAILABLE and a
 * `tessera-leader-address` trailer (docs/control-plane.md). The client follows that trailer a
 * bounded number of times per call, then remembers the leader for the next calls; when the
 * remembered leader stops answering it starts again from the configured address.
 */
import type { MessageShape } from '@bufbuild/protobuf';
import {
  ControlAdmin,
  NodeState as WireNodeState,
} from '../../lib/gen/tessera/control/v1/control_pb.js';
import type { NodeInfoSchema } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { ClientPool, GrpcError, GrpcStatus } from '../../lib/grpc/index.js';
import type { ServiceClient } from '../../lib/grpc/index.js';
import type {
  AdminErrorCode,
  AdminResult,
  ClusterStatus,
  ControlPlaneAdmin,
  NodeState,
} from './admin.js';

/** Deadline of one admin call: the reconciler must not hang on a slow control plane. */
export const adminCallTimeoutMs = 5_000;

/** Leader redirects followed within one call by default. */
export const adminRedirectsMax = 3;

/** Trailer in which a control-plane follower names the leader's gRPC address (host:port). */
export const leaderAddressTrailer = 'tessera-leader-address';

/** Trailer in which a control-plane follower names the leader's replica id ('' when unknown). */
export const leaderIdTrailer = 'tessera-leader-id';

/** Options of {@link createGrpcControlPlaneAdmin}. */
export interface GrpcAdminOptions {
  /** Deadline of each attempt. */
  readonly callTimeoutMs?: number;
  /** Leader redirects followed within one call before it fails with `redirect-limit`. */
  readonly redirectsMax?: number;
}

/** A gRPC admin client for one control plane, with its channels. */
export interface GrpcControlPlaneAdmin extends ControlPlaneAdmin {
  /** Where the next call goes first: the last replica that answered as leader, or the configured address. */
  readonly currentAddress: string;
  close(): void;
}

type AdminClient = ServiceClient<typeof ControlAdmin.method>;

/** What one failed attempt tells the caller to do. */
type AttemptFailure =
  | { kind: 'redirect'; leaderAddress: string }
  | { kind: 'failed'; code: AdminErrorCode; error: string };

/**
 * Connects to the control plane's admin API at `address` (`host:port`, typically the
 * control plane's Service), following leader redirects.
 */
export function createGrpcControlPlaneAdmin(
  address: string,
  options: GrpcAdminOptions = {},
): GrpcControlPlaneAdmin {
  const follower = new LeaderFollower(address, options);
  return {
    get currentAddress() {
      return follower.currentAddress;
    },
    async clusterStatus() {
      const answer = await follower.call((client) => client.getClusterStatus({}));
      if (!answer.ok) return answer;
      const status: ClusterStatus = {
        nodes: answer.value.nodes.map((node) => ({
          nodeId: node.nodeId,
          state: nodeState(node),
          replicas: node.replicaCount,
          leaders: node.leaderCount,
        })),
        partitions: answer.value.partitionCount,
        underReplicatedPartitions: answer.value.underReplicatedPartitions,
        leaderlessPartitions: answer.value.leaderlessPartitions,
        laggingPartitions: answer.value.laggingPartitions,
        blockedEvacuations: [...answer.value.blockedEvacuations],
      };
      return { ok: true, value: status };
    },
    async drainNode(nodeId) {
      return withoutValue(await follower.call((client) => client.drainNode({ nodeId })));
    },
    async cancelDrain(nodeId) {
      return withoutValue(await follower.call((client) => client.cancelDrain({ nodeId })));
    },
    close: () => follower.close(),
  };
}

/** A node answer's typed error (NodeNotFound, ...) as a `rejected` result. */
function withoutValue(
  answer: AdminResult<{ error?: { type: string; message: string } }>,
): AdminResult<void> {
  if (!answer.ok) return answer;
  const refusal = answer.value.error;
  if (refusal) return { ok: false, code: 'rejected', error: `${refusal.type}: ${refusal.message}` };
  return { ok: true, value: undefined };
}

/**
 * Sends each call to the replica believed to lead and follows `tessera-leader-address`
 * redirects, at most `redirectsMax` per call. Channels live in a bounded pool: the configured
 * address, the current leader and the replicas a call was redirected through.
 */
class LeaderFollower {
  private readonly pool: ClientPool;
  private readonly redirectsMax: number;
  private current: string;

  constructor(
    private readonly configured: string,
    options: GrpcAdminOptions,
  ) {
    this.redirectsMax = options.redirectsMax ?? adminRedirectsMax;
    if (!(this.redirectsMax >= 0)) throw new Error('redirectsMax must be at least 0');
    this.pool = new ClientPool({
      defaultTimeoutMs: options.callTimeoutMs ?? adminCallTimeoutMs,
      channelsMax: this.redirectsMax + 2,
    });
    this.current = configured;
  }

  get currentAddress(): string {
    return this.current;
  }

  /**
   * Runs `send` against the leader. At most `redirectsMax + 2` attempts: the first, one per
   * redirect, and one fresh start from the configured address when a remembered leader is gone.
   */
  async call<T>(send: (client: AdminClient) => Promise<T>): Promise<AdminResult<T>> {
    let address = this.current;
    const path = [address];
    let redirects = 0;
    let restarted = address === this.configured;
    for (;;) {
      let failure: AttemptFailure;
      try {
        const value = await send(this.pool.client(ControlAdmin, address));
        this.current = address;
        return { ok: true, value };
      } catch (error) {
        failure = classify(error, address);
      }
      if (failure.kind === 'failed') {
        if (restarted) return { ok: false, code: failure.code, error: failure.error };
        // The replica we remembered as leader is gone or lost its role: ask the Service again.
        restarted = true;
        this.current = this.configured;
        address = this.configured;
      } else if (redirects >= this.redirectsMax) {
        return {
          ok: false,
          code: 'redirect-limit',
          error: `no control-plane leader reached after ${redirects} redirects (${[...path, failure.leaderAddress].join(' → ')})`,
        };
      } else {
        redirects += 1;
        address = failure.leaderAddress;
      }
      path.push(address);
    }
  }

  close(): void {
    this.pool.close();
  }
}

/** What a failed attempt at `address` means: a redirect to the leader, or a typed failure. */
function classify(error: unknown, address: string): AttemptFailure {
  if (!(error instanceof GrpcError)) {
    return { kind: 'failed', code: 'failed', error: errorMessage(error) };
  }
  if (error.code === GrpcStatus.UNAVAILABLE) {
    const leaderAddress = trailer(error, leaderAddressTrailer);
    if (leaderAddress !== '' && leaderAddress !== address) {
      return { kind: 'redirect', leaderAddress };
    }
    if (error.metadata.get(leaderIdTrailer).length > 0) {
      // A replica answered, but names no leader it can send us to (an election is running).
      return { kind: 'failed', code: 'no-leader', error: `${address}: ${error.message}` };
    }
  }
  const transient =
    error.code === GrpcStatus.UNAVAILABLE ||
    error.code === GrpcStatus.DEADLINE_EXCEEDED ||
    error.code === GrpcStatus.CANCELLED;
  return {
    kind: 'failed',
    code: transient ? 'unreachable' : 'failed',
    error: `${address}: ${error.message}`,
  };
}

function trailer(error: GrpcError, key: string): string {
  const value = error.metadata.get(key)[0];
  return typeof value === 'string' ? value.trim() : '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps the wire state to the operator's; a draining node with no replicas left is drained. */
function nodeState(node: MessageShape<typeof NodeInfoSchema>): NodeState {
  switch (node.state) {
    case WireNodeState.UP:
    case WireNodeState.JOINING:
      return 'alive';
    case WireNodeState.SUSPECT:
      return 'suspect';
    case WireNodeState.DOWN:
      return 'dead';
    case WireNodeState.DRAINING:
      return node.replicaCount === 0 ? 'drained' : 'draining';
    case WireNodeState.DECOMMISSIONED:
      return 'decommissioned';
    default:
      return 'suspect';
  }
}
