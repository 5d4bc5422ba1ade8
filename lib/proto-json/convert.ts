// Conversion between tessera.v1 protobuf messages and DynamoDB's JSON, driven by the
// generated descriptors, so that the gRPC API runs exactly the same validation and operations
// as the HTTP API.
//
// Naming: a proto field `table_name` is DynamoDB's `TableName` (snake_case to PascalCase).
// Shapes that differ from DynamoDB's JSON are converted by type:
// - `AttributeValue`: the oneof ⇄ `{"S": …}`, `{"M": {…}}`, … (bytes ⇄ base64);
// - `Item`, `ItemList`, `WriteRequestList`: wrappers around a map or list ⇄ the bare map/list;
// - `WriteRequest`: the oneof ⇄ `{"PutRequest": {"Item"}}` / `{"DeleteRequest": {"Key"}}`.
// proto3 defaults mean "unset" (an empty string, 0, false, an empty list or map), as the proto
// comments say; fields declared `optional` keep their explicit presence.

import {
  ScalarType,
  create,
  type DescField,
  type DescMessage,
  type Message,
} from '@bufbuild/protobuf';

type Json = unknown;
type JsonObject = Record<string, Json>;
type Fields = Record<string, unknown>;

const attributeValueType = 'tessera.v1.AttributeValue';
const itemType = 'tessera.v1.Item';
const itemListType = 'tessera.v1.ItemList';
const writeRequestListType = 'tessera.v1.WriteRequestList';
const writeRequestType = 'tessera.v1.WriteRequest';

/** The oneof cases of AttributeValue, DynamoDB's type names in lower case. */
type AttributeCase = 's' | 'n' | 'b' | 'ss' | 'ns' | 'bs' | 'm' | 'l' | 'null' | 'bool';

/** `table_name` → `TableName`; `size_estimate_range_gb` → `SizeEstimateRangeGB`. */
export function dynamoName(protoName: string): string {
  const pascal = protoName
    .split('_')
    .map((part) => (part === '' ? '' : (part[0] as string).toUpperCase() + part.slice(1)))
    .join('');
  return pascal.endsWith('Gb') ? `${pascal.slice(0, -2)}GB` : pascal;
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

// ---- protobuf → DynamoDB JSON (requests) ----

function attributeValueToJson(message: Fields): JsonObject {
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
      return { M: mapToJson((value.value as { fields: Fields }).fields) };
    case 'l':
      return { L: (value.value as { values: Fields[] }).values.map(attributeValueToJson) };
    case 'null':
      return { NULL: value.value };
    case 'bool':
      return { BOOL: value.value };
    default:
      // An unset oneof: DynamoDB's "Supplied AttributeValue is empty" comes from validation.
      return {};
  }
}

function mapToJson(fields: Fields): JsonObject {
  const result: JsonObject = {};
  for (const [name, value] of Object.entries(fields))
    result[name] = attributeValueToJson(value as Fields);
  return result;
}

function singularToJson(field: DescField, value: unknown): Json {
  if (
    field.fieldKind === 'message' ||
    (field.fieldKind === 'list' && field.listKind === 'message')
  ) {
    return messageToJson(field.message as DescMessage, value as Fields);
  }
  if (value instanceof Uint8Array) return base64(value);
  if (typeof value === 'bigint') return Number(value);
  return value;
}

function isUnset(field: DescField, value: unknown): boolean {
  if (value === undefined) return true;
  if (field.fieldKind === 'list') return (value as unknown[]).length === 0;
  if (field.fieldKind === 'map') return Object.keys(value as object).length === 0;
  if (field.fieldKind !== 'scalar' || field.proto.proto3Optional === true || field.oneof)
    return false;
  return (
    value === '' ||
    value === 0 ||
    value === 0n ||
    value === false ||
    (value instanceof Uint8Array && value.length === 0)
  );
}

function fieldToJson(field: DescField, value: unknown): Json {
  if (field.fieldKind === 'list')
    return (value as unknown[]).map((member) => singularToJson(field, member));
  if (field.fieldKind === 'map') {
    const result: JsonObject = {};
    for (const [key, member] of Object.entries(value as Fields)) {
      result[key] =
        field.mapKind === 'message' ? messageToJson(field.message, member as Fields) : member;
    }
    return result;
  }
  return singularToJson(field, value);
}

/** Converts a tessera.v1 message into DynamoDB's JSON for the same shape. */
export function messageToJson(schema: DescMessage, message: Fields): Json {
  switch (schema.typeName) {
    case attributeValueType:
      return attributeValueToJson(message);
    case itemType:
      return mapToJson(message['attributes'] as Fields);
    case itemListType:
      return (message['items'] as Fields[]).map((item) => mapToJson(item['attributes'] as Fields));
    case writeRequestListType:
      return (message['requests'] as Fields[]).map(writeRequestToJson);
    case writeRequestType:
      return writeRequestToJson(message);
  }
  const result: JsonObject = {};
  for (const field of schema.fields) {
    const value = field.oneof ? oneofValue(message, field) : message[field.localName];
    if (isUnset(field, value)) continue;
    result[dynamoName(field.name)] = fieldToJson(field, value);
  }
  return result;
}

function writeRequestToJson(message: Fields): Json {
  const request = message['request'] as { case?: string; value?: Fields };
  const attributes = mapToJson((request.value?.['attributes'] ?? {}) as Fields);
  if (request.case === 'putRequest') return { PutRequest: { Item: attributes } };
  if (request.case === 'deleteRequest') return { DeleteRequest: { Key: attributes } };
  return {};
}

function oneofValue(message: Fields, field: DescField): unknown {
  const holder = message[(field.oneof as { localName: string }).localName] as {
    case?: string;
    value?: unknown;
  };
  return holder.case === field.localName ? holder.value : undefined;
}

// ---- DynamoDB JSON → protobuf (responses) ----

function bytesFromBase64(text: Json): Uint8Array {
  return typeof text === 'string' ? new Uint8Array(Buffer.from(text, 'base64')) : new Uint8Array();
}

function attributeValueInit(json: Json): Fields {
  if (!isObject(json)) return {};
  const [type, value] = Object.entries(json)[0] ?? [];
  const lower = (type ?? '').toLowerCase() as AttributeCase;
  switch (lower) {
    case 's':
    case 'n':
    case 'null':
    case 'bool':
      return { value: { case: lower, value } };
    case 'b':
      return { value: { case: 'b', value: bytesFromBase64(value) } };
    case 'ss':
    case 'ns':
      return { value: { case: lower, value: { values: value as string[] } } };
    case 'bs':
      return { value: { case: 'bs', value: { values: (value as string[]).map(bytesFromBase64) } } };
    case 'm':
      return { value: { case: 'm', value: { fields: mapInit(value) } } };
    case 'l':
      return { value: { case: 'l', value: { values: (value as Json[]).map(attributeValueInit) } } };
    default:
      return {};
  }
}

function mapInit(json: Json): Fields {
  const result: Fields = {};
  if (!isObject(json)) return result;
  for (const [name, value] of Object.entries(json)) result[name] = attributeValueInit(value);
  return result;
}

function scalarInit(field: DescField, value: Json): unknown {
  const scalar = field.scalar;
  if (scalar === ScalarType.INT64 || scalar === ScalarType.UINT64 || scalar === ScalarType.SINT64) {
    return BigInt(Math.trunc(Number(value)));
  }
  if (scalar === ScalarType.INT32 || scalar === ScalarType.UINT32) return Math.trunc(Number(value));
  if (scalar === ScalarType.BYTES) return bytesFromBase64(value);
  return value;
}

function singularInit(field: DescField, value: Json): unknown {
  if (field.message !== undefined) return messageInit(field.message, value);
  return scalarInit(field, value);
}

/** Builds a protobuf-es init object for `schema` from DynamoDB's JSON of the same shape. */
export function messageInit(schema: DescMessage, json: Json): Fields {
  switch (schema.typeName) {
    case attributeValueType:
      return attributeValueInit(json);
    case itemType:
      return { attributes: mapInit(json) };
    case itemListType:
      return {
        items: Array.isArray(json) ? json.map((item) => ({ attributes: mapInit(item) })) : [],
      };
    case writeRequestListType:
      return {
        requests: Array.isArray(json) ? json.map((request) => writeRequestInit(request)) : [],
      };
    case writeRequestType:
      return writeRequestInit(json);
  }
  const result: Fields = {};
  if (!isObject(json)) return result;
  for (const field of schema.fields) {
    const value = json[dynamoName(field.name)];
    if (value === undefined || value === null) continue;
    result[field.localName] = fieldInit(field, value);
  }
  return result;
}

function fieldInit(field: DescField, value: Json): unknown {
  if (field.fieldKind === 'list')
    return Array.isArray(value) ? value.map((member) => singularInit(field, member)) : [];
  if (field.fieldKind === 'map') {
    const result: Fields = {};
    if (!isObject(value)) return result;
    for (const [key, member] of Object.entries(value)) {
      result[key] = field.mapKind === 'message' ? messageInit(field.message, member) : member;
    }
    return result;
  }
  return singularInit(field, value);
}

function writeRequestInit(json: Json): Fields {
  if (!isObject(json)) return {};
  const put = json['PutRequest'];
  if (isObject(put))
    return { request: { case: 'putRequest', value: { attributes: mapInit(put['Item']) } } };
  const remove = json['DeleteRequest'];
  if (isObject(remove))
    return { request: { case: 'deleteRequest', value: { attributes: mapInit(remove['Key']) } } };
  return {};
}

/** Creates a tessera.v1 message from DynamoDB's JSON of the same shape. */
export function jsonToMessage<T extends Message>(
  schema: DescMessage & { readonly typeName: string },
  json: Json,
): T {
  return create(schema as never, messageInit(schema, json) as never) as T;
}
