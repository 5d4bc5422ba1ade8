// Conversions between the core's plain records and the tessera.control.v1 / tessera.v1 messages.
// Answers are returned as message initialisers (the gRPC adapter builds the messages).
import { NodeState as ProtoNodeState } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import type {
  CreateTableRequest as DynamoCreateTableRequest,
  UpdateTableRequest as DynamoUpdateTableRequest,
} from '../../../lib/gen/tessera/v1/dynamo_pb.js';
import type { CreateTableInput, UpdateTableInput } from '../core/catalog-validation.js';
import type { TableDescription } from '../core/catalog.js';
import type { ControlError } from '../core/errors.js';
import type { HashEnd, HashHex } from '../core/hash-space.js';
import type { MapPartition, MapTable, PartitionMapSnapshot } from '../core/partition-map.js';
import type { NodeStatus } from '../core/status.js';
import type {
  AttributeDefinition,
  BillingMode,
  KeySchemaElement,
  MoveRecord,
  NodeState,
  ScalarAttributeType,
} from '../core/state.js';

const nodeStates: Readonly<Record<NodeState, ProtoNodeState>> = {
  joining: ProtoNodeState.JOINING,
  up: ProtoNodeState.UP,
  suspect: ProtoNodeState.SUSPECT,
  down: ProtoNodeState.DOWN,
  draining: ProtoNodeState.DRAINING,
  decommissioned: ProtoNodeState.DECOMMISSIONED,
};

/** The proto enum value of a node state. */
export function nodeStateToProto(state: NodeState): ProtoNodeState {
  return nodeStates[state];
}

/** A 32-hex-digit hash point as the 16 bytes the wire carries; the open end is empty. */
export function hashToBytes(hash: HashHex | HashEnd): Uint8Array {
  return hash === null ? new Uint8Array(0) : new Uint8Array(Buffer.from(hash, 'hex'));
}

/** A DynamoDB error as the ErrorDetail the catalog answers carry. */
export function errorDetail(error: ControlError): { type: string; message: string } {
  return { type: error.code, message: error.message };
}

function keySchemaOf(
  elements: readonly { attributeName: string; keyType: string }[],
): KeySchemaElement[] {
  return elements.map((e) => ({
    AttributeName: e.attributeName,
    KeyType: e.keyType as 'HASH' | 'RANGE',
  }));
}

function attributesOf(
  definitions: readonly { attributeName: string; attributeType: string }[],
): AttributeDefinition[] {
  return definitions.map((d) => ({
    AttributeName: d.attributeName,
    AttributeType: d.attributeType as ScalarAttributeType,
  }));
}

/**
 * The core's CreateTable input from the proto request. Unset optional fields stay absent, so
 * the core's validation sees exactly what the client sent (and words its errors as DynamoDB).
 */
export function createTableInputOf(request: DynamoCreateTableRequest): CreateTableInput {
  return {
    TableName: request.tableName,
    KeySchema: keySchemaOf(request.keySchema),
    AttributeDefinitions: attributesOf(request.attributeDefinitions),
    ...(request.billingMode === '' ? {} : { BillingMode: request.billingMode as BillingMode }),
    ...(request.provisionedThroughput === undefined
      ? {}
      : {
          ProvisionedThroughput: {
            ReadCapacityUnits: Number(request.provisionedThroughput.readCapacityUnits),
            WriteCapacityUnits: Number(request.provisionedThroughput.writeCapacityUnits),
          },
        }),
    ...(request.tags.length === 0
      ? {}
      : { Tags: request.tags.map((t) => ({ Key: t.key, Value: t.value })) }),
    ...(request.deletionProtectionEnabled === undefined
      ? {}
      : { DeletionProtectionEnabled: request.deletionProtectionEnabled }),
  };
}

/** The core's UpdateTable input from the proto request. */
export function updateTableInputOf(request: DynamoUpdateTableRequest): UpdateTableInput {
  return {
    TableName: request.tableName,
    ...(request.billingMode === '' ? {} : { BillingMode: request.billingMode as BillingMode }),
    ...(request.provisionedThroughput === undefined
      ? {}
      : {
          ProvisionedThroughput: {
            ReadCapacityUnits: Number(request.provisionedThroughput.readCapacityUnits),
            WriteCapacityUnits: Number(request.provisionedThroughput.writeCapacityUnits),
          },
        }),
    ...(request.attributeDefinitions.length === 0
      ? {}
      : { AttributeDefinitions: attributesOf(request.attributeDefinitions) }),
    ...(request.deletionProtectionEnabled === undefined
      ? {}
      : { DeletionProtectionEnabled: request.deletionProtectionEnabled }),
  };
}

/** DynamoDB's TableDescription as the proto message. */
export function tableDescriptionToProto(description: TableDescription) {
  const throughput = description.ProvisionedThroughput;
  return {
    tableName: description.TableName,
    tableStatus: description.TableStatus,
    keySchema: description.KeySchema.map((e) => ({
      attributeName: e.AttributeName,
      keyType: e.KeyType,
    })),
    attributeDefinitions: description.AttributeDefinitions.map((d) => ({
      attributeName: d.AttributeName,
      attributeType: d.AttributeType,
    })),
    creationDateTime: description.CreationDateTime,
    itemCount: BigInt(description.ItemCount),
    tableSizeBytes: BigInt(description.TableSizeBytes),
    tableArn: description.TableArn,
    tableId: description.TableId,
    billingModeSummary: {
      billingMode: description.BillingModeSummary.BillingMode,
      lastUpdateToPayPerRequestDateTime:
        description.BillingModeSummary.LastUpdateToPayPerRequestDateTime ?? 0,
    },
    provisionedThroughput: {
      readCapacityUnits: BigInt(throughput.ReadCapacityUnits),
      writeCapacityUnits: BigInt(throughput.WriteCapacityUnits),
      numberOfDecreasesToday: BigInt(throughput.NumberOfDecreasesToday),
      lastIncreaseDateTime: throughput.LastIncreaseDateTime ?? 0,
      lastDecreaseDateTime: throughput.LastDecreaseDateTime ?? 0,
    },
    deletionProtectionEnabled: description.DeletionProtectionEnabled,
  };
}

/** A node with its counts as the proto NodeInfo. */
export function nodeInfoToProto(node: NodeStatus, lastHeartbeatMs: number) {
  return {
    nodeId: node.nodeId,
    address: node.address,
    zone: node.zone ?? '',
    state: nodeStateToProto(node.state),
    replicaCount: node.replicaCount,
    leaderCount: node.leaderCount,
    lastHeartbeatMs: BigInt(lastHeartbeatMs),
  };
}

/** A move as the proto MoveInfo. */
export function moveInfoToProto(move: MoveRecord) {
  return {
    partitionId: move.partitionId,
    fromNodeId: move.fromNodeId ?? '',
    toNodeId: move.toNodeId,
    step: move.phase,
  };
}

/** A partition of the routers' map as the proto PartitionInfo. */
export function partitionInfoToProto(
  partition: MapPartition,
  tableName: string,
  addresses: ReadonlyMap<string, string>,
) {
  return {
    tableId: partition.tableId,
    tableName,
    partitionId: partition.partitionId,
    range: { start: hashToBytes(partition.start), end: hashToBytes(partition.end) },
    epoch: BigInt(partition.epoch),
    replicas: partition.replicas.map((r) => ({
      nodeId: r.nodeId,
      address: addresses.get(r.nodeId) ?? '',
      learner: r.role === 'learner',
    })),
    leaderNodeId: partition.leaderNodeId ?? '',
  };
}

/** Tables of a map (all, or the given ones) with their partitions, as proto TableMaps. */
export function tableMapsToProto(
  snapshot: PartitionMapSnapshot,
  tables: readonly MapTable[] = snapshot.tables,
) {
  const addresses = new Map(snapshot.nodes.map((n) => [n.nodeId, n.address]));
  return tables.map((table) => ({
    schema: {
      tableId: table.tableId,
      tableName: table.tableName,
      keySchema: table.keySchema.map((e) => ({
        attributeName: e.AttributeName,
        keyType: e.KeyType,
      })),
      attributeDefinitions: [],
    },
    tableStatus: table.status,
    partitions: snapshot.partitions
      .filter((p) => p.tableId === table.tableId)
      .map((p) => partitionInfoToProto(p, table.tableName, addresses)),
  }));
}
