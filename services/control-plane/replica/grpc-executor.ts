// The real StorageExecutor: tessera.storage.v1.PartitionAdmin on the storage nodes. Each action
// is idempotent on the storage side, so the leader may repeat any of them after a crash or a
// timeout. A routing error (not the leader, stale epoch) is "not yet": the leader tries again
// once reports have moved the map on.
import { ClientPool, GrpcError } from '../../../lib/grpc/index.js';
import { PartitionAdmin } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import type { MoveStep } from '../core/moves.js';
import type { PlannedLeaderTransfer } from '../core/placement.js';
import { lookup } from '../core/state.js';
import type { ControlState, PartitionRecord } from '../core/state.js';
import type { HashHex } from '../core/hash-space.js';
import type { ExecutorOutcome, SplitOutcome, SplitRequest, StorageExecutor } from './executor.js';

function hashBytes(hash: string | null): Uint8Array {
  return hash === null ? new Uint8Array(0) : new Uint8Array(Buffer.from(hash, 'hex'));
}

/** The address of the node the state names as the partition's leader, if it knows one. */
function leaderAddressOf(state: ControlState, partition: PartitionRecord): string | undefined {
  return partition.leaderNodeId === null
    ? undefined
    : lookup(state.nodes, partition.leaderNodeId)?.address;
}

function failure(error: unknown): { ok: false; message: string } {
  return { ok: false, message: GrpcError.from(error).message };
}

/** PartitionAdmin over gRPC, one pooled channel per storage node. */
export class GrpcStorageExecutor implements StorageExecutor {
  private readonly pool: ClientPool;

  constructor(callTimeoutMs = 5_000) {
    this.pool = new ClientPool({ defaultTimeoutMs: callTimeoutMs, channelsMax: 1_024 });
  }

  async createReplicas(state: ControlState, partitionId: string): Promise<ExecutorOutcome> {
    const partition = lookup(state.partitions, partitionId);
    if (partition === undefined) return { ok: true, done: true };
    const request = this.createReplicaRequest(state, partition, BigInt(partition.epoch));
    if (request === undefined) return { ok: true, done: true };
    try {
      await Promise.all(
        partition.replicas.map(async (replica) => {
          const address = lookup(state.nodes, replica.nodeId)?.address;
          if (address === undefined) throw new Error(`node ${replica.nodeId} has no address`);
          await this.pool.client(PartitionAdmin, address).createReplica(request);
        }),
      );
      return { ok: true, done: true };
    } catch (error) {
      return failure(error);
    }
  }

  /** The CreateReplica request for a partition: its table, range, epoch and replica set. */
  private createReplicaRequest(state: ControlState, partition: PartitionRecord, epoch: bigint) {
    const table = lookup(state.tables, partition.tableId);
    if (table === undefined) return undefined;
    return {
      table: {
        tableId: table.tableId,
        tableName: table.tableName,
        keySchema: table.keySchema.map((e) => ({
          attributeName: e.AttributeName,
          keyType: e.KeyType,
        })),
        attributeDefinitions: table.attributeDefinitions.map((d) => ({
          attributeName: d.AttributeName,
          attributeType: d.AttributeType,
        })),
      },
      partitionId: partition.partitionId,
      range: { start: hashBytes(partition.start), end: hashBytes(partition.end) },
      epoch,
      replicas: this.replicas(state, partition),
    };
  }

  async runMoveStep(state: ControlState, step: MoveStep): Promise<ExecutorOutcome> {
    const partition = lookup(state.partitions, step.partitionId);
    if (partition === undefined) return { ok: true, done: false };
    const leaderAddress = leaderAddressOf(state, partition);
    if (leaderAddress === undefined) return { ok: true, done: false };
    const admin = this.pool.client(PartitionAdmin, leaderAddress);
    try {
      // Both sides count range changes (splits) only; the leader's report also says which
      // replicas have caught up. Address the partition with the epoch its leader reports.
      const reports = await admin.getPartitionReports({});
      const report = reports.reports.find((r) => r.partitionId === step.partitionId);
      const epoch = report?.epoch ?? BigInt(partition.epoch);
      const ref = { tableId: partition.tableId, partitionId: partition.partitionId, epoch };
      switch (step.kind) {
        case 'add-learner': {
          const learner = lookup(state.nodes, step.nodeId);
          if (learner === undefined) return { ok: true, done: false };
          // The target must host the replica before the group can reach it: create it there
          // as a learner that knows the current members (CreateReplica is idempotent).
          const request = this.createReplicaRequest(state, partition, epoch);
          if (request === undefined) return { ok: true, done: false };
          const members = request.replicas.filter((r) => r.nodeId !== step.nodeId);
          members.push({ nodeId: step.nodeId, address: learner.address, learner: true });
          const created = await this.pool
            .client(PartitionAdmin, learner.address)
            .createReplica({ ...request, replicas: members });
          if (created.routingError !== undefined) return { ok: true, done: false };
          const answer = await admin.addLearner({
            partition: ref,
            learner: { nodeId: step.nodeId, address: learner?.address ?? '', learner: true },
          });
          return { ok: true, done: answer.routingError === undefined };
        }
        case 'await-catch-up':
          return { ok: true, done: report?.caughtUpNodeIds.includes(step.nodeId) ?? false };
        case 'promote-learner': {
          const answer = await admin.promoteLearner({ partition: ref, nodeId: step.nodeId });
          return { ok: true, done: answer.routingError === undefined && answer.caughtUp };
        }
        case 'remove-replica': {
          if (step.nodeId === null) return { ok: true, done: true };
          if (report?.leader === true && partition.leaderNodeId === step.nodeId) {
            // A leader that removes itself steps down and leaves the group leaderless for an
            // election timeout; hand leadership to another voter first (the step is retried).
            const heir = partition.replicas.find(
              (r) => r.role === 'voter' && r.nodeId !== step.nodeId,
            );
            if (heir !== undefined) {
              await admin.transferLeadership({ partition: ref, toNodeId: heir.nodeId });
              return { ok: true, done: false };
            }
          }
          const answer = await admin.removeReplica({ partition: ref, nodeId: step.nodeId });
          return { ok: true, done: answer.routingError === undefined };
        }
      }
    } catch (error) {
      return failure(error);
    }
  }

  async splitPartition(state: ControlState, request: SplitRequest): Promise<SplitOutcome> {
    const partition = lookup(state.partitions, request.partitionId);
    const leaderAddress = partition === undefined ? undefined : leaderAddressOf(state, partition);
    if (partition === undefined || leaderAddress === undefined) return { ok: true, done: false };
    const ref = {
      tableId: partition.tableId,
      partitionId: partition.partitionId,
      epoch: BigInt(request.expectedEpoch),
    };
    try {
      const answer = await this.pool.client(PartitionAdmin, leaderAddress).splitPartition({
        partition: ref,
        // Any point inside the range when recovering: a group that already split answers
        // WrongPartition (with its new range) before it looks at the point.
        splitHash: hashBytes(request.splitHash ?? partition.start),
        newPartitionId: request.newPartitionId,
      });
      const routing = answer.routingError?.kind;
      if (routing === undefined || routing.case === undefined) {
        return request.splitHash === null
          ? { ok: true, done: false }
          : { ok: true, done: true, splitHash: request.splitHash };
      }
      // Split already: the left half's range now ends at the point it split at.
      const end = routing.case === 'wrongPartition' ? routing.value.range?.end : undefined;
      if (
        routing.case === 'wrongPartition' &&
        routing.value.epoch === BigInt(request.expectedEpoch + 1) &&
        end !== undefined &&
        end.length === 16
      ) {
        return { ok: true, done: true, splitHash: Buffer.from(end).toString('hex') as HashHex };
      }
      return { ok: true, done: false };
    } catch (error) {
      return failure(error);
    }
  }

  async dropReplica(
    state: ControlState,
    nodeId: string,
    partitionId: string,
  ): Promise<ExecutorOutcome> {
    const partition = lookup(state.partitions, partitionId);
    const address = lookup(state.nodes, nodeId)?.address;
    if (partition === undefined || address === undefined) return { ok: true, done: true };
    try {
      const answer = await this.pool.client(PartitionAdmin, address).dropReplica({
        partition: { tableId: partition.tableId, partitionId, epoch: BigInt(partition.epoch) },
      });
      return { ok: true, done: answer.dropped || answer.reason === 'not hosted here' };
    } catch (error) {
      return failure(error);
    }
  }

  async dropTable(state: ControlState, tableId: string): Promise<ExecutorOutcome> {
    try {
      // Every node that is not gone may hold a replica (moves included): ask them all.
      const nodes = Object.values(state.nodes).filter(
        (n) => n.state !== 'decommissioned' && n.state !== 'down',
      );
      await Promise.all(
        nodes.map(async (node) =>
          this.pool.client(PartitionAdmin, node.address).dropTable({ tableId }),
        ),
      );
      return { ok: true, done: true };
    } catch (error) {
      return failure(error);
    }
  }

  async transferLeadership(
    state: ControlState,
    transfer: PlannedLeaderTransfer,
  ): Promise<ExecutorOutcome> {
    const partition = lookup(state.partitions, transfer.partitionId);
    const address = lookup(state.nodes, transfer.fromNodeId)?.address;
    if (partition === undefined || address === undefined) return { ok: true, done: true };
    const admin = this.pool.client(PartitionAdmin, address);
    try {
      const reports = await admin.getPartitionReports({});
      const epoch =
        reports.reports.find((r) => r.partitionId === partition.partitionId)?.epoch ??
        BigInt(partition.epoch);
      const answer = await admin.transferLeadership({
        partition: { tableId: partition.tableId, partitionId: partition.partitionId, epoch },
        toNodeId: transfer.toNodeId,
      });
      return { ok: true, done: answer.routingError === undefined };
    } catch (error) {
      return failure(error);
    }
  }

  /** Closes every channel. */
  close(): void {
    this.pool.close();
  }

  private replicas(state: ControlState, partition: PartitionRecord) {
    return partition.replicas.map((r) => ({
      nodeId: r.nodeId,
      address: lookup(state.nodes, r.nodeId)?.address ?? '',
      learner: r.role === 'learner',
    }));
  }
}
