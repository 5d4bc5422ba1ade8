import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  aggregatedValidationError,
  conditionalCheckFailed,
  DynamoError,
  serializationError,
  validationError,
} from './errors.js';

describe('error catalogue', () => {
  const types: [ConstructorParameters<typeof DynamoError>[0], string, number][] = [
    ['ValidationException', 'com.amazon.coral.validate#ValidationException', 400],
    ['SerializationException', 'com.amazon.coral.service#SerializationException', 400],
    ['UnknownOperationException', 'com.amazon.coral.service#UnknownOperationException', 400],
    [
      'MissingAuthenticationTokenException',
      'com.amazon.coral.service#MissingAuthenticationTokenException',
      400,
    ],
    [
      'ConditionalCheckFailedException',
      'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      400,
    ],
    [
      'ResourceNotFoundException',
      'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      400,
    ],
    [
      'TransactionCanceledException',
      'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      400,
    ],
    [
      'ProvisionedThroughputExceededException',
      'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      400,
    ],
    ['ThrottlingException', 'com.amazon.coral.availability#ThrottlingException', 400],
    ['InternalServerError', 'com.amazonaws.dynamodb.v20120810#InternalServerError', 500],
    [
      'ServiceUnavailableException',
      'com.amazon.coral.availability#ServiceUnavailableException',
      503,
    ],
  ];
  for (const [name, type, status] of types) {
    test(name, () => {
      const error = new DynamoError(name, 'x');
      assert.equal(error.type, type);
      assert.equal(error.httpStatus, status);
    });
  }

  test('bodies spell the message as DynamoDB does', () => {
    assert.deepEqual(validationError('v').toBody(), {
      __type: 'com.amazon.coral.validate#ValidationException',
      message: 'v',
    });
    assert.deepEqual(serializationError('s').toBody(), {
      __type: 'com.amazon.coral.service#SerializationException',
      Message: 's',
    });
    assert.deepEqual(new DynamoError('SerializationException', '').toBody(), {
      __type: 'com.amazon.coral.service#SerializationException',
    });
    assert.deepEqual(conditionalCheckFailed({ a: { S: 'x' } }).toBody(), {
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
      Item: { a: { S: 'x' } },
    });
  });

  test('aggregated validation messages: singular, plural, at most ten', () => {
    const one = { renderedValue: 'null', path: 'tableName', constraint: 'Member must not be null' };
    assert.equal(
      aggregatedValidationError([one]).message,
      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    );
    assert.equal(
      aggregatedValidationError([one, { ...one, path: 'item' }]).message,
      "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value null at 'item' failed to satisfy constraint: Member must not be null",
    );
    assert.match(
      aggregatedValidationError(Array.from({ length: 12 }, () => one)).message,
      /^10 validation errors detected/,
    );
  });
});
