// TagResource, UntagResource, ListTagsOfResource, DescribeTimeToLive, UpdateTimeToLive.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateListTagsOfResource } from './list-tags-of-resource.js';
import { validateTagResource } from './tag-resource.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';
import { validateDescribeTimeToLive, validateUpdateTimeToLive } from './time-to-live.js';
import { validateUntagResource } from './untag-resource.js';

const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/abc';

describe('TagResource', () => {
  test('serialization', () =>
    assertSerialization(
      validateTagResource({ ResourceArn: arn, Tags: {} }),
      'Start of structure or map found where not expected',
    ));
  test('missing ARN', () => assertValidation(validateTagResource({}), 'Invalid TableArn'));
  test('not an ARN is AccessDenied', () => {
    const result = validateTagResource(
      { ResourceArn: 'abc', Tags: [] },
      { accountId: '123456789012', userName: 'alice' },
    );
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.error.type, 'com.amazon.coral.service#AccessDeniedException');
    assert.equal(
      result.error.message,
      'User: arn:aws:iam::123456789012:alice is not authorized to perform: dynamodb:TagResource on resource: abc',
    );
  });
  test('Tags required', () =>
    assertValidation(
      validateTagResource({ ResourceArn: arn }),
      oneViolation('null', 'tags', 'Member must not be null'),
    ));
  test('not a table ARN', () =>
    assertValidation(
      validateTagResource({ ResourceArn: 'a:b:c:d:e:f/g', Tags: [] }),
      'Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g',
    ));
  test('at least one tag', () =>
    assertValidation(
      validateTagResource({ ResourceArn: arn, Tags: [] }),
      'Atleast one Tag needs to be provided as Input.',
    ));
  test('functionality', () =>
    assert.ok(
      assertValid(validateTagResource({ ResourceArn: arn, Tags: [{ Key: 'k', Value: 'v' }] })),
    ));
});

describe('UntagResource and ListTagsOfResource', () => {
  test('TagKeys required', () =>
    assertValidation(
      validateUntagResource({ ResourceArn: arn }),
      oneViolation('null', 'tagKeys', 'Member must not be null'),
    ));
  test('at least one key', () =>
    assertValidation(
      validateUntagResource({ ResourceArn: arn, TagKeys: [] }),
      'Atleast one Tag Key needs to be provided as Input.',
    ));
  test('list needs a table ARN', () =>
    assertValidation(
      validateListTagsOfResource({ ResourceArn: 'a:b:c:d:e:f/g' }),
      'Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g',
    ));
  test('functionality', () =>
    assert.ok(assertValid(validateListTagsOfResource({ ResourceArn: arn }))));
});

describe('TimeToLive', () => {
  test('describe needs a table name', () =>
    assertValidation(
      validateDescribeTimeToLive({}),
      "The parameter 'TableName' is required but was not present in the request",
    ));
  test('update needs a specification', () =>
    assertValidation(
      validateUpdateTimeToLive({ TableName: 'abc' }),
      oneViolation('null', 'timeToLiveSpecification', 'Member must not be null'),
    ));
  test('update specification members', () =>
    assertValidation(
      validateUpdateTimeToLive({
        TableName: 'abc',
        TimeToLiveSpecification: { AttributeName: '' },
      }),
      "2 validation errors detected: Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null; Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ));
  test('functionality', () =>
    assert.ok(
      assertValid(
        validateUpdateTimeToLive({
          TableName: 'abc',
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
        }),
      ),
    ));
});
