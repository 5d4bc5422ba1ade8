// The tessera.v1.Dynamo gRPC API through lib/grpc's client, on 127.0.0.1, over the in-memory
// test backend: conversions both ways, the same validation messages, status mapping.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create, fromBinary } from '@bufbuild/protobuf';
import { ItemSchema } from '../../../lib/gen/tessera/v1/attribute_value_pb.js';
import type { GenService } from '@bufbuild/protobuf/codegenv2';
import {
  Dynamo,
  ListTablesRequestSchema,
  PutItemRequestSchema,
  ScanRequestSchema,
} from '../../../lib/gen/tessera/v1/dynamo_pb.js';
import {
  createClient,
  createGrpcServer,
  GrpcError,
  GrpcStatus,
  openChannel,
  type GrpcServer,
} from '../../../lib/grpc/index.js';
import { createMemoryBackend } from '../testing/memory-backend.js';
import { dynamoName, messageToJson } from '../../../lib/proto-json/convert.js';
import { dynamoGrpcService, errorItemMetadataKey, errorTypeMetadataKey } from './service.js';

type Value = { value: { case: string; value: unknown } };
const s = (value: string): Value => ({ value: { case: 's', value } });
const n = (value: string): Value => ({ value: { case: 'n', value } });

describe('conversion', () => {
  test('field names follow DynamoDB', () => {
    assert.equal(dynamoName('table_name'), 'TableName');
    assert.equal(dynamoName('exclusive_start_key'), 'ExclusiveStartKey');
    assert.equal(dynamoName('size_estimate_range_gb'), 'SizeEstimateRangeGB');
  });

  test('proto3 defaults are unset; optional fields keep their presence', () => {
    assert.deepEqual(
      messageToJson(ListTablesRequestSchema, create(ListTablesRequestSchema, {})),
      {},
    );
    const scan = create(ScanRequestSchema, {
      tableName: 'T',
      segment: 0,
      totalSegments: 2,
      consistentRead: false,
    });
    assert.deepEqual(messageToJson(ScanRequestSchema, scan), {
      TableName: 'T',
      Segment: 0,
      TotalSegments: 2,
    });
  });

  test('attribute values of every type become DynamoDB JSON', () => {
    const request = create(PutItemRequestSchema, {
      tableName: 'T',
      item: {
        s: s('x'),
        b: { value: { case: 'b', value: new Uint8Array([1, 2, 3]) } },
        ss: { value: { case: 'ss', value: { values: ['a', 'b'] } } },
        m: { value: { case: 'm', value: { fields: { inner: n('1') } } } },
        l: {
          value: {
            case: 'l',
            value: {
              values: [
                { value: { case: 'null', value: true } },
                { value: { case: 'bool', value: false } },
              ],
            },
          },
        },
      } as never,
    });
    assert.deepEqual(messageToJson(PutItemRequestSchema, request), {
      TableName: 'T',
      Item: {
        s: { S: 'x' },
        b: { B: 'AQID' },
        ss: { SS: ['a', 'b'] },
        m: { M: { inner: { N: '1' } } },
        l: { L: [{ NULL: true }, { BOOL: false }] },
      },
    });
  });
});

type DynamoClient = ReturnType<typeof createClient<DynamoMethods>>;
type DynamoMethods = typeof Dynamo extends GenService<infer M> ? M : never;

describe('gRPC API', () => {
  let server: GrpcServer;
  let channel: ReturnType<typeof openChannel>;
  let dynamo: DynamoClient;
  before(async () => {
    const backend = createMemoryBackend({ nowMs: () => 1_700_000_000_000 });
    server = createGrpcServer([
      dynamoGrpcService({ backend, endpointAddress: '127.0.0.1', batchConcurrencyMax: 4 }),
    ]);
    const port = await server.listen('127.0.0.1', 0);
    channel = openChannel(`127.0.0.1:${port}`);
    dynamo = createClient(Dynamo, channel, { defaultTimeoutMs: 10_000 });
    await dynamo.createTable({
      tableName: 'Things',
      keySchema: [
        { attributeName: 'pk', keyType: 'HASH' },
        { attributeName: 'sk', keyType: 'RANGE' },
      ],
      attributeDefinitions: [
        { attributeName: 'pk', attributeType: 'S' },
        { attributeName: 'sk', attributeType: 'N' },
      ],
      billingMode: 'PAY_PER_REQUEST',
    });
  });
  after(async () => {
    channel.close();
    await server.shutdown(1000);
  });

  async function rejection(promise: Promise<unknown>): Promise<GrpcError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof GrpcError);
      return error;
    }
    assert.fail('expected the call to fail');
  }

  test('table description and listing', async () => {
    const described = await dynamo.describeTable({ tableName: 'Things' });
    assert.equal(described.table?.tableStatus, 'ACTIVE');
    assert.equal(described.table?.creationDateTime, 1_700_000_000);
    assert.deepEqual(
      described.table?.keySchema.map((key) => key.attributeName),
      ['pk', 'sk'],
    );
    const listed = await dynamo.listTables({});
    assert.deepEqual(listed.tableNames, ['Things']);
  });

  test('items round-trip with every attribute type, and capacity comes back', async () => {
    const item = {
      pk: s('a'),
      sk: n('1'),
      bytes: { value: { case: 'b', value: new Uint8Array([0, 255]) } },
      nested: {
        value: {
          case: 'm',
          value: {
            fields: { list: { value: { case: 'l', value: { values: [n('2'), s('z')] } } } },
          },
        },
      },
      set: { value: { case: 'ns', value: { values: ['1', '2.5'] } } },
    };
    const put = await dynamo.putItem({
      tableName: 'Things',
      item: item as never,
      returnConsumedCapacity: 'TOTAL',
    });
    assert.equal(put.consumedCapacity?.capacityUnits, 1);
    const got = await dynamo.getItem({
      tableName: 'Things',
      key: { pk: s('a'), sk: n('1') } as never,
      consistentRead: true,
    });
    assert.equal(got.found, true);
    const bytes = got.item['bytes']?.value;
    assert.equal(bytes?.case, 'b');
    assert.deepEqual([...(bytes?.value as Uint8Array)], [0, 255]);
    assert.deepEqual(got.item['set']?.value, {
      case: 'ns',
      value: { $typeName: 'tessera.v1.NumberSet', values: ['1', '2.5'] },
    });
    const missing = await dynamo.getItem({
      tableName: 'Things',
      key: { pk: s('nope'), sk: n('1') } as never,
    });
    assert.equal(missing.found, false);
    const updated = await dynamo.updateItem({
      tableName: 'Things',
      key: { pk: s('a'), sk: n('1') } as never,
      updateExpression: 'SET c = :one',
      expressionAttributeValues: { ':one': n('1') } as never,
      returnValues: 'UPDATED_NEW',
    });
    assert.deepEqual(updated.attributes['c']?.value, { case: 'n', value: '1' });
  });

  test('query, scan segments and batches', async () => {
    await dynamo.batchWriteItem({
      requestItems: {
        Things: {
          requests: [2, 3, 4].map((sort) => ({
            request: {
              case: 'putRequest',
              value: { attributes: { pk: s('q'), sk: n(String(sort)) } },
            },
          })),
        },
      } as never,
    });
    const queried = await dynamo.query({
      tableName: 'Things',
      keyConditionExpression: 'pk = :p AND sk > :s',
      expressionAttributeValues: { ':p': s('q'), ':s': n('2') } as never,
      scanIndexForward: false,
    });
    assert.deepEqual(
      queried.items.map((row) => row.attributes['sk']?.value.value),
      ['4', '3'],
    );
    assert.equal(queried.count, 2);
    const halves = await Promise.all(
      [0, 1].map((segment) => dynamo.scan({ tableName: 'Things', segment, totalSegments: 2 })),
    );
    assert.equal(halves[0]!.count + halves[1]!.count, 4);
    const batch = await dynamo.batchGetItem({
      requestItems: { Things: { keys: [{ attributes: { pk: s('q'), sk: n('3') } }] } } as never,
    });
    assert.equal(batch.responses['Things']?.items.length, 1);
  });

  test('DynamoDB errors map to statuses with x-tessera-error-type', async () => {
    const notFound = await rejection(dynamo.describeTable({ tableName: 'Missing' }));
    assert.equal(notFound.code, GrpcStatus.NOT_FOUND);
    assert.deepEqual(notFound.metadata.get(errorTypeMetadataKey), ['ResourceNotFoundException']);
    assert.equal(
      notFound.message.endsWith('Requested resource not found: Table: Missing not found'),
      true,
    );
    const invalid = await rejection(
      dynamo.putItem({ tableName: 'Things', item: { pk: s('a'), sk: {} } as never }),
    );
    assert.equal(invalid.code, GrpcStatus.INVALID_ARGUMENT);
    assert.deepEqual(invalid.metadata.get(errorTypeMetadataKey), ['ValidationException']);
    assert.match(
      invalid.message,
      /Supplied AttributeValue is empty, must contain exactly one of the supported datatypes/,
    );
    const conditional = await rejection(
      dynamo.deleteItem({
        tableName: 'Things',
        key: { pk: s('a'), sk: n('1') } as never,
        conditionExpression: 'attribute_not_exists(pk)',
        returnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const [itemBytes] = conditional.metadata.get(errorItemMetadataKey);
    const oldItem = fromBinary(ItemSchema, itemBytes as Buffer);
    assert.deepEqual(oldItem.attributes['pk']?.value, { case: 's', value: 'a' });
    assert.equal(conditional.code, GrpcStatus.FAILED_PRECONDITION);
    assert.deepEqual(conditional.metadata.get(errorTypeMetadataKey), [
      'ConditionalCheckFailedException',
    ]);
    const exists = await rejection(
      dynamo.createTable({
        tableName: 'Things',
        keySchema: [{ attributeName: 'pk', keyType: 'HASH' }],
        attributeDefinitions: [{ attributeName: 'pk', attributeType: 'S' }],
        billingMode: 'PAY_PER_REQUEST',
      }),
    );
    assert.equal(exists.code, GrpcStatus.ALREADY_EXISTS);
  });
});
