// The PartitionAdmin gRPC service: the control plane's handle on this node's replicas.
// Malformed requests end with INVALID_ARGUMENT; routing conditions come back as RoutingError.
import {
  GrpcError,
  GrpcStatus,
  bindService,
  type ServiceBinding,
} from '../../../lib/grpc/index.js';
import {
  PartitionAdmin,
  type CreateReplicaRequest,
  type PartitionRef,
} from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import type { KeySchema } from '../../../lib/dynamo/index.js';
import type { Engine } from '../engine/engine.js';
import {
  addLearner,
  dropReplica,
  dropTable,
  partitionReports,
  promoteLearner,
  removeReplica,
  splitPartition,
  transferLeadership,
} from '../host/admin.js';
import type { CreateReplicaParams, StorageHost } from '../host/host.js';
import type { HostAnswer, PartitionAddress } from '../host/routing.js';
import { routingToProto } from './convert.js';
import { measurePartition, type RequestRates, type SizeCache } from './partition-stats.js';

function invalid(message: string): GrpcError {
  return new GrpcError(GrpcStatus.INVALID_ARGUMENT, message);
}

function addressOf(ref: PartitionRef | undefined): PartitionAddress {
  if (ref === undefined || ref.partitionId === '') throw invalid('partition is required');
  return { tableId: ref.tableId, partitionId: ref.partitionId, epoch: Number(ref.epoch) };
}

function routingOnly(answer: HostAnswer<unknown>) {
  if (answer.kind === 'routing') return { routingError: routingToProto(answer.routing) };
  if (answer.kind === 'error') throw invalid(answer.error.message);
  return {};
}

function hash(
  bytes: Uint8Array,
  name: string,
  emptyMeans: 'start' | 'end',
): Uint8Array | undefined {
  if (bytes.length === 0) return emptyMeans === 'start' ? new Uint8Array(16) : undefined;
  if (bytes.length !== 16) throw invalid(`${name} must be a 16-byte hash`);
  return bytes;
}

/** Checks a CreateReplica request and turns it into host parameters. */
export function createReplicaParams(request: CreateReplicaRequest): CreateReplicaParams {
  const table = request.table;
  if (table === undefined || table.tableId === '') throw invalid('table is required');
  if (request.partitionId === '') throw invalid('partition_id is required');
  const typeOf = (name: string) => {
    const type = table.attributeDefinitions.find((d) => d.attributeName === name)?.attributeType;
    if (type !== 'S' && type !== 'N' && type !== 'B')
      throw invalid(`key attribute ${name} needs type S, N or B`);
    return type;
  };
  const hashKey = table.keySchema.find((k) => k.keyType === 'HASH');
  const rangeKey = table.keySchema.find((k) => k.keyType === 'RANGE');
  if (hashKey === undefined || table.keySchema.length > 2)
    throw invalid('key_schema needs one HASH key');
  const schema: KeySchema = {
    partitionKey: { name: hashKey.attributeName, type: typeOf(hashKey.attributeName) },
    ...(rangeKey === undefined
      ? {}
      : { sortKey: { name: rangeKey.attributeName, type: typeOf(rangeKey.attributeName) } }),
  };
  if (request.replicas.length === 0 || request.replicas.length > 16)
    throw invalid('1 to 16 replicas');
  return {
    tableId: table.tableId,
    tableName: table.tableName,
    schema,
    partitionId: request.partitionId,
    hashStart: hash(request.range?.start ?? new Uint8Array(0), 'range.start', 'start')!,
    hashEnd: hash(request.range?.end ?? new Uint8Array(0), 'range.end', 'end'),
    epoch: Number(request.epoch),
    members: request.replicas.map((r) => ({
      nodeId: r.nodeId,
      address: r.address,
      learner: r.learner,
    })),
  };
}

/** Binds the PartitionAdmin service to a host. */
export function partitionAdminService(
  host: StorageHost,
  engine: Engine,
  rates: RequestRates,
  sizes?: SizeCache,
): ServiceBinding {
  return bindService(PartitionAdmin, {
    async createReplica(request) {
      return routingOnly(await host.createReplica(createReplicaParams(request)));
    },
    async addLearner(request) {
      const learner = request.learner;
      if (learner === undefined || learner.nodeId === '' || learner.address === '')
        throw invalid('learner node id and address are required');
      return routingOnly(
        await addLearner(host, addressOf(request.partition), learner.nodeId, learner.address),
      );
    },
    async promoteLearner(request) {
      const answer = await promoteLearner(host, addressOf(request.partition), request.nodeId);
      return { ...routingOnly(answer), caughtUp: answer.kind === 'ok' && answer.value };
    },
    async removeReplica(request) {
      return routingOnly(await removeReplica(host, addressOf(request.partition), request.nodeId));
    },
    async transferLeadership(request) {
      return routingOnly(transferLeadership(host, addressOf(request.partition), request.toNodeId));
    },
    async splitPartition(request) {
      if (request.splitHash.length !== 16) throw invalid('split_hash must be a 16-byte hash');
      if (request.newPartitionId === '') throw invalid('new_partition_id is required');
      const answer = await splitPartition(
        host,
        addressOf(request.partition),
        request.splitHash,
        request.newPartitionId,
      );
      return { ...routingOnly(answer), epoch: BigInt(answer.kind === 'ok' ? answer.value : 0) };
    },
    async dropReplica(request) {
      return dropReplica(host, addressOf(request.partition));
    },
    async dropTable(request) {
      if (request.tableId === '') throw invalid('table_id is required');
      return { partitionsDropped: BigInt(await dropTable(host, request.tableId)) };
    },
    async getPartitionReports() {
      return { nodeId: host.nodeId, reports: await buildReports(host, engine, rates, sizes) };
    },
  });
}

/** Reports of every replica on this node, as PartitionReport initializers. */
export async function buildReports(
  host: StorageHost,
  engine: Engine,
  rates: RequestRates,
  sizes?: SizeCache,
) {
  await host.collectRemoved();
  const taken = rates.take();
  const reports = [];
  const hosted = partitionReports(host);
  sizes?.retain(new Set(hosted.map((report) => report.meta.partitionId)));
  for (const report of hosted) {
    const size = await (sizes?.measure(engine, report.meta) ??
      measurePartition(engine, report.meta));
    const rate = taken.get(report.meta.partitionId);
    reports.push({
      tableId: report.meta.tableId,
      partitionId: report.meta.partitionId,
      epoch: BigInt(report.meta.epoch),
      leader: report.leader,
      term: BigInt(report.term),
      commitIndex: BigInt(report.commitIndex),
      appliedIndex: BigInt(report.appliedIndex),
      sizeBytes: BigInt(size.sizeBytes),
      itemCount: BigInt(size.itemCount),
      readsPerSecond: rate?.readsPerSecond ?? 0,
      writesPerSecond: rate?.writesPerSecond ?? 0,
      keySamples: size.samples.map((s) => ({ hash: s.hash, weight: BigInt(s.weight) })),
      requestSamples: (rate?.samples ?? []).map((s) => ({
        hash: s.hash,
        weight: BigInt(s.weight),
      })),
      caughtUpNodeIds: [...report.caughtUpNodeIds],
      stopped: report.stoppedReason !== undefined,
      stoppedReason: report.stoppedReason ?? '',
    });
  }
  return reports;
}
