// The router's backend: everything behind validation. The router itself is stateless; it
// validates a request, calls one of these methods, and shapes DynamoDB's answer.
//
// Two parts, matching the two services that will serve them:
// - `catalog`: table operations, served by the control plane over `tessera.control.v1.Catalog`
//   (whose messages wrap the `tessera.v1` ones and carry DynamoDB errors as ErrorDetail data);
// - `data`: per-item operations, Query, and Scan of one parallel-scan segment, served by the
//   storage nodes over `tessera.storage.v1.Storage` (requests wrapped with a PartitionRef;
//   ErrorDetail and RoutingError come back as data).
//
// Everything here is an interface: it imports no implementation. Failures are data, never
// exceptions: a method rejects only on a programmer error.

import type { DynamoError, Item, KeySchema, ValidatedRequest } from '../../lib/dynamo/index.js';
import type { HashRange } from './routing/hash-space.js';

/** DynamoDB's JSON for a table description (`TableDescription`), as the catalog returns it. */
export type TableDescriptionJson = Readonly<Record<string, unknown>>;

/** What the data path needs to know about a table: its name, id and key schema. */
export interface TableInfo {
  readonly tableName: string;
  /** The catalog's id for the table; partitions are addressed by it. */
  readonly tableId: string;
  readonly keySchema: KeySchema;
  /** DynamoDB's table status (`ACTIVE`, `CREATING`, …). */
  readonly tableStatus: string;
}

/**
 * The outcome of one backend call. `unavailable` and `throttled` are not DynamoDB errors by
 * themselves: single-item operations turn them into InternalServerError or
 * ProvisionedThroughputExceededException, batches report the affected requests as unprocessed.
 */
export type BackendResult<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'error'; readonly error: DynamoError }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'throttled'; readonly reason: string };

/** Table operations. Requests and answers are DynamoDB's JSON, already validated. */
export interface CatalogBackend {
  /** Creates a table; answers `{TableDescription}` or ResourceInUseException. */
  createTable(request: ValidatedRequest): Promise<BackendResult<TableDescriptionJson>>;
  /** Deletes a table; answers its last description or ResourceNotFoundException. */
  deleteTable(tableName: string): Promise<BackendResult<TableDescriptionJson>>;
  /** Describes a table or answers ResourceNotFoundException. */
  describeTable(tableName: string): Promise<BackendResult<TableDescriptionJson>>;
  /** Lists table names in order after `exclusiveStartTableName`, at most `limit`. */
  listTables(
    exclusiveStartTableName: string | undefined,
    limit: number,
  ): Promise<BackendResult<{ tableNames: string[]; lastEvaluatedTableName?: string }>>;
  /** Updates a table's throughput, billing mode or deletion protection. */
  updateTable(request: ValidatedRequest): Promise<BackendResult<TableDescriptionJson>>;
  /**
   * The key schema and id the data path needs, or ResourceNotFoundException. The real backend
   * answers from its cached partition map, so this costs no round trip.
   */
  tableInfo(tableName: string): Promise<BackendResult<TableInfo>>;
}

/** The result of a single-item write, with what the capacity arithmetic needs. */
export interface WriteOutcome {
  /** The item before the write, when there was one (for ReturnValues and capacity). */
  readonly oldItem?: Item;
  /** The item after the write; absent for deletes. */
  readonly newItem?: Item;
  /**
   * Write capacity units as the storage node computed them at apply time, from both the old and
   * the new item (UpdateItem returns only one of them); absent when the backend does not say.
   */
  readonly capacityUnits?: number;
}

/** The result of GetItem: the whole stored item (projection is the router's job). */
export interface ReadOutcome {
  readonly item?: Item;
}

/** One page of a Query or Scan. */
export interface PageOutcome {
  /** Items that passed the filter, before projection. */
  readonly items: readonly Item[];
  /** Items read before the filter (DynamoDB's ScannedCount). */
  readonly scannedCount: number;
  /** Sum of the sizes of every item read, for capacity. */
  readonly readSizeBytes: number;
  /** Where the next page starts, when the page ended before the end of the range. */
  readonly lastEvaluatedKey?: Item;
}

/**
 * Item operations. Each takes the validated request (already checked against the table's key
 * schema by the router) and evaluates conditions, updates and filters where the data lives.
 */
export interface DataBackend {
  /** PutItem: ConditionalCheckFailedException when the condition fails. */
  putItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<WriteOutcome>>;
  /** GetItem: the stored item, strongly consistent when the request asks. */
  getItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<ReadOutcome>>;
  /** UpdateItem: applies the update (creating the item when absent). */
  updateItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<WriteOutcome>>;
  /** DeleteItem. */
  deleteItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<WriteOutcome>>;
  /** Query: one page from the one partition that owns the partition key. */
  query(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<PageOutcome>>;
  /**
   * Scan: one page of the items whose partition-key hash lies in `range` (the router maps a
   * parallel-scan segment onto it; the real backend walks the partitions it intersects in hash
   * order), continuing after ExclusiveStartKey.
   */
  scan(
    table: TableInfo,
    request: ValidatedRequest,
    range: HashRange,
  ): Promise<BackendResult<PageOutcome>>;
  /**
   * BatchWriteItem's writes of one table (blind puts and deletes, no two on one key), as few
   * storage calls as the table's partitions allow; one result per write, in order. Optional:
   * without it the router writes item by item.
   */
  batchWrite?(
    table: TableInfo,
    writes: readonly BatchWriteOne[],
    wantCapacity: boolean,
  ): Promise<BackendResult<WriteOutcome>[]>;
}

/** One write of a BatchWriteItem, as the backend takes it. */
export type BatchWriteOne =
  | { readonly kind: 'put'; readonly item: Item; readonly wire: unknown }
  | { readonly kind: 'delete'; readonly key: Item; readonly wire: unknown };

/** The whole backend the router runs on. */
export interface RouterBackend {
  readonly catalog: CatalogBackend;
  readonly data: DataBackend;
}
