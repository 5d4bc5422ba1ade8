// Membership: the node registers with the control plane and heartbeats with its partition
// reports. The calls are behind a small interface so that tests (and the node, until the real
// control plane runs) can use an in-process implementation; `grpcMembership` is the real one.
import { createClient, openChannel } from '../../../lib/grpc/index.js';
import { Membership } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import type { PartitionReport } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';

/** A partition report as sent in a heartbeat. */
export type ReportInit = Omit<PartitionReport, '$typeName' | '$unknown' | 'keySamples'> & {
  keySamples: { hash: Uint8Array; weight: bigint }[];
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

/** The real control plane over gRPC. */
export function grpcMembership(address: string): ControlPlaneMembership & { close(): void } {
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
