// Table operations over the control plane's `tessera.control.v1.Catalog`, and `tableInfo`
// answered from the partition-map cache (no round trip on the data path).
//
// The control plane runs several replicas; only the leader serves the catalog. A replica that
// does not lead answers UNAVAILABLE, possibly naming the leader in the trailing metadata
// `x-tessera-leader-address`: the call then moves to that address, else to the next configured
// one. Each call tries at most `addresses.length + 1` replicas, so a cluster without a leader
// costs a bounded number of calls and answers `unavailable`.

import { DynamoError, type KeySchema, type ValidatedRequest } from '../../../lib/dynamo/index.js';
import { Catalog } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import {
  CreateTableRequestSchema,
  CreateTableResponseSchema,
  DeleteTableResponseSchema,
  DescribeTableResponseSchema,
  UpdateTableRequestSchema,
  UpdateTableResponseSchema,
  type CreateTableRequest,
  type UpdateTableRequest,
} from '../../../lib/gen/tessera/v1/dynamo_pb.js';
import {
  GrpcError,
  GrpcStatus,
  type ClientPool,
  type ServiceClient,
} from '../../../lib/grpc/index.js';
import type { BackendResult, CatalogBackend, TableDescriptionJson, TableInfo } from '../backend.js';
import { jsonToMessage } from '../../../lib/proto-json/convert.js';
import type { PartitionMapCache } from '../routing/partition-map.js';
import { decodeAnswer, responseJson, type DataAnswer, type MethodsOf } from './convert.js';

/** Most typed key schemas kept (the cache is cleared when full; it refills on demand). */
const keyTypesCachedMax = 10_000;

type KeyAttribute = KeySchema['partitionKey'];

/** Trailing metadata a non-leading control-plane replica may set. */
export const leaderAddressMetadataKey = 'x-tessera-leader-address';

type CatalogClient = ServiceClient<MethodsOf<typeof Catalog>>;

/** Options of the catalog backend. */
export interface CatalogBackendOptions {
  /** Control-plane replicas, `host:port`; at least one. */
  readonly addresses: readonly string[];
  readonly pool: ClientPool;
  readonly cache: PartitionMapCache;
  /** Deadline of one catalog call. */
  readonly callTimeoutMs: number;
  /**
   * Fetches the whole map now (the watcher's one-shot refresh). Asked when a data request names
   * a table the cached map lacks but the control plane knows: the watch may trail a table that
   * DescribeTable already shows, and a client that waited for ACTIVE must not get "not found".
   */
  readonly refreshMap?: () => Promise<boolean>;
  /** Milliseconds on a monotonic clock (the not-found cache). */
  readonly nowMs?: () => number;
}

/** How long a table the control plane said does not exist is answered "not found" from memory. */
const NOT_FOUND_CACHED_MS = 1_000;
/** Table names remembered as not found at most (the cache is emptied when full). */
const NOT_FOUND_CACHED_MAX = 10_000;

function notFound(tableName: string): BackendResult<never> {
  return {
    kind: 'error',
    error: new DynamoError(
      'ResourceNotFoundException',
      `Requested resource not found: Table: ${tableName} not found`,
    ),
  };
}

/** The catalog half of the cluster backend. */
export class ControlPlaneCatalog implements CatalogBackend {
  /** Index of the address that answered last: the likely leader. */
  private preferred = 0;
  /** Key schemas with types, by table id, for maps that carry only key names. */
  private readonly keyTypes = new Map<string, KeySchema>();
  /** Table names the control plane recently said do not exist → until when (ms). */
  private readonly notFoundUntil = new Map<string, number>();

  /** @param options addresses, channel pool, cache and deadline. */
  constructor(private readonly options: CatalogBackendOptions) {
    if (options.addresses.length === 0) throw new Error('at least one control-plane address');
  }

  /** Calls the leading replica, following leader hints and moving on from non-leaders. */
  private async call<R>(
    invoke: (client: CatalogClient, timeoutMs: number) => Promise<DataAnswer<R>>,
  ): Promise<{ ok: true; answer: DataAnswer<R> } | { ok: false; reason: string }> {
    const { addresses, pool, callTimeoutMs } = this.options;
    let address = addresses[this.preferred % addresses.length] as string;
    let reason = 'no control-plane replica answered';
    for (let tried = 0; tried <= addresses.length; tried += 1) {
      try {
        const client = pool.client(Catalog, address);
        const answer = await invoke(client, callTimeoutMs);
        const index = addresses.indexOf(address);
        if (index >= 0) this.preferred = index;
        return { ok: true, answer };
      } catch (thrown) {
        const error = GrpcError.from(thrown);
        reason = `control plane ${address}: ${error.codeName} ${error.message}`;
        if (error.code !== GrpcStatus.UNAVAILABLE && error.code !== GrpcStatus.DEADLINE_EXCEEDED) {
          return { ok: false, reason };
        }
        const hint = error.metadata.get(leaderAddressMetadataKey)[0];
        const next = addresses[(addresses.indexOf(address) + 1) % addresses.length] as string;
        address = typeof hint === 'string' && hint !== '' && hint !== address ? hint : next;
      }
    }
    return { ok: false, reason };
  }

  private async described<R extends object>(
    invoke: (client: CatalogClient, timeoutMs: number) => Promise<DataAnswer<R>>,
    schema: Parameters<typeof responseJson>[0],
    member: string,
  ): Promise<BackendResult<TableDescriptionJson>> {
    const called = await this.call(invoke);
    if (!called.ok) return { kind: 'unavailable', reason: called.reason };
    return decodeAnswer(called.answer, (response) => {
      const json = responseJson(schema, response);
      return (json[member] ?? {}) as TableDescriptionJson;
    });
  }

  /** CreateTable on the control plane. */
  createTable(request: ValidatedRequest): Promise<BackendResult<TableDescriptionJson>> {
    const message = jsonToMessage<CreateTableRequest>(CreateTableRequestSchema, request.data);
    return this.described(
      (client, timeoutMs) => client.createTable({ request: message }, { timeoutMs }),
      CreateTableResponseSchema,
      'TableDescription',
    );
  }

  /** DeleteTable on the control plane. */
  deleteTable(tableName: string): Promise<BackendResult<TableDescriptionJson>> {
    return this.described(
      (client, timeoutMs) => client.deleteTable({ request: { tableName } }, { timeoutMs }),
      DeleteTableResponseSchema,
      'TableDescription',
    );
  }

  /** DescribeTable on the control plane. */
  describeTable(tableName: string): Promise<BackendResult<TableDescriptionJson>> {
    return this.described(
      (client, timeoutMs) => client.describeTable({ request: { tableName } }, { timeoutMs }),
      DescribeTableResponseSchema,
      'Table',
    );
  }

  /** UpdateTable on the control plane. */
  updateTable(request: ValidatedRequest): Promise<BackendResult<TableDescriptionJson>> {
    const message = jsonToMessage<UpdateTableRequest>(UpdateTableRequestSchema, request.data);
    return this.described(
      (client, timeoutMs) => client.updateTable({ request: message }, { timeoutMs }),
      UpdateTableResponseSchema,
      'TableDescription',
    );
  }

  /** ListTables on the control plane (the catalog is the authority, not the cached map). */
  async listTables(
    exclusiveStartTableName: string | undefined,
    limit: number,
  ): Promise<BackendResult<{ tableNames: string[]; lastEvaluatedTableName?: string }>> {
    const request = { exclusiveStartTableName: exclusiveStartTableName ?? '', limit };
    const called = await this.call((client, timeoutMs) =>
      client.listTables({ request }, { timeoutMs }),
    );
    if (!called.ok) return { kind: 'unavailable', reason: called.reason };
    return decodeAnswer(called.answer, (response) => ({
      tableNames: [...response.tableNames],
      ...(response.lastEvaluatedTableName === ''
        ? {}
        : { lastEvaluatedTableName: response.lastEvaluatedTableName }),
    }));
  }

  /**
   * The table as the data path needs it, from the cached map. Before the first snapshot the
   * router cannot route at all, which is `unavailable` (retried by clients), not "not found".
   * A map that names key attributes without their types costs one DescribeTable per table id.
   */
  async tableInfo(tableName: string): Promise<BackendResult<TableInfo>> {
    const { cache } = this.options;
    if (!cache.ready) return { kind: 'unavailable', reason: 'no partition map yet' };
    const table = cache.table(tableName) ?? (await this.tableMissingFromMap(tableName));
    if (table === undefined) return notFound(tableName);
    const { tableId, tableStatus } = table;
    let keySchema: KeySchema | undefined = table.keySchema;
    if (table.keyTypesKnown === false) {
      keySchema = this.keyTypes.get(tableId);
      if (keySchema === undefined) {
        const typed = await this.typedKeySchema(tableName, table.keySchema);
        if (typed.kind !== 'ok') return typed;
        keySchema = typed.value;
        if (this.keyTypes.size >= keyTypesCachedMax) this.keyTypes.clear();
        this.keyTypes.set(tableId, keySchema);
      }
    }
    return { kind: 'ok', value: { tableName, tableId, keySchema, tableStatus } };
  }

  /**
   * A table the cached map lacks: asks the control plane (DescribeTable) whether it exists; if it
   * does, refreshes the map and looks again. A "no" is remembered for a second, so a client
   * hammering a missing table costs the control plane one call per second, not one per request.
   */
  private async tableMissingFromMap(tableName: string) {
    const { cache, refreshMap } = this.options;
    const nowMs = this.options.nowMs ?? (() => performance.now());
    if (refreshMap === undefined) return undefined;
    if ((this.notFoundUntil.get(tableName) ?? 0) > nowMs()) return undefined;
    const described = await this.describeTable(tableName);
    if (described.kind === 'error' && described.error.name === 'ResourceNotFoundException') {
      if (this.notFoundUntil.size >= NOT_FOUND_CACHED_MAX) this.notFoundUntil.clear();
      this.notFoundUntil.set(tableName, nowMs() + NOT_FOUND_CACHED_MS);
      return undefined;
    }
    if (described.kind !== 'ok') return undefined;
    await refreshMap();
    const table = cache.table(tableName);
    // Known to the catalog but not routable (being created or deleted): not found for a second.
    if (table === undefined) this.notFoundUntil.set(tableName, nowMs() + NOT_FOUND_CACHED_MS);
    return table;
  }

  /** The key schema with the types DescribeTable's AttributeDefinitions give. */
  private async typedKeySchema(
    tableName: string,
    names: KeySchema,
  ): Promise<BackendResult<KeySchema>> {
    const described = await this.describeTable(tableName);
    if (described.kind !== 'ok') return described;
    const definitions = (described.value['AttributeDefinitions'] ?? []) as {
      AttributeName?: string;
      AttributeType?: string;
    }[];
    const typed = (name: string): KeyAttribute | undefined => {
      const type = definitions.find((entry) => entry.AttributeName === name)?.AttributeType;
      return type === 'S' || type === 'N' || type === 'B' ? { name, type } : undefined;
    };
    const partitionKey = typed(names.partitionKey.name);
    const sortKey = names.sortKey === undefined ? undefined : typed(names.sortKey.name);
    if (partitionKey === undefined || (names.sortKey !== undefined && sortKey === undefined)) {
      return { kind: 'unavailable', reason: `no key attribute types for table ${tableName}` };
    }
    return {
      kind: 'ok',
      value: sortKey === undefined ? { partitionKey } : { partitionKey, sortKey },
    };
  }
}
