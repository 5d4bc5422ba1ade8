// Router metrics and request logs, through lib/metrics' catalogue (`tessera_router_*`).

import type { Registry } from 'prom-client';
import { registerMetrics, routerMetrics } from '../../lib/metrics/index.js';
import type { Logger } from '../../lib/runtime/index.js';
import type { RequestObserver, RequestRecord } from './http/server.js';

const throttledErrors = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/**
 * Errors raised before a table is known to exist: their table names come from the client,
 * so they are not used as label values (labels must stay a bounded set).
 */
const unverifiedTableErrors = new Set([
  'ValidationException',
  'SerializationException',
  'ResourceNotFoundException',
  'UnknownOperationException',
  'MissingAuthenticationTokenException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
]);

/** The `outcome` label of a finished request. */
export function outcomeOf(
  record: RequestRecord,
): 'ok' | 'client_error' | 'server_error' | 'throttled' {
  if (record.httpStatus < 400) return 'ok';
  if (record.errorName !== undefined && throttledErrors.has(record.errorName)) return 'throttled';
  return record.httpStatus >= 500 ? 'server_error' : 'client_error';
}

/** An observer that counts requests, times them and logs bugs. */
export function createRouterObserver(registry: Registry, logger: Logger): RequestObserver {
  const metrics = registerMetrics(registry, routerMetrics);
  return {
    started: () => metrics.inFlightRequests.inc(),
    finished: (record) => {
      metrics.inFlightRequests.dec();
      const trusted =
        record.errorName === undefined || !unverifiedTableErrors.has(record.errorName);
      const table = trusted ? (record.tableName ?? '') : '';
      const outcome = outcomeOf(record);
      metrics.requests.inc({ operation: record.operation, table, outcome });
      if (outcome === 'throttled') {
        metrics.throttledRequests.inc({
          operation: record.operation,
          table,
          reason: record.errorName ?? '',
        });
      }
      metrics.requestDuration.observe({ operation: record.operation }, record.durationMs / 1000);
      if (record.httpStatus >= 500) logger.warn(record, 'request failed on the server side');
    },
    internalError: (error, operation) => logger.error({ err: error, operation }, 'operation threw'),
  };
}
