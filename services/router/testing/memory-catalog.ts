// TEST DOUBLE. The catalog half of the in-memory backend: tables kept in a Map, answering
// with DynamoDB's descriptions and errors. The real catalog is the control plane's.

import {
  DynamoError,
  itemSize,
  resourceInUse,
  type Item,
  type KeySchema,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import type { BackendResult, CatalogBackend, TableDescriptionJson, TableInfo } from '../backend.js';

/** One table held in memory: its description and its items by key identity. */
export interface MemoryTable {
  info: TableInfo;
  description: Record<string, unknown>;
  readonly items: Map<string, Item>;
}

type KeyElement = { AttributeName: string; KeyType: string };
type Definition = { AttributeName: string; AttributeType: 'S' | 'N' | 'B' };

function keySchemaOf(keys: readonly KeyElement[], definitions: readonly Definition[]): KeySchema {
  const typeOf = (name: string): 'S' | 'N' | 'B' =>
    definitions.find((definition) => definition.AttributeName === name)?.AttributeType ?? 'S';
  const hash = keys.find((key) => key.KeyType === 'HASH') as KeyElement;
  const range = keys.find((key) => key.KeyType === 'RANGE');
  return {
    partitionKey: { name: hash.AttributeName, type: typeOf(hash.AttributeName) },
    ...(range === undefined
      ? {}
      : { sortKey: { name: range.AttributeName, type: typeOf(range.AttributeName) } }),
  };
}

function notFound(tableName: string): { kind: 'error'; error: DynamoError } {
  return {
    kind: 'error',
    error: new DynamoError(
      'ResourceNotFoundException',
      `Requested resource not found: Table: ${tableName} not found`,
    ),
  };
}

function throughputDescription(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const provisioned = (data['ProvisionedThroughput'] ?? {}) as Record<string, number>;
  return {
    NumberOfDecreasesToday: 0,
    ReadCapacityUnits: provisioned['ReadCapacityUnits'] ?? 0,
    WriteCapacityUnits: provisioned['WriteCapacityUnits'] ?? 0,
  };
}

/** The in-memory catalog; `tables` is shared with the in-memory data path. */
export class MemoryCatalog implements CatalogBackend {
  private tablesCreated = 0;

  constructor(
    readonly tables: Map<string, MemoryTable>,
    private readonly nowMs: () => number,
    private readonly region: string,
  ) {}

  private describe(table: MemoryTable): TableDescriptionJson {
    let sizeBytes = 0;
    for (const item of table.items.values()) sizeBytes += itemSize(item);
    return { ...table.description, ItemCount: table.items.size, TableSizeBytes: sizeBytes };
  }

  createTable(request: ValidatedRequest): Promise<BackendResult<TableDescriptionJson>> {
    const data = request.data;
    const tableName = data['TableName'] as string;
    if (this.tables.has(tableName)) {
      return Promise.resolve({
        kind: 'error',
        error: resourceInUse(`Table already exists: ${tableName}`),
      });
    }
    this.tablesCreated += 1;
    const tableId = `00000000-0000-4000-8000-${String(this.tablesCreated).padStart(12, '0')}`;
    const keys = data['KeySchema'] as KeyElement[];
    const definitions = data['AttributeDefinitions'] as Definition[];
    const nowSeconds = this.nowMs() / 1000;
    const payPerRequest = data['BillingMode'] === 'PAY_PER_REQUEST';
    const description: Record<string, unknown> = {
      AttributeDefinitions: definitions,
      TableName: tableName,
      KeySchema: keys,
      TableStatus: 'ACTIVE',
      CreationDateTime: nowSeconds,
      ProvisionedThroughput: throughputDescription(data),
      TableArn: `arn:aws:dynamodb:${this.region}:000000000000:table/${tableName}`,
      TableId: tableId,
      ...(payPerRequest
        ? {
            BillingModeSummary: {
              BillingMode: 'PAY_PER_REQUEST',
              LastUpdateToPayPerRequestDateTime: nowSeconds,
            },
          }
        : {}),
    };
    const info: TableInfo = {
      tableName,
      tableId,
      keySchema: keySchemaOf(keys, definitions),
      tableStatus: 'ACTIVE',
    };
    const table: MemoryTable = { info, description, items: new Map() };
    this.tables.set(tableName, table);
    return Promise.resolve({ kind: 'ok', value: this.describe(table) });
  }

  deleteTable(tableName: string): Promise<BackendResult<TableDescriptionJson>> {
    const table = this.tables.get(tableName);
    if (table === undefined) return Promise.resolve(notFound(tableName));
    this.tables.delete(tableName);
    return Promise.resolve({
      kind: 'ok',
      value: { ...this.describe(table), TableStatus: 'DELETING' },
    });
  }

  describeTable(tableName: string): Promise<BackendResult<TableDescriptionJson>> {
    const table = this.tables.get(tableName);
    if (table === undefined) return Promise.resolve(notFound(tableName));
    return Promise.resolve({ kind: 'ok', value: this.describe(table) });
  }

  listTables(
    exclusiveStartTableName: string | undefined,
    limit: number,
  ): Promise<BackendResult<{ tableNames: string[]; lastEvaluatedTableName?: string }>> {
    const after = [...this.tables.keys()]
      .sort()
      .filter((name) => exclusiveStartTableName === undefined || name > exclusiveStartTableName);
    const tableNames = after.slice(0, limit);
    const more = after.length > limit;
    return Promise.resolve({
      kind: 'ok',
      value: more
        ? { tableNames, lastEvaluatedTableName: tableNames.at(-1) as string }
        : { tableNames },
    });
  }

  updateTable(request: ValidatedRequest): Promise<BackendResult<TableDescriptionJson>> {
    const data = request.data;
    const tableName = data['TableName'] as string;
    const table = this.tables.get(tableName);
    if (table === undefined) return Promise.resolve(notFound(tableName));
    const updated: Record<string, unknown> = { ...table.description };
    if (data['ProvisionedThroughput'] != null) {
      updated['ProvisionedThroughput'] = throughputDescription(data);
    }
    if (data['BillingMode'] === 'PAY_PER_REQUEST') {
      const nowSeconds = this.nowMs() / 1000;
      updated['BillingModeSummary'] = {
        BillingMode: 'PAY_PER_REQUEST',
        LastUpdateToPayPerRequestDateTime: nowSeconds,
      };
      updated['ProvisionedThroughput'] = throughputDescription({});
    } else if (data['BillingMode'] === 'PROVISIONED') {
      delete updated['BillingModeSummary'];
    }
    table.description = updated;
    return Promise.resolve({ kind: 'ok', value: this.describe(table) });
  }

  tableInfo(tableName: string): Promise<BackendResult<TableInfo>> {
    const table = this.tables.get(tableName);
    if (table === undefined) return Promise.resolve(notFound(tableName));
    return Promise.resolve({ kind: 'ok', value: table.info });
  }
}
