// DynamoDB JSON request bodies for the benchmark table and its operations. Pure: values
// come from an injected random source.
import { FIELD_COUNT, FIELD_LENGTH_BYTES } from './workloads.js';
import type { PlannedOperation, Workload } from './workloads.js';
import { fnvHash64 } from './generators.js';
import type { Random } from './random.js';

/** A DynamoDB operation name (the suffix of `X-Amz-Target`). */
export type DynamoOperation =
  | 'CreateTable'
  | 'DescribeTable'
  | 'DeleteTable'
  | 'PutItem'
  | 'GetItem'
  | 'UpdateItem'
  | 'Scan'
  | 'Query';

/** One HTTP request to send: the operation and its JSON body. */
export interface DynamoRequest {
  readonly operation: DynamoOperation;
  readonly body: string;
}

/** The benchmark table's key attributes. */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';

/** The partition and sort key of a record, YCSB-style hashed (`user<fnv64>`). */
export function recordKey(record: number, itemsPerPartition: number): { pk: string; sk: number } {
  const partition = Math.floor(record / itemsPerPartition);
  return { pk: `user${fnvHash64(partition)}`, sk: record % itemsPerPartition };
}

function keyAttributes(record: number, itemsPerPartition: number): Record<string, unknown> {
  const { pk, sk } = recordKey(record, itemsPerPartition);
  return { [PARTITION_KEY]: { S: pk }, [SORT_KEY]: { N: String(sk) } };
}

/** CreateTable for the benchmark table (on-demand, string partition key, number sort key). */
export function createTableRequest(table: string): DynamoRequest {
  return {
    operation: 'CreateTable',
    body: JSON.stringify({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: SORT_KEY, AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  };
}

/** DescribeTable or DeleteTable by name. */
export function tableRequest(
  operation: 'DescribeTable' | 'DeleteTable',
  table: string,
): DynamoRequest {
  return { operation, body: JSON.stringify({ TableName: table }) };
}

/** A source of printable random field values, cut from one pre-generated block. */
export interface ValueSource {
  /** A random printable string of `FIELD_LENGTH_BYTES` ASCII characters. */
  next(): string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Creates a value source. Generating 1,000 random characters per insert would cost more
 * than the request itself; slices of one 64 KiB random block at random offsets are just
 * as incompressible for a server that does not deduplicate.
 */
export function createValueSource(random: Random, blockBytes = 65_536): ValueSource {
  let block = '';
  for (let i = 0; i < blockBytes; i += 1) block += ALPHABET[random.nextUint32() & 63];
  return {
    next() {
      const offset = random.nextInt(blockBytes - FIELD_LENGTH_BYTES);
      return block.slice(offset, offset + FIELD_LENGTH_BYTES);
    },
  };
}

/** PutItem of a whole record: keys plus `field0`..`field9`. */
export function putItemRequest(
  table: string,
  record: number,
  itemsPerPartition: number,
  values: ValueSource,
): DynamoRequest {
  const item: Record<string, unknown> = keyAttributes(record, itemsPerPartition);
  for (let field = 0; field < FIELD_COUNT; field += 1) item[`field${field}`] = { S: values.next() };
  return { operation: 'PutItem', body: JSON.stringify({ TableName: table, Item: item }) };
}

/** The requests one planned operation needs, in order (read-modify-write needs two). */
export function operationRequests(
  table: string,
  workload: Workload,
  operation: PlannedOperation,
  values: ValueSource,
): DynamoRequest[] {
  const perPartition = workload.itemsPerPartition;
  const key = keyAttributes(operation.record, perPartition);
  const getItem: DynamoRequest = {
    operation: 'GetItem',
    body: JSON.stringify({ TableName: table, Key: key }),
  };
  const updateField: DynamoRequest = {
    operation: 'UpdateItem',
    body: JSON.stringify({
      TableName: table,
      Key: key,
      UpdateExpression: 'SET #f = :v',
      ExpressionAttributeNames: { '#f': `field${operation.field}` },
      ExpressionAttributeValues: { ':v': { S: values.next() } },
    }),
  };
  switch (operation.kind) {
    case 'read':
      return [getItem];
    case 'update':
      return [
        operation.wholeItem
          ? putItemRequest(table, operation.record, perPartition, values)
          : updateField,
      ];
    case 'insert':
      return [putItemRequest(table, operation.record, perPartition, values)];
    case 'read-modify-write':
      return [getItem, updateField];
    case 'scan':
      // YCSB's DynamoDB binding: a Scan from the start key, limited to the scan length.
      return [
        {
          operation: 'Scan',
          body: JSON.stringify({
            TableName: table,
            ExclusiveStartKey: key,
            Limit: operation.scanLength,
          }),
        },
      ];
    case 'query':
      return [
        {
          operation: 'Query',
          body: JSON.stringify({
            TableName: table,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY },
            ExpressionAttributeValues: { ':pk': key[PARTITION_KEY] },
            Limit: perPartition,
          }),
        },
      ];
  }
}
