// Router metrics: outcomes, bounded table labels, in-flight gauge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/runtime/index.js';
import { createRouterObserver, outcomeOf } from './observer.js';

const base = { operation: 'PutItem', tableName: 'Music', durationMs: 3 };

test('outcomes: ok, client_error, server_error, throttled', () => {
  assert.equal(outcomeOf({ ...base, httpStatus: 200, errorName: undefined }), 'ok');
  assert.equal(
    outcomeOf({ ...base, httpStatus: 400, errorName: 'ValidationException' }),
    'client_error',
  );
  assert.equal(
    outcomeOf({ ...base, httpStatus: 500, errorName: 'InternalServerError' }),
    'server_error',
  );
  const throttled = {
    ...base,
    httpStatus: 400,
    errorName: 'ProvisionedThroughputExceededException',
  };
  assert.equal(outcomeOf(throttled), 'throttled');
});

test('table names from requests that failed validation are not used as labels', async () => {
  const registry = new Registry();
  const observer = createRouterObserver(registry, createLogger('router-test', 'silent'));
  observer.started?.();
  observer.finished?.({ ...base, httpStatus: 200, errorName: undefined });
  observer.started?.();
  observer.finished?.({
    ...base,
    tableName: 'attacker-chosen-1',
    httpStatus: 400,
    errorName: 'ResourceNotFoundException',
  });
  observer.started?.();
  observer.finished?.({ ...base, httpStatus: 400, errorName: 'ConditionalCheckFailedException' });
  const text = await registry.metrics();
  assert.match(
    text,
    /tessera_router_requests_total\{operation="PutItem",table="Music",outcome="ok"\} 1/,
  );
  assert.match(
    text,
    /tessera_router_requests_total\{operation="PutItem",table="",outcome="client_error"\} 1/,
  );
  assert.match(
    text,
    /tessera_router_requests_total\{operation="PutItem",table="Music",outcome="client_error"\} 1/,
  );
  assert.doesNotMatch(text, /attacker-chosen/);
  assert.match(text, /tessera_router_in_flight_requests 0/);
});
