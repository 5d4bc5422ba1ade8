// Conversions at the gRPC edge: tessera.v1 request messages → DynamoDB's JSON (so the storage node
// runs exactly lib/dynamo's validation), internal items and capacity → response messages, and
// host answers → ErrorDetail / RoutingError data.
import type { DescMessage } from '@bufbuild/protobuf';
import { messageToJson as sharedMessageToJson } from '../../../lib/proto-json/convert.js';
import {
  formatNumber,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoError,
  type Item,
} from '../../../lib/dynamo/index.js';
import type { AttributeValue as ProtoAttributeValue } from '../../../lib/gen/tessera/v1/attribute_value_pb.js';
import type { RoutingCondition } from '../host/routing.js';

/** A tessera.v1 request message as DynamoDB's JSON request body (shared with the router). */
export function messageToJson(schema: DescMessage, message: object): Record<string, unknown> {
  return sharedMessageToJson(schema, message as Record<string, unknown>) as Record<string, unknown>;
}

type AttributeInit = Omit<ProtoAttributeValue, '$typeName' | '$unknown'>;

/** An internal attribute value as a tessera.v1.AttributeValue initializer. */
export function attributeValueToProto(value: AttributeValue): AttributeInit {
  switch (value.type) {
    case 'S':
      return { value: { case: 's', value: value.value } };
    case 'N':
      return { value: { case: 'n', value: formatNumber(value.value) } };
    case 'B':
      return { value: { case: 'b', value: value.value } };
    case 'SS':
      return { value: { case: 'ss', value: { values: [...value.value] } } } as AttributeInit;
    case 'NS':
      return {
        value: { case: 'ns', value: { values: value.value.map(formatNumber) } },
      } as AttributeInit;
    case 'BS':
      return { value: { case: 'bs', value: { values: [...value.value] } } } as AttributeInit;
    case 'M':
      return { value: { case: 'm', value: { fields: itemToProto(value.value) } } } as AttributeInit;
    case 'L':
      return {
        value: { case: 'l', value: { values: value.value.map(attributeValueToProto) } },
      } as AttributeInit;
    case 'NULL':
      return { value: { case: 'null', value: true } };
    case 'BOOL':
      return { value: { case: 'bool', value: value.value } };
  }
}

/** An internal item as a map of tessera.v1.AttributeValue initializers. */
export function itemToProto(
  item: Item | ReadonlyMap<string, AttributeValue>,
): Record<string, AttributeInit> {
  const result: Record<string, AttributeInit> = {};
  for (const [name, value] of item) result[name] = attributeValueToProto(value);
  return result;
}

/** ConsumedCapacity in its proto form. */
export function capacityToProto(capacity: ConsumedCapacity | undefined) {
  if (capacity === undefined) return undefined;
  return {
    tableName: capacity.TableName,
    capacityUnits: capacity.CapacityUnits,
    readCapacityUnits: capacity.ReadCapacityUnits ?? 0,
    writeCapacityUnits: capacity.WriteCapacityUnits ?? 0,
    ...(capacity.Table === undefined
      ? {}
      : {
          table: {
            capacityUnits: capacity.Table.CapacityUnits,
            readCapacityUnits: capacity.Table.ReadCapacityUnits ?? 0,
            writeCapacityUnits: capacity.Table.WriteCapacityUnits ?? 0,
          },
        }),
  };
}

/** A DynamoDB error as ErrorDetail data (with the old item for ALL_OLD condition failures). */
export function errorToProto(error: DynamoError, item?: Item) {
  return {
    type: error.name,
    message: error.message,
    item: item === undefined ? {} : itemToProto(item),
  };
}

/** A routing condition as RoutingError data. */
export function routingToProto(routing: RoutingCondition) {
  switch (routing.kind) {
    case 'not-leader':
      return {
        kind: {
          case: 'notLeader' as const,
          value: {
            leaderNodeId: routing.leaderId,
            leaderAddress: routing.leaderAddress,
            term: BigInt(routing.term),
          },
        },
      };
    case 'wrong-partition':
      return {
        kind: {
          case: 'wrongPartition' as const,
          value: {
            partitionId: routing.partitionId,
            epoch: BigInt(routing.epoch),
            ...(routing.hashStart === undefined
              ? {}
              : { range: { start: routing.hashStart, end: routing.hashEnd ?? new Uint8Array(0) } }),
          },
        },
      };
    case 'unavailable':
      return { kind: { case: 'partitionUnavailable' as const, value: { reason: routing.reason } } };
  }
}
