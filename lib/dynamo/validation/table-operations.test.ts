// DeleteTable, DescribeTable, ListTables and UpdateTable: small tables, one file.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateDeleteTable } from './delete-table.js';
import { validateDescribeTable } from './describe-table.js';
import { operationValidators } from './index.js';
import { validateListTables } from './list-tables.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';
import { validateUpdateTable } from './update-table.js';

describe('DeleteTable and DescribeTable', () => {
  for (const [name, validate] of [
    ['DeleteTable', validateDeleteTable],
    ['DescribeTable', validateDescribeTable],
  ] as const) {
    describe(name, () => {
      test('serialization', () =>
        assertSerialization(
          validate({ TableName: 1 }),
          'NUMBER_VALUE cannot be converted to String',
        ));
      test('required', () =>
        assertValidation(
          validate({}),
          "The parameter 'TableName' is required but was not present in the request",
        ));
      test('length', () =>
        assertValidation(
          validate({ TableName: 'a'.repeat(256) }),
          'TableName must be at least 3 characters long and at most 255 characters long',
        ));
      test('pattern', () =>
        assertValidation(
          validate({ TableName: 'abc;' }),
          oneViolation(
            "'abc;'",
            'tableName',
            'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+',
          ),
        ));
      test('functionality', () =>
        assert.equal(assertValid(validate({ TableName: 'a.b-c_1' })).data['TableName'], 'a.b-c_1'));
    });
  }
});

describe('ListTables', () => {
  test('serialization', () =>
    assertSerialization(
      validateListTables({ Limit: 'x' }),
      'STRING_VALUE cannot be converted to Integer',
    ));
  test('validation', () =>
    assertValidation(
      validateListTables({ Limit: 101, ExclusiveStartTableName: 'ab' }),
      "2 validation errors detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100; Value 'ab' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    ));
  test('functionality: fractional limits floor as DynamoDB does', () =>
    assert.equal(assertValid(validateListTables({ Limit: 5.9 })).data['Limit'], 5));
});

describe('UpdateTable', () => {
  test('serialization', () =>
    assertSerialization(
      validateUpdateTable({ TableName: 'abc', GlobalSecondaryIndexUpdates: [{ Update: 'x' }] }),
      'Unexpected field type',
    ));
  test('nothing to update', () =>
    assertValidation(
      validateUpdateTable({ TableName: 'abc' }),
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    ));
  test('PROVISIONED needs throughput', () =>
    assertValidation(
      validateUpdateTable({ TableName: 'abc', BillingMode: 'PROVISIONED' }),
      'One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED',
    ));
  test('empty index update', () =>
    assertValidation(
      validateUpdateTable({ TableName: 'abc', GlobalSecondaryIndexUpdates: [{}] }),
      'One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null',
    ));
  test('two updates of one index', () =>
    assertValidation(
      validateUpdateTable({
        TableName: 'abc',
        GlobalSecondaryIndexUpdates: [
          { Delete: { IndexName: 'idx' } },
          { Delete: { IndexName: 'idx' } },
        ],
      }),
      'One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: idx',
    ));
  test('functionality', () =>
    assert.ok(
      assertValid(validateUpdateTable({ TableName: 'abc', BillingMode: 'PAY_PER_REQUEST' })),
    ));
});

describe('registry', () => {
  test('every operation the router serves has a validator', () => {
    for (const name of [
      'CreateTable',
      'DeleteTable',
      'DescribeTable',
      'ListTables',
      'UpdateTable',
      'PutItem',
      'GetItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
      'Scan',
      'BatchGetItem',
      'BatchWriteItem',
      'TransactGetItems',
      'TransactWriteItems',
    ]) {
      assert.equal(typeof operationValidators[name], 'function', name);
    }
  });
});
