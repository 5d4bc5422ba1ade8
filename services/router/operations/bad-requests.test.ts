// A catalogue of bad requests over raw HTTP, asserting DynamoDB's exact `__type` and message,
// and that nothing was written for any of them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/test-server.js';

const validation = 'com.amazon.coral.validate#ValidationException';
const notFound = 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException';
const serialization = 'com.amazon.coral.service#SerializationException';

interface BadRequest {
  readonly name: string;
  readonly operation: string;
  readonly body: Record<string, unknown>;
  readonly type: string;
  readonly message: string;
}

const key = { id: { S: 'a' }, r: { N: '1' } };

const catalogue: readonly BadRequest[] = [
  {
    name: 'missing item',
    operation: 'PutItem',
    body: { TableName: 'Tbl' },
    type: validation,
    message:
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
  },
  {
    name: 'wrong JSON type',
    operation: 'PutItem',
    body: { TableName: 123, Item: key },
    type: serialization,
    message: 'NUMBER_VALUE cannot be converted to String',
  },
  {
    name: 'missing table',
    operation: 'PutItem',
    body: { TableName: 'Missing', Item: key },
    type: notFound,
    message: 'Requested resource not found',
  },
  {
    name: 'missing sort key',
    operation: 'PutItem',
    body: { TableName: 'Tbl', Item: { id: { S: 'a' } } },
    type: validation,
    message: 'One or more parameter values were invalid: Missing the key r in the item',
  },
  {
    name: 'key type mismatch',
    operation: 'PutItem',
    body: { TableName: 'Tbl', Item: { id: { N: '1' }, r: { N: '1' } } },
    type: validation,
    message:
      'One or more parameter values were invalid: Type mismatch for key id expected: S actual: N',
  },
  {
    name: 'empty string key',
    operation: 'PutItem',
    body: { TableName: 'Tbl', Item: { id: { S: '' }, r: { N: '1' } } },
    type: validation,
    message:
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id',
  },
  {
    name: 'two data types',
    operation: 'PutItem',
    body: { TableName: 'Tbl', Item: { id: { S: 'a', N: '1' }, r: { N: '1' } } },
    type: validation,
    message:
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
  },
  {
    name: 'item over 400 KB',
    operation: 'PutItem',
    body: { TableName: 'Tbl', Item: { ...key, big: { S: 'x'.repeat(410 * 1024) } } },
    type: validation,
    message: 'Item size has exceeded the maximum allowed size',
  },
  {
    name: 'bad number',
    operation: 'PutItem',
    body: { TableName: 'Tbl', Item: { id: { S: 'a' }, r: { N: 'abc' } } },
    type: validation,
    message: 'The parameter cannot be converted to a numeric value: abc',
  },
  {
    name: 'ReturnValues on PutItem',
    operation: 'PutItem',
    body: { TableName: 'Tbl', Item: key, ReturnValues: 'ALL_NEW' },
    type: validation,
    message: 'ReturnValues can only be ALL_OLD or NONE',
  },
  {
    name: 'short table name',
    operation: 'PutItem',
    body: { TableName: 'T', Item: key },
    type: validation,
    message:
      "1 validation error detected: Value 'T' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
  },
  {
    name: 'incomplete key',
    operation: 'GetItem',
    body: { TableName: 'Tbl', Key: { id: { S: 'a' } } },
    type: validation,
    message: 'The provided key element does not match the schema',
  },
  {
    name: 'undefined name',
    operation: 'GetItem',
    body: { TableName: 'Tbl', Key: key, ProjectionExpression: '#a' },
    type: validation,
    message:
      'Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #a',
  },
  {
    name: 'key update',
    operation: 'UpdateItem',
    body: {
      TableName: 'Tbl',
      Key: key,
      UpdateExpression: 'SET id = :v',
      ExpressionAttributeValues: { ':v': { S: 'b' } },
    },
    type: validation,
    message:
      'One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key',
  },
  {
    name: 'undefined value',
    operation: 'UpdateItem',
    body: { TableName: 'Tbl', Key: key, UpdateExpression: 'SET x = :v' },
    type: validation,
    message:
      'Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v',
  },
  {
    name: 'delete on a missing table',
    operation: 'DeleteItem',
    body: { TableName: 'Missing', Key: key },
    type: notFound,
    message: 'Requested resource not found',
  },
  {
    name: 'query without partition key',
    operation: 'Query',
    body: {
      TableName: 'Tbl',
      KeyConditionExpression: 'r = :v',
      ExpressionAttributeValues: { ':v': { N: '1' } },
    },
    type: validation,
    message: 'Query condition missed key schema element: id',
  },
  {
    name: 'query on an index',
    operation: 'Query',
    body: {
      TableName: 'Tbl',
      IndexName: 'idx',
      KeyConditionExpression: 'id = :v',
      ExpressionAttributeValues: { ':v': { S: '1' } },
    },
    type: validation,
    message: 'The table does not have the specified index: idx',
  },
  {
    name: 'query key type',
    operation: 'Query',
    body: {
      TableName: 'Tbl',
      KeyConditionExpression: 'id = :v',
      ExpressionAttributeValues: { ':v': { N: '1' } },
    },
    type: validation,
    message:
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
  },
  {
    name: 'bad start key',
    operation: 'Query',
    body: {
      TableName: 'Tbl',
      KeyConditionExpression: 'id = :v',
      ExpressionAttributeValues: { ':v': { S: '1' } },
      ExclusiveStartKey: { id: { S: '1' } },
    },
    type: validation,
    message:
      'The provided starting key is invalid: The provided key element does not match the schema',
  },
  {
    name: 'start key of another partition',
    operation: 'Query',
    body: {
      TableName: 'Tbl',
      KeyConditionExpression: 'id = :v',
      ExpressionAttributeValues: { ':v': { S: 'a' } },
      ExclusiveStartKey: { id: { S: 'b' }, r: { N: '1' } },
    },
    type: validation,
    message: 'The provided starting key is outside query boundaries based on provided conditions',
  },
  {
    name: 'start key outside the sort condition',
    operation: 'Query',
    body: {
      TableName: 'Tbl',
      KeyConditionExpression: 'id = :v AND r > :r',
      ExpressionAttributeValues: { ':v': { S: 'a' }, ':r': { N: '5' } },
      ExclusiveStartKey: { id: { S: 'a' }, r: { N: '1' } },
    },
    type: validation,
    message: 'The provided starting key is outside query boundaries based on provided conditions',
  },
  {
    name: 'segment alone',
    operation: 'Scan',
    body: { TableName: 'Tbl', Segment: 1 },
    type: validation,
    message:
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
  },
  {
    name: 'segment too large',
    operation: 'Scan',
    body: { TableName: 'Tbl', Segment: 3, TotalSegments: 2 },
    type: validation,
    message:
      'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 2',
  },
  {
    name: 'duplicate batch writes',
    operation: 'BatchWriteItem',
    body: {
      RequestItems: { Tbl: [{ PutRequest: { Item: key } }, { DeleteRequest: { Key: key } }] },
    },
    type: validation,
    message: 'Provided list of item keys contains duplicates',
  },
  {
    name: 'batch write key',
    operation: 'BatchWriteItem',
    body: {
      RequestItems: {
        Tbl: [{ PutRequest: { Item: key } }, { PutRequest: { Item: { id: { S: 'b' } } } }],
      },
    },
    type: validation,
    message: 'One or more parameter values were invalid: Missing the key r in the item',
  },
  {
    name: 'batch get on a missing table',
    operation: 'BatchGetItem',
    body: { RequestItems: { Missing: { Keys: [key] } } },
    type: notFound,
    message: 'Requested resource not found',
  },
  {
    name: 'batch get key',
    operation: 'BatchGetItem',
    body: { RequestItems: { Tbl: { Keys: [{ id: { S: 'a' } }] } } },
    type: validation,
    message: 'The provided key element does not match the schema',
  },
  {
    name: 'list limit',
    operation: 'ListTables',
    body: { Limit: 1000 },
    type: validation,
    message:
      "1 validation error detected: Value '1000' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
  },
  {
    name: 'describe short name',
    operation: 'DescribeTable',
    body: { TableName: 'ab' },
    type: validation,
    message: 'TableName must be at least 3 characters long and at most 255 characters long',
  },
  {
    name: 'describe missing',
    operation: 'DescribeTable',
    body: { TableName: 'Missing' },
    type: notFound,
    message: 'Requested resource not found: Table: Missing not found',
  },
  {
    name: 'existing table',
    operation: 'CreateTable',
    body: {
      TableName: 'Tbl',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    type: 'com.amazonaws.dynamodb.v20120810#ResourceInUseException',
    message: 'Table already exists: Tbl',
  },
  {
    name: 'secondary index (not implemented)',
    operation: 'CreateTable',
    body: {
      TableName: 'Ggg',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'g', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi',
          KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    },
    type: validation,
    message: 'Tessera does not implement GlobalSecondaryIndexes yet',
  },
  {
    name: 'index update (not implemented)',
    operation: 'UpdateTable',
    body: { TableName: 'Tbl', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'gsi' } }] },
    type: validation,
    message: 'Tessera does not implement GlobalSecondaryIndexUpdates yet',
  },
];

describe('bad requests get DynamoDB exact errors and write nothing', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    const created = await server.post(
      'CreateTable',
      JSON.stringify({
        TableName: 'Tbl',
        KeySchema: [
          { AttributeName: 'id', KeyType: 'HASH' },
          { AttributeName: 'r', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'r', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    assert.equal(created.status, 200, await created.text());
  });
  after(async () => server.close());

  for (const bad of catalogue) {
    test(`${bad.operation}: ${bad.name}`, async () => {
      const response = await server.post(bad.operation, JSON.stringify(bad.body));
      assert.equal(response.status, 400);
      // Coral's serialization errors spell the member `Message`, as DynamoDB does.
      const messageKey = bad.type === serialization ? 'Message' : 'message';
      assert.deepEqual(await response.json(), { __type: bad.type, [messageKey]: bad.message });
    });
  }

  test('batch size limits: 25 writes, 100 keys', async () => {
    const writes = Array.from({ length: 26 }, (_, index) => ({
      PutRequest: { Item: { id: { S: 'a' }, r: { N: String(index) } } },
    }));
    const tooManyWrites = await server.post(
      'BatchWriteItem',
      JSON.stringify({ RequestItems: { Tbl: writes } }),
    );
    const writeError = (await tooManyWrites.json()) as { __type: string; message: string };
    assert.equal(writeError.__type, validation);
    assert.match(
      writeError.message,
      /^1 validation error detected: Value .* at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 25, Member must have length greater than or equal to 1\]$/,
    );
    const keys = Array.from({ length: 101 }, (_, index) => ({
      id: { S: 'a' },
      r: { N: String(index) },
    }));
    const tooManyKeys = await server.post(
      'BatchGetItem',
      JSON.stringify({ RequestItems: { Tbl: { Keys: keys } } }),
    );
    const keyError = (await tooManyKeys.json()) as { __type: string; message: string };
    assert.equal(keyError.__type, validation);
    assert.match(keyError.message, /Member must have length less than or equal to 100/);
  });

  test('after all of them, the table is still empty and no other table exists', async () => {
    const scanned = await server.post('Scan', JSON.stringify({ TableName: 'Tbl' }));
    assert.deepEqual(await scanned.json(), { Items: [], Count: 0, ScannedCount: 0 });
    const listed = await server.post('ListTables', '{}');
    assert.deepEqual(await listed.json(), { TableNames: ['Tbl'] });
  });
});
