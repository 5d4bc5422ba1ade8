import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateCreateTable } from './create-table.js';
import { assertSerialization, assertValid, assertValidation } from './test-support.js';

const base = {
  TableName: 'abc',
  AttributeDefinitions: [{ AttributeName: 'a', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
};
const invalidPrefix = 'One or more parameter values were invalid: ';

describe('CreateTable', () => {
  describe('serializations', () => {
    test('AttributeDefinitions must be a list', () =>
      assertSerialization(
        validateCreateTable({ ...base, AttributeDefinitions: 'x' }),
        'Unexpected field type',
      ));
    test('attribute definition members must be structures', () =>
      assertSerialization(
        validateCreateTable({ ...base, AttributeDefinitions: ['x'] }),
        'Unexpected value type in payload',
      ));
    test('ReadCapacityUnits must be a number', () =>
      assertSerialization(
        validateCreateTable({ ...base, ProvisionedThroughput: { ReadCapacityUnits: 'x' } }),
        'STRING_VALUE cannot be converted to Long',
      ));
  });

  describe('validations', () => {
    test('TableName is required first', () =>
      assertValidation(
        validateCreateTable({}),
        "The parameter 'TableName' is required but was not present in the request",
      ));
    test('TableName length has its own message', () =>
      assertValidation(
        validateCreateTable({ TableName: 'ab' }),
        'TableName must be at least 3 characters long and at most 255 characters long',
      ));
    test('nulls aggregate', () =>
      assertValidation(
        validateCreateTable({ TableName: 'abc' }),
        "2 validation errors detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null; Value null at 'keySchema' failed to satisfy constraint: Member must not be null",
      ));
    test('nested members are named with their index', () =>
      assertValidation(
        validateCreateTable({ ...base, KeySchema: [{ AttributeName: 'a', KeyType: 'X' }] }),
        "1 validation error detected: Value 'X' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
      ));
    const cases: [Record<string, unknown>, string][] = [
      [
        { BillingMode: 'PROVISIONED' },
        `${invalidPrefix}ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED`,
      ],
      [
        { ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } },
        `${invalidPrefix}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST`,
      ],
      [
        {
          BillingMode: undefined,
          ProvisionedThroughput: { ReadCapacityUnits: 1000000000001, WriteCapacityUnits: 1 },
        },
        'Given value 1000000000001 for ReadCapacityUnits is out of bounds',
      ],
      [
        {
          KeySchema: [
            { AttributeName: 'a', KeyType: 'HASH' },
            { AttributeName: 'b', KeyType: 'RANGE' },
          ],
        },
        'Invalid KeySchema: Some index key attribute have no definition',
      ],
      [
        { KeySchema: [{ AttributeName: 'b', KeyType: 'HASH' }] },
        `${invalidPrefix}Some index key attributes are not defined in AttributeDefinitions. Keys: [b], AttributeDefinitions: [a]`,
      ],
      [
        { KeySchema: [{ AttributeName: 'a', KeyType: 'RANGE' }] },
        'Invalid KeySchema: The first KeySchemaElement is not a HASH key type',
      ],
      [
        {
          AttributeDefinitions: [
            { AttributeName: 'a', AttributeType: 'S' },
            { AttributeName: 'b', AttributeType: 'S' },
          ],
        },
        `${invalidPrefix}Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions`,
      ],
      [{ LocalSecondaryIndexes: [] }, `${invalidPrefix}List of LocalSecondaryIndexes is empty`],
      [
        {
          LocalSecondaryIndexes: [
            {
              IndexName: 'abc',
              KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }],
              Projection: {},
            },
          ],
        },
        `${invalidPrefix}Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex`,
      ],
      [{ GlobalSecondaryIndexes: [] }, `${invalidPrefix}List of GlobalSecondaryIndexes is empty`],
      [
        {
          GlobalSecondaryIndexes: [
            {
              IndexName: 'idx',
              KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }],
              Projection: {},
            },
          ],
        },
        `${invalidPrefix}Unknown ProjectionType: null`,
      ],
      [
        {
          GlobalSecondaryIndexes: [
            {
              IndexName: 'idx',
              KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL', NonKeyAttributes: ['x'] },
            },
          ],
        },
        `${invalidPrefix}ProjectionType is ALL, but NonKeyAttributes is specified`,
      ],
      [
        {
          GlobalSecondaryIndexes: [1, 2].map(() => ({
            IndexName: 'idx',
            KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          })),
        },
        `${invalidPrefix}Duplicate index name: idx`,
      ],
    ];
    for (const [extra, message] of cases) {
      test(message.slice(0, 90), () =>
        assertValidation(validateCreateTable({ ...base, ...extra }), message),
      );
    }
  });

  describe('functionality', () => {
    test('a table with a range key and indexes passes', () => {
      const validated = assertValid(
        validateCreateTable({
          TableName: 'abc',
          AttributeDefinitions: [
            { AttributeName: 'a', AttributeType: 'S' },
            { AttributeName: 'b', AttributeType: 'N' },
            { AttributeName: 'c', AttributeType: 'B' },
          ],
          KeySchema: [
            { AttributeName: 'a', KeyType: 'HASH' },
            { AttributeName: 'b', KeyType: 'RANGE' },
          ],
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
          LocalSecondaryIndexes: [
            {
              IndexName: 'lsi',
              KeySchema: [
                { AttributeName: 'a', KeyType: 'HASH' },
                { AttributeName: 'c', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'gsi',
              KeySchema: [{ AttributeName: 'c', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['x'] },
              ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
            },
          ],
        }),
      );
      assert.equal(validated.data['TableName'], 'abc');
    });
  });
});
