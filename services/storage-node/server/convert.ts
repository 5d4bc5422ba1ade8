// Conversions at the gRPC edge: tessera.v1 request messages → DynamoDB's JSON (so the storage node
// runs exactly lib/dynamo's validation), internal items and capacity → response messages, and
// host answers → ErrorDetail / RoutingError data.
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import {
  formatNumber,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoError,
  type Item,
} from '../../../lib/dynamo/index.js';
import type { AttributeValue as ProtoAttributeValue } from '../../../lib/gen/tessera/v1/attribute_value_pb.js';
import type { RoutingCondition } from '../host/routing.js';

type Json = unknown;
type Fields = Record<string, unknown>;

/** `table_name` → `TableName`. */
function dynamoName(protoName: string): string {
  return protoName
    .split('_')
    .map((part) => (part === '' ? '' : part[0]!.toUpperCase() + part.slice(1)))
    .join('');
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function attributeValueToJson(message: Fields): Json {
  const value = message['value'] as { case?: string; value?: unknown };
  switch (value.case) {
    case 's':
    case 'n':
      return { [value.case.toUpperCase()]: value.value };
    case 'b':
      return { B: base64(value.value as Uint8Array) };
    case 'ss':
    case 'ns':
      return { [value.case.toUpperCase()]: (value.value as { values: string[] }).values };
    case 'bs':
      return { BS: (value.value as { values: Uint8Array[] }).values.map(base64) };
    case 'm':
      return { M: attributeMapToJson((value.value as { fields: Fields }).fields) };
    case 'l':
      return { L: (value.value as { values: Fields[] }).values.map(attributeValueToJson) };
    case 'null':
      return { NULL: value.value };
    case 'bool':
      return { BOOL: value.value };
    default:
      // An unset oneof: validation answers DynamoDB's "Supplied AttributeValue is empty".
      return {};
  }
}

function attributeMapToJson(fields: Fields): Record<string, Json> {
  const result: Record<string, Json> = {};
  for (const [name, value] of Object.entries(fields))
    result[name] = attributeValueToJson(value as Fields);
  return result;
}

function messageValueToJson(schema: DescMessage, value: Fields): Json {
  if (schema.typeName === 'tessera.v1.AttributeValue') return attributeValueToJson(value);
  if (schema.typeName === 'tessera.v1.Item')
    return attributeMapToJson(value['attributes'] as Fields);
  return messageToJson(schema, value);
}

/** proto3 defaults mean "unset", except for fields declared `optional` and oneof members. */
function isUnset(field: DescField, value: unknown): boolean {
  if (value === undefined) return true;
  if (field.fieldKind === 'list') return (value as unknown[]).length === 0;
  if (field.fieldKind === 'map') return Object.keys(value as object).length === 0;
  if (field.fieldKind !== 'scalar' || field.proto.proto3Optional === true) return false;
  return (
    value === '' ||
    value === 0 ||
    value === false ||
    (value instanceof Uint8Array && value.length === 0)
  );
}

function fieldToJson(field: DescField, value: unknown): Json {
  switch (field.fieldKind) {
    case 'message':
      return messageValueToJson(field.message, value as Fields);
    case 'list':
      return (value as unknown[]).map((member) =>
        field.listKind === 'message' ? messageValueToJson(field.message, member as Fields) : member,
      );
    case 'map': {
      const result: Record<string, Json> = {};
      for (const [key, member] of Object.entries(value as Fields))
        result[key] =
          field.mapKind === 'message'
            ? messageValueToJson(field.message, member as Fields)
            : member;
      return result;
    }
    default:
      return typeof value === 'bigint' ? Number(value) : value;
  }
}

/** A tessera.v1 request message as DynamoDB's JSON request body. */
export function messageToJson(schema: DescMessage, message: object): Record<string, Json> {
  const fields = message as Fields;
  const result: Record<string, Json> = {};
  for (const field of schema.fields) {
    const value = fields[field.localName];
    if (isUnset(field, value)) continue;
    result[dynamoName(field.name)] = fieldToJson(field, value);
  }
  return result;
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
