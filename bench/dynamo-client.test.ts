import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpret } from './dynamo-client.js';

test('a 200 answer is parsed', () => {
  assert.deepEqual(interpret(200, '{"Item":{}}'), { ok: true, body: { Item: {} } });
  assert.deepEqual(interpret(200, ''), { ok: true, body: {} });
});

test("DynamoDB errors are typed by __type's last segment", () => {
  assert.deepEqual(
    interpret(
      400,
      '{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"gone"}',
    ),
    { ok: false, errorType: 'ResourceNotFoundException', message: 'gone' },
  );
  assert.deepEqual(
    interpret(403, '{"__type":"MissingAuthenticationTokenException","Message":"m"}'),
    {
      ok: false,
      errorType: 'MissingAuthenticationTokenException',
      message: 'm',
    },
  );
  assert.deepEqual(interpret(500, '{}'), { ok: false, errorType: 'Http500', message: '' });
  const html = interpret(502, '<html>');
  assert.equal(html.ok || html.errorType, 'Http502NotJson');
});
