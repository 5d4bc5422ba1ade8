// Every implemented operation through the real AWS SDK (@aws-sdk/client-dynamodb) against the
// router's HTTP server on 127.0.0.1, over the in-memory test backend.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeEndpointsCommand,
  DescribeLimitsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  ScanCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { startTestServer, type TestServer } from './testing/test-server.js';

const credentials = { accessKeyId: 'AKIDTESSERA', secretAccessKey: 'tessera-secret' };

function client(endpoint: string, secretAccessKey = credentials.secretAccessKey): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { ...credentials, secretAccessKey },
    maxAttempts: 1,
  });
}

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

describe('AWS SDK against the router (auth off)', () => {
  let server: TestServer;
  let dynamo: DynamoDBClient;
  before(async () => {
    server = await startTestServer();
    dynamo = client(server.endpoint);
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'Music',
        KeySchema: [
          { AttributeName: 'artist', KeyType: 'HASH' },
          { AttributeName: 'song', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'artist', AttributeType: 'S' },
          { AttributeName: 'song', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });
  after(async () => {
    dynamo.destroy();
    await server.close();
  });

  test('table operations: create, describe, list, update, delete', async () => {
    const created = await dynamo.send(
      new CreateTableCommand({
        TableName: 'Scratch',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      }),
    );
    assert.equal(created.TableDescription?.TableName, 'Scratch');
    assert.ok(created.TableDescription?.CreationDateTime instanceof Date);
    const described = await dynamo.send(new DescribeTableCommand({ TableName: 'Scratch' }));
    assert.equal(described.Table?.TableStatus, 'ACTIVE');
    assert.deepEqual(described.Table?.KeySchema, [{ AttributeName: 'id', KeyType: 'HASH' }]);
    const page = await dynamo.send(new ListTablesCommand({ Limit: 1 }));
    assert.deepEqual(page.TableNames, ['Music']);
    assert.equal(page.LastEvaluatedTableName, 'Music');
    const rest = await dynamo.send(new ListTablesCommand({ ExclusiveStartTableName: 'Music' }));
    assert.deepEqual(rest.TableNames, ['Scratch']);
    const updated = await dynamo.send(
      new UpdateTableCommand({
        TableName: 'Scratch',
        ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 7 },
      }),
    );
    assert.equal(updated.TableDescription?.ProvisionedThroughput?.ReadCapacityUnits, 10);
    const deleted = await dynamo.send(new DeleteTableCommand({ TableName: 'Scratch' }));
    assert.equal(deleted.TableDescription?.TableStatus, 'DELETING');
    await assert.rejects(
      dynamo.send(new DescribeTableCommand({ TableName: 'Scratch' })),
      (error: unknown) =>
        error instanceof ResourceNotFoundException &&
        error.message === 'Requested resource not found: Table: Scratch not found',
    );
  });

  test('PutItem, GetItem, UpdateItem, DeleteItem with return values and capacity', async () => {
    const key = { artist: s('Bach'), song: s('Air') };
    const first = await dynamo.send(
      new PutItemCommand({
        TableName: 'Music',
        Item: { ...key, year: n(1730) },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(first.ConsumedCapacity, {
      TableName: 'Music',
      CapacityUnits: 1,
      WriteCapacityUnits: 1,
    });
    assert.equal(first.Attributes, undefined);
    const replaced = await dynamo.send(
      new PutItemCommand({
        TableName: 'Music',
        Item: { ...key, year: n(1731), big: s('x'.repeat(1500)) },
        ReturnValues: 'ALL_OLD',
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    assert.deepEqual(replaced.Attributes, { ...key, year: n(1730) });
    // The new item is a little over 1.5 KB: two write units, reported for the table too.
    assert.deepEqual(replaced.ConsumedCapacity, {
      TableName: 'Music',
      CapacityUnits: 2,
      WriteCapacityUnits: 2,
      Table: { CapacityUnits: 2, WriteCapacityUnits: 2 },
    });
    const eventual = await dynamo.send(
      new GetItemCommand({
        TableName: 'Music',
        Key: key,
        ProjectionExpression: '#y',
        ExpressionAttributeNames: { '#y': 'year' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(eventual.Item, { year: n(1731) });
    assert.equal(eventual.ConsumedCapacity?.CapacityUnits, 0.5);
    const strong = await dynamo.send(
      new GetItemCommand({
        TableName: 'Music',
        Key: key,
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.equal(strong.ConsumedCapacity?.ReadCapacityUnits, 1);
    const updated = await dynamo.send(
      new UpdateItemCommand({
        TableName: 'Music',
        Key: key,
        UpdateExpression: 'SET #y = #y + :one REMOVE big',
        ExpressionAttributeNames: { '#y': 'year' },
        ExpressionAttributeValues: { ':one': n(1) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    assert.deepEqual(updated.Attributes, { year: n(1732) });
    const old = await dynamo.send(
      new UpdateItemCommand({
        TableName: 'Music',
        Key: key,
        UpdateExpression: 'SET plays = :p',
        ExpressionAttributeValues: { ':p': n(3) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    assert.deepEqual(old.Attributes, { ...key, year: n(1732) });
    const updatedOld = await dynamo.send(
      new UpdateItemCommand({
        TableName: 'Music',
        Key: key,
        UpdateExpression: 'ADD plays :two',
        ExpressionAttributeValues: { ':two': n(2) },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    assert.deepEqual(updatedOld.Attributes, { plays: n(3) });
    const allNew = await dynamo.send(
      new UpdateItemCommand({
        TableName: 'Music',
        Key: key,
        AttributeUpdates: { plays: { Action: 'PUT', Value: n(3) } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    assert.deepEqual(allNew.Attributes, { ...key, year: n(1732), plays: n(3) });
    const created = await dynamo.send(
      new UpdateItemCommand({
        TableName: 'Music',
        Key: { artist: s('New'), song: s('One') },
        UpdateExpression: 'SET #c = if_not_exists(#c, :zero)',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':zero': n(0) },
        ReturnValues: 'ALL_NEW',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(created.Attributes, { artist: s('New'), song: s('One'), count: n(0) });
    assert.equal(created.ConsumedCapacity?.WriteCapacityUnits, 1);
    await assert.rejects(
      dynamo.send(
        new PutItemCommand({
          TableName: 'Music',
          Item: key,
          ConditionExpression: 'attribute_not_exists(artist)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
      (error: unknown) =>
        error instanceof ConditionalCheckFailedException &&
        error.message === 'The conditional request failed' &&
        error.Item?.['plays']?.N === '3',
    );
    const removed = await dynamo.send(
      new DeleteItemCommand({ TableName: 'Music', Key: key, ReturnValues: 'ALL_OLD' }),
    );
    assert.equal(removed.Attributes?.['plays']?.N, '3');
    const gone = await dynamo.send(new GetItemCommand({ TableName: 'Music', Key: key }));
    assert.equal(gone.Item, undefined);
  });

  test('BatchWriteItem and BatchGetItem, with unprocessed requests on unavailable partitions', async () => {
    const songs = Array.from(
      { length: 25 },
      (_, index) => `song-${String(index).padStart(2, '0')}`,
    );
    const written = await dynamo.send(
      new BatchWriteItemCommand({
        RequestItems: {
          Music: songs.map((song) => ({
            PutRequest: { Item: { artist: s('Batch'), song: s(song), n: n(1) } },
          })),
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(written.UnprocessedItems, {});
    assert.deepEqual(written.ConsumedCapacity, [
      { TableName: 'Music', CapacityUnits: 25, WriteCapacityUnits: 25 },
    ]);
    const keys = songs.slice(0, 10).map((song) => ({ artist: s('Batch'), song: s(song) }));
    const read = await dynamo.send(
      new BatchGetItemCommand({
        RequestItems: {
          Music: {
            Keys: [...keys, { artist: s('Batch'), song: s('missing') }],
            ProjectionExpression: 'song',
          },
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.equal(read.Responses?.['Music']?.length, 10);
    assert.deepEqual(read.Responses?.['Music']?.[0] && Object.keys(read.Responses['Music'][0]), [
      'song',
    ]);
    assert.deepEqual(read.UnprocessedKeys, {});
    assert.equal(read.ConsumedCapacity?.[0]?.CapacityUnits, 5.5);
    // Partitions holding odd-numbered songs are unavailable, even-numbered ones throttled.
    server.backend.injectFaults((_operation, _table, key) => {
      const song = key?.get('song');
      if (song?.type !== 'S') return undefined;
      const index = Number(song.value.slice(-2));
      return index % 4 === 1 ? 'unavailable' : index % 4 === 3 ? 'throttled' : undefined;
    });
    try {
      const partial = await dynamo.send(
        new BatchGetItemCommand({ RequestItems: { Music: { Keys: keys, ConsistentRead: true } } }),
      );
      assert.equal(partial.Responses?.['Music']?.length, 5);
      assert.deepEqual(
        partial.UnprocessedKeys?.['Music']?.Keys?.map((k) => k['song']?.S),
        ['song-01', 'song-03', 'song-05', 'song-07', 'song-09'],
      );
      assert.equal(partial.UnprocessedKeys?.['Music']?.ConsistentRead, true);
      const partialWrite = await dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: {
            Music: songs
              .slice(0, 4)
              .map((song) => ({ DeleteRequest: { Key: { artist: s('Batch'), song: s(song) } } })),
          },
        }),
      );
      assert.deepEqual(
        partialWrite.UnprocessedItems?.['Music']?.map(
          (request) => request.DeleteRequest?.Key?.['song']?.S,
        ),
        ['song-01', 'song-03'],
      );
    } finally {
      server.backend.injectFaults(undefined);
    }
    server.backend.injectFaults(() => 'throttled');
    try {
      await assert.rejects(
        dynamo.send(new BatchGetItemCommand({ RequestItems: { Music: { Keys: keys } } })),
        (error: unknown) => (error as Error).name === 'ProvisionedThroughputExceededException',
      );
      await assert.rejects(
        dynamo.send(new GetItemCommand({ TableName: 'Music', Key: keys[0] })),
        (error: unknown) => (error as Error).name === 'ProvisionedThroughputExceededException',
      );
      server.backend.injectFaults(() => 'unavailable');
      await assert.rejects(
        dynamo.send(
          new PutItemCommand({ TableName: 'Music', Item: { artist: s('x'), song: s('y') } }),
        ),
        (error: unknown) =>
          (error as Error).name === 'InternalServerError' &&
          (error as Error).message === 'Internal server error',
      );
    } finally {
      server.backend.injectFaults(undefined);
    }
    const left = await dynamo.send(
      new GetItemCommand({ TableName: 'Music', Key: { artist: s('Batch'), song: s('song-01') } }),
    );
    assert.ok(left.Item !== undefined);
  });

  test('Query: key conditions, order, paging, filters, COUNT and capacity', async () => {
    const put = (song: string, plays: number) =>
      dynamo.send(
        new PutItemCommand({
          TableName: 'Music',
          Item: { artist: s('Query'), song: s(song), plays: n(plays) },
        }),
      );
    for (const [index, song] of ['a1', 'a2', 'a3', 'b1', 'b2'].entries()) await put(song, index);
    await put('z', 0);
    const prefix = await dynamo.send(
      new QueryCommand({
        TableName: 'Music',
        KeyConditionExpression: 'artist = :a AND begins_with(song, :p)',
        ExpressionAttributeValues: { ':a': s('Query'), ':p': s('a') },
        ScanIndexForward: false,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(
      prefix.Items?.map((item) => item['song']?.S),
      ['a3', 'a2', 'a1'],
    );
    assert.equal(prefix.Count, 3);
    assert.equal(prefix.ConsumedCapacity?.CapacityUnits, 0.5);
    const seen: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < 10; page += 1) {
      const result = await dynamo.send(
        new QueryCommand({
          TableName: 'Music',
          KeyConditionExpression: 'artist = :a',
          ExpressionAttributeValues: { ':a': s('Query') },
          Limit: 2,
          ExclusiveStartKey: startKey,
        }),
      );
      seen.push(...(result.Items ?? []).map((item) => item['song']?.S ?? ''));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) break;
    }
    assert.deepEqual(seen, ['a1', 'a2', 'a3', 'b1', 'b2', 'z']);
    const filtered = await dynamo.send(
      new QueryCommand({
        TableName: 'Music',
        KeyConditionExpression: 'artist = :a AND song BETWEEN :lo AND :hi',
        FilterExpression: 'plays >= :min',
        ExpressionAttributeValues: {
          ':a': s('Query'),
          ':lo': s('a2'),
          ':hi': s('b2'),
          ':min': n(2),
        },
        Select: 'COUNT',
      }),
    );
    assert.equal(filtered.Items, undefined);
    assert.equal(filtered.Count, 3);
    assert.equal(filtered.ScannedCount, 4);
    const legacy = await dynamo.send(
      new QueryCommand({
        TableName: 'Music',
        KeyConditions: {
          artist: { ComparisonOperator: 'EQ', AttributeValueList: [s('Query')] },
          song: { ComparisonOperator: 'LT', AttributeValueList: [s('b')] },
        },
        AttributesToGet: ['song'],
      }),
    );
    assert.deepEqual(legacy.Items, [{ song: s('a1') }, { song: s('a2') }, { song: s('a3') }]);
  });

  test('Scan: whole table, paging, and parallel segments that partition the table', async () => {
    for (let index = 0; index < 40; index += 1) {
      await dynamo.send(
        new PutItemCommand({
          TableName: 'Music',
          Item: { artist: s(`scan-${index}`), song: s('x') },
        }),
      );
    }
    const all = await dynamo.send(new ScanCommand({ TableName: 'Music' }));
    const total = all.Count ?? 0;
    assert.ok(total >= 40);
    const paged: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < 100; page += 1) {
      const result = await dynamo.send(
        new ScanCommand({ TableName: 'Music', Limit: 7, ExclusiveStartKey: startKey }),
      );
      paged.push(...(result.Items ?? []).map((item) => `${item['artist']?.S}/${item['song']?.S}`));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) break;
    }
    assert.equal(paged.length, total);
    assert.equal(new Set(paged).size, total);
    const segments = await Promise.all(
      [0, 1, 2, 3].map((segment) =>
        dynamo.send(new ScanCommand({ TableName: 'Music', Segment: segment, TotalSegments: 4 })),
      ),
    );
    const union = segments.flatMap((result) =>
      (result.Items ?? []).map((item) => `${item['artist']?.S}/${item['song']?.S}`),
    );
    assert.equal(union.length, total);
    assert.equal(new Set(union).size, total);
    assert.ok(
      segments.every((result) => (result.Count ?? 0) > 0),
      'MD5 spreads 40+ keys over 4 segments',
    );
    const fromSegment0 = await dynamo.send(
      new ScanCommand({ TableName: 'Music', Segment: 0, TotalSegments: 4, Limit: 1 }),
    );
    const startKey0 = fromSegment0.LastEvaluatedKey;
    assert.ok(startKey0 !== undefined);
    await assert.rejects(
      dynamo.send(
        new ScanCommand({
          TableName: 'Music',
          Segment: 1,
          TotalSegments: 4,
          ExclusiveStartKey: startKey0,
        }),
      ),
      (error: unknown) =>
        (error as Error).message ===
        'The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 4 Segment: 0',
    );
    const continued = await dynamo.send(
      new ScanCommand({
        TableName: 'Music',
        Segment: 0,
        TotalSegments: 4,
        ExclusiveStartKey: startKey0,
      }),
    );
    assert.equal((continued.Count ?? 0) + 1, segments[0]?.Count);
  });

  test('pages stop at 1 MB read and at an exact Limit, with a LastEvaluatedKey', async () => {
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'Big',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const blob = 'x'.repeat(390 * 1024);
    for (const id of ['a', 'b', 'c', 'd']) {
      await dynamo.send(
        new PutItemCommand({ TableName: 'Big', Item: { id: s(id), blob: s(blob) } }),
      );
    }
    const first = await dynamo.send(
      new ScanCommand({ TableName: 'Big', Select: 'COUNT', ReturnConsumedCapacity: 'TOTAL' }),
    );
    // Three items of ~390 KB pass 1 MB; the page stops there.
    assert.equal(first.ScannedCount, 3);
    assert.ok(first.LastEvaluatedKey !== undefined);
    // 3 x 390 KB = 1170 KB read eventually consistently: ceil(1170 / 4) / 2 = 146.5 units.
    assert.equal(first.ConsumedCapacity?.CapacityUnits, 146.5);
    const second = await dynamo.send(
      new ScanCommand({
        TableName: 'Big',
        Select: 'COUNT',
        ExclusiveStartKey: first.LastEvaluatedKey,
      }),
    );
    assert.equal(second.ScannedCount, 1);
    assert.equal(second.LastEvaluatedKey, undefined);
    // The last item read exactly at Limit still leaves a LastEvaluatedKey, and an empty page.
    const exact = await dynamo.send(
      new ScanCommand({
        TableName: 'Big',
        Limit: 1,
        ProjectionExpression: 'id',
        ExclusiveStartKey: first.LastEvaluatedKey,
      }),
    );
    assert.equal(exact.Count, 1);
    assert.ok(exact.LastEvaluatedKey !== undefined);
    const after = await dynamo.send(
      new ScanCommand({ TableName: 'Big', ExclusiveStartKey: exact.LastEvaluatedKey }),
    );
    assert.equal(after.Count, 0);
    assert.equal(after.LastEvaluatedKey, undefined);
  });

  test('DescribeEndpoints and DescribeLimits', async () => {
    const endpoints = await dynamo.send(new DescribeEndpointsCommand({}));
    assert.deepEqual(endpoints.Endpoints, [{ Address: '127.0.0.1', CachePeriodInMinutes: 1440 }]);
    const limits = await dynamo.send(new DescribeLimitsCommand({}));
    assert.equal(limits.TableMaxWriteCapacityUnits, 40000);
  });
});

describe('AWS SDK with SigV4 required', () => {
  test('signed by a configured key works; a wrong secret is InvalidSignatureException', async () => {
    const server = await startTestServer({
      accessKeys: new Map([[credentials.accessKeyId, credentials.secretAccessKey]]),
    });
    const good = client(server.endpoint);
    const bad = client(server.endpoint, 'wrong-secret');
    try {
      const listed = await good.send(new ListTablesCommand({}));
      assert.deepEqual(listed.TableNames, []);
      await assert.rejects(
        bad.send(new ListTablesCommand({})),
        (error: unknown) => (error as Error).name === 'InvalidSignatureException',
      );
    } finally {
      good.destroy();
      bad.destroy();
      await server.close();
    }
  });
});
