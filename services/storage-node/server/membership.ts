// Membership: the node registers with the control plane and heartbeats with its partition
// reports. The calls are behind a small interface so that tests (and the node, until the real
// control plane runs) can use an in-process implementation; `grpcMembership` is the real one.
import { createClient, GrpcError, GrpcStatus, openChannel } from '../../../lib/grpc/index.js';
import { Membership } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import type { PartitionReport } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';

/** A partition report as sent in a heartbeat. */
export type ReportInit = Omit<
  PartitionReport,
  '$typeName' | '$unknown' | 'keySamples' | 'requestSamples'
> & {
  keySamples: { hash: Uint8Array; weight: bigint }[];
  requestSamples: { hash: Uint8Array; weight: bigint }[];
};

/** The control-plane calls a storage node makes. */
export interface ControlPlaneMembership {
  /** Joins (or re-joins after a restart); answers how often to heartbeat. */
  registerNode(request: {
    nodeId: string;
    address: string;
    zone: string;
  }): Promise<{ heartbeatIntervalMs: number }>;
  /** A liveness report with every replica's report. */
  heartbeat(request: { nodeId: string; reports: ReportInit[] }): Promise<void>;
}

/** The real control plane over gRPC, at one address. */
export function grpcMembershipAt(address: string): ControlPlaneMembership & { close(): void } {
  const channel = openChannel(address);
  const client = createClient(Membership, channel, { defaultTimeoutMs: 5_000 });
  return {
    async registerNode(request) {
      const answer = await client.registerNode(request);
      return { heartbeatIntervalMs: answer.heartbeatIntervalMs };
    },
    async heartbeat(request) {
      await client.heartbeat(request);
    },
    close: () => channel.close(),
  };
}

/**
 * The real control plane over gRPC. `addresses` is one host:port or a comma-separated list of
 * the control-plane replicas; calls follow the leader (see `LeaderFollowingMembership`).
 */
export function grpcMembership(addresses: string): ControlPlaneMembership & { close(): void } {
  const list = addresses
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  return new LeaderFollowingMembership(list, grpcMembershipAt);
}

/** Trailer a non-leader control-plane replica names the leader's gRPC address in. */
export const LEADER_ADDRESS_TRAILER = 'tessera-leader-address';

/** Connections kept beyond the configured addresses (leaders named by trailers). */
const EXTRA_CONNECTIONS_MAX = 4;

/**
 * Membership over several control-plane replicas. Only the leader answers; the others end the
 * call with UNAVAILABLE and a `tessera-leader-address` trailer. A call goes to the last address
 * that answered; on a redirect it moves to the named leader, on any other failure to the next
 * configured address. At most `addresses.length + 1` attempts per call, then the last error.
 */
export class LeaderFollowingMembership implements ControlPlaneMembership {
  private readonly connections = new Map<string, ControlPlaneMembership & { close(): void }>();
  private current: string;
  /** Attempts made by the last call (for tests and logs). */
  lastAttempts = 0;

  constructor(
    private readonly addresses: readonly string[],
    private readonly connect: (address: string) => ControlPlaneMembership & { close(): void },
  ) {
    const first = addresses[0];
    if (first === undefined) throw new Error('at least one control-plane address is required');
    this.current = first;
  }

  /** The address calls go to first (the last one that answered, or was named leader). */
  get currentAddress(): string {
    return this.current;
  }

  registerNode(request: { nodeId: string; address: string; zone: string }) {
    return this.call((membership) => membership.registerNode(request));
  }

  heartbeat(request: { nodeId: string; reports: ReportInit[] }) {
    return this.call((membership) => membership.heartbeat(request));
  }

  /** Closes every connection. */
  close(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }

  private async call<T>(send: (membership: ControlPlaneMembership) => Promise<T>): Promise<T> {
    let lastError: unknown;
    const attemptsMax = this.addresses.length + 1;
    for (let attempt = 1; attempt <= attemptsMax; attempt++) {
      this.lastAttempts = attempt;
      const address = this.current;
      try {
        return await send(this.connection(address));
      } catch (error) {
        lastError = error;
        this.current = leaderNamedBy(error, address) ?? this.nextConfigured(address);
      }
    }
    throw lastError;
  }

  /** The configured address after `address` (the first when `address` is not configured). */
  private nextConfigured(address: string): string {
    const index = this.addresses.indexOf(address);
    return this.addresses[(index + 1) % this.addresses.length] ?? address;
  }

  private connection(address: string): ControlPlaneMembership & { close(): void } {
    let connection = this.connections.get(address);
    if (connection !== undefined) return connection;
    const extras = [...this.connections.keys()].filter((known) => !this.addresses.includes(known));
    if (!this.addresses.includes(address) && extras.length >= EXTRA_CONNECTIONS_MAX) {
      const oldest = extras[0];
      if (oldest !== undefined) {
        this.connections.get(oldest)?.close();
        this.connections.delete(oldest);
      }
    }
    connection = this.connect(address);
    this.connections.set(address, connection);
    return connection;
  }
}

/** The leader address a not-leader answer names, unless it is missing or `from` itself. */
function leaderNamedBy(error: unknown, from: string): string | undefined {
  if (!(error instanceof GrpcError) || error.code !== GrpcStatus.UNAVAILABLE) return undefined;
  const value = error.metadata.get(LEADER_ADDRESS_TRAILER)[0];
  const leader = typeof value === 'string' ? value.trim() : '';
  return leader === '' || leader === from ? undefined : leader;
}

/** What the in-process control plane knows about one node. */
export interface KnownNode {
  readonly address: string;
  readonly zone: string;
  heartbeats: number;
  reports: ReportInit[];
}

/** An in-process control plane for tests: records registrations and heartbeats. */
export class InProcessMembership implements ControlPlaneMembership {
  readonly nodes = new Map<string, KnownNode>();

  constructor(private readonly heartbeatIntervalMs = 1_000) {}

  registerNode(request: { nodeId: string; address: string; zone: string }) {
    this.nodes.set(request.nodeId, {
      address: request.address,
      zone: request.zone,
      heartbeats: 0,
      reports: [],
    });
    return Promise.resolve({ heartbeatIntervalMs: this.heartbeatIntervalMs });
  }

  heartbeat(request: { nodeId: string; reports: ReportInit[] }) {
    const node = this.nodes.get(request.nodeId);
    if (node === undefined)
      return Promise.reject(new Error(`node ${request.nodeId} is not registered`));
    node.heartbeats++;
    node.reports = request.reports;
    return Promise.resolve();
  }
}

/**
 * The node's side: register once (again after a failure), then heartbeat. `step()` does one
 * unit of work; the node calls it from a timer at the interval the control plane asked for.
 */
export class MembershipAgent {
  private registered = false;
  /** The interval the control plane asked for (until it answers, the default). */
  heartbeatIntervalMs = 1_000;
  /** The last failure, for logs; undefined after a success. */
  lastError: string | undefined;

  constructor(
    private readonly membership: ControlPlaneMembership,
    private readonly node: { nodeId: string; address: string; zone: string },
    private readonly reports: () => Promise<ReportInit[]>,
  ) {}

  /** Registers if needed, otherwise heartbeats. Never throws. */
  async step(): Promise<void> {
    try {
      if (!this.registered) {
        const answer = await this.membership.registerNode(this.node);
        if (answer.heartbeatIntervalMs > 0) this.heartbeatIntervalMs = answer.heartbeatIntervalMs;
        this.registered = true;
      }
      await this.membership.heartbeat({ nodeId: this.node.nodeId, reports: await this.reports() });
      this.lastError = undefined;
    } catch (error) {
      // A control plane that restarted may have forgotten us: register again next time.
      this.registered = false;
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }
}
