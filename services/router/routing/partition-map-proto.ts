// Converts the control plane's partition-map messages (tessera.control.v1) into the cache's
// plain types. A malformed message is reported, never half-applied: the caller keeps its map
// and logs the reason.

import type { KeySchema } from '../../../lib/dynamo/index.js';
import type {
  PartitionInfo,
  TableMap,
  WatchPartitionMapResponse,
} from '../../../lib/gen/tessera/control/v1/control_pb.js';
import { bytesToHash, hashMin } from './hash-space.js';
import type { PartitionEntry, PartitionMapUpdate, TableEntry } from './partition-map.js';

/** A converted value, or what is wrong with the message. */
export type Converted<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const keyTypes = new Set(['S', 'N', 'B']);

function keySchemaOf(map: TableMap): Converted<KeySchema> {
  const schema = map.schema;
  if (schema === undefined) return { ok: false, message: 'a table map has no schema' };
  // A map without attribute definitions names the keys only; the types are provisional
  // (see TableEntry.keyTypesKnown) and the catalog supplies the real ones.
  const untyped = schema.attributeDefinitions.length === 0;
  const typeOf = (name: string): string | undefined =>
    untyped
      ? 'S'
      : schema.attributeDefinitions.find((definition) => definition.attributeName === name)
          ?.attributeType;
  const hash = schema.keySchema.find((key) => key.keyType === 'HASH');
  const range = schema.keySchema.find((key) => key.keyType === 'RANGE');
  const hashType = hash === undefined ? undefined : typeOf(hash.attributeName);
  if (hash === undefined || hashType === undefined || !keyTypes.has(hashType)) {
    return { ok: false, message: `table ${schema.tableName} has no valid HASH key` };
  }
  const rangeType = range === undefined ? undefined : typeOf(range.attributeName);
  if (range !== undefined && (rangeType === undefined || !keyTypes.has(rangeType))) {
    return { ok: false, message: `table ${schema.tableName} has an invalid RANGE key` };
  }
  const partitionKey = { name: hash.attributeName, type: hashType as 'S' | 'N' | 'B' };
  return {
    ok: true,
    value:
      range === undefined
        ? { partitionKey }
        : {
            partitionKey,
            sortKey: { name: range.attributeName, type: rangeType as 'S' | 'N' | 'B' },
          },
  };
}

function partitionOf(info: PartitionInfo): Converted<PartitionEntry> {
  try {
    const start = bytesToHash(info.range?.start ?? new Uint8Array()) ?? hashMin;
    const end = bytesToHash(info.range?.end ?? new Uint8Array());
    return {
      ok: true,
      value: {
        partitionId: info.partitionId,
        range: { start, end },
        epoch: info.epoch,
        replicas: info.replicas.map((replica) => ({
          nodeId: replica.nodeId,
          address: replica.address,
          learner: replica.learner,
        })),
        leaderNodeId: info.leaderNodeId,
      },
    };
  } catch (error) {
    return { ok: false, message: `partition ${info.partitionId}: ${(error as Error).message}` };
  }
}

/** Converts one table of the map; partitions are sorted by the start of their range. */
export function tableEntryOf(map: TableMap): Converted<TableEntry> {
  const keySchema = keySchemaOf(map);
  if (!keySchema.ok) return keySchema;
  const partitions: PartitionEntry[] = [];
  for (const info of map.partitions) {
    const partition = partitionOf(info);
    if (!partition.ok) return partition;
    partitions.push(partition.value);
  }
  partitions.sort((a, b) =>
    a.range.start < b.range.start ? -1 : a.range.start > b.range.start ? 1 : 0,
  );
  const schema = map.schema as NonNullable<TableMap['schema']>;
  return {
    ok: true,
    value: {
      tableId: schema.tableId,
      tableName: schema.tableName,
      keySchema: keySchema.value,
      ...(schema.attributeDefinitions.length === 0 ? { keyTypesKnown: false } : {}),
      tableStatus: map.tableStatus,
      partitions,
    },
  };
}

/** Converts one message of the `WatchPartitionMap` stream. */
export function mapUpdateOf(response: WatchPartitionMapResponse): Converted<PartitionMapUpdate> {
  const tables: TableEntry[] = [];
  for (const map of response.tables) {
    const table = tableEntryOf(map);
    if (!table.ok) return table;
    tables.push(table.value);
  }
  return {
    ok: true,
    value: {
      epoch: response.epoch,
      snapshot: response.snapshot,
      tables,
      removedTableIds: [...response.removedTableIds],
    },
  };
}
