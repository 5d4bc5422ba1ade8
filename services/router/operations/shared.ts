// What every operation shares: the operation signature, turning backend outcomes into
// DynamoDB errors, loading a table, projection, ReturnValues and capacity arithmetic.

import { withDetail } from '../error-detail.js';
import {
  DynamoError,
  consumedCapacity,
  fail,
  itemSize,
  itemToWire,
  ok,
  projectItem,
  resourceNotFound,
  type ConsumedCapacity,
  type DocumentPath,
  type Item,
  type Result,
  type WireAttributeValue,
} from '../../../lib/dynamo/index.js';
import type { BackendResult, RouterBackend, TableInfo } from '../backend.js';

/** A JSON response body of a successful operation. */
export type ResponseBody = Record<string, unknown>;

/** What an operation runs with. */
export interface OperationContext {
  readonly backend: RouterBackend;
  /** The `host[:port]` this router is reached at, for DescribeEndpoints. */
  readonly endpointAddress: string;
  /** Most backend calls one batch request keeps in flight at once. */
  readonly batchConcurrencyMax: number;
}

/** An operation: a parsed JSON request in, DynamoDB's JSON answer or error out. */
export type Operation = (
  request: unknown,
  context: OperationContext,
) => Promise<Result<ResponseBody>>;

/** The message DynamoDB sends when a partition is throttled. */
export const throughputExceededMessage =
  'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.';

/**
 * Turns a backend outcome into a Result: routing conditions the backend could not resolve
 * become InternalServerError (the SDKs retry it) or ProvisionedThroughputExceededException.
 */
export function fromBackend<T>(result: BackendResult<T>): Result<T> {
  switch (result.kind) {
    case 'ok':
      return ok(result.value);
    case 'error':
      return fail(result.error);
    case 'unavailable': {
      // The client sees DynamoDB's bare message; the reason travels on for the router's log.
      const error = new DynamoError('InternalServerError', 'Internal server error');
      return fail(withDetail(error, result.reason));
    }
    case 'throttled':
      return fail(
        new DynamoError('ProvisionedThroughputExceededException', throughputExceededMessage),
      );
  }
}

/** Loads a table's key schema, answering DynamoDB's ResourceNotFoundException when missing. */
export async function loadTable(
  context: OperationContext,
  tableName: string,
): Promise<Result<TableInfo>> {
  const result = fromBackend(await context.backend.catalog.tableInfo(tableName));
  if (!result.ok && result.error.name === 'ResourceNotFoundException') {
    return fail(resourceNotFound());
  }
  return result;
}

/**
 * The error an implemented operation answers for a feature Tessera does not have yet
 * (indexes, streams, …): a ValidationException naming it, so that clients do not retry and a
 * human sees at once what is missing.
 */
export function featureNotImplemented(feature: string): DynamoError {
  return new DynamoError('ValidationException', `Tessera does not implement ${feature} yet`);
}

/** Projects an item when the request asked for a projection. */
export function project(item: Item, projection: readonly DocumentPath[] | undefined): Item {
  return projection === undefined ? item : projectItem(item, projection);
}

/** An item as DynamoDB's JSON. */
export function wire(item: Item): Record<string, WireAttributeValue> {
  return itemToWire(item);
}

/** The size of an item, 0 for none. */
export function sizeOf(item: Item | undefined): number {
  return item === undefined ? 0 : itemSize(item);
}

/** Adds `Attributes` when there are any (DynamoDB omits an empty map). */
export function withAttributes(body: ResponseBody, attributes: Item | undefined): ResponseBody {
  if (attributes === undefined || attributes.size === 0) return body;
  return { ...body, Attributes: wire(attributes) };
}

/** Adds `ConsumedCapacity` when the request asked for it. */
export function withCapacity(
  body: ResponseBody,
  capacity: ConsumedCapacity | undefined,
): ResponseBody {
  return capacity === undefined ? body : { ...body, ConsumedCapacity: capacity };
}

/** ConsumedCapacity of a request, or undefined when not asked for. */
export function capacityFor(
  tableName: string,
  units: number,
  kind: 'read' | 'write',
  returnConsumedCapacity: unknown,
): ConsumedCapacity | undefined {
  const mode = typeof returnConsumedCapacity === 'string' ? returnConsumedCapacity : undefined;
  return consumedCapacity(tableName, units, kind, mode);
}

/**
 * Runs `tasks` with at most `concurrencyMax` in flight and returns their results in order. A
 * task must not reject (backend calls return data); a rejection is a bug and propagates.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrencyMax: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrencyMax, items.length)) }, () =>
    worker(),
  );
  await Promise.all(workers);
  return results;
}
