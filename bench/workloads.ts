// The workloads: YCSB's core workloads A–F (as in YCSB's workloads/workload[a-f] files) and
// single-operation workloads, and the pure planner that turns one into a stream of
// operations. The planner decides what to do; the runner does it.
import { createScrambledZipfian, createSkewedLatest, createUniform } from './generators.js';
import type { NumberGenerator } from './generators.js';
import type { Random } from './random.js';

/** What one benchmark operation does. */
export type OperationKind = 'read' | 'update' | 'insert' | 'scan' | 'read-modify-write' | 'query';

/** Every operation kind, in report order. */
export const OPERATION_KINDS: readonly OperationKind[] = [
  'read',
  'update',
  'insert',
  'scan',
  'read-modify-write',
  'query',
];

/** How the records an operation touches are chosen. */
export type RequestDistribution = 'zipfian' | 'uniform' | 'latest';

/** A workload definition. */
export interface Workload {
  readonly name: string;
  readonly description: string;
  /** Share of each operation kind; the shares sum to 1. */
  readonly proportions: Readonly<Partial<Record<OperationKind, number>>>;
  readonly requestDistribution: RequestDistribution;
  /** Scans read a uniform 1..maxScanLength records (YCSB's scanlengthdistribution=uniform). */
  readonly maxScanLength: number;
  /**
   * Records per partition key: 1 for YCSB (hash-key tables), more for the Query workload,
   * whose records share a partition key and differ by sort key.
   */
  readonly itemsPerPartition: number;
}

/** YCSB's record shape: 10 fields of 100 bytes. */
export const FIELD_COUNT = 10;
export const FIELD_LENGTH_BYTES = 100;

const ycsb = (
  name: string,
  description: string,
  proportions: Workload['proportions'],
  requestDistribution: RequestDistribution = 'zipfian',
): Workload => ({
  name,
  description,
  proportions,
  requestDistribution,
  maxScanLength: 100,
  itemsPerPartition: 1,
});

/** Every workload by its `--workload` name. */
export const WORKLOADS: Readonly<Record<string, Workload>> = {
  a: ycsb('a', 'YCSB A: update heavy, 50% read / 50% update, zipfian', { read: 0.5, update: 0.5 }),
  b: ycsb('b', 'YCSB B: read mostly, 95% read / 5% update, zipfian', { read: 0.95, update: 0.05 }),
  c: ycsb('c', 'YCSB C: read only, zipfian', { read: 1 }),
  d: ycsb(
    'd',
    'YCSB D: read latest, 95% read / 5% insert, latest',
    { read: 0.95, insert: 0.05 },
    'latest',
  ),
  e: ycsb('e', 'YCSB E: short ranges, 95% scan (1-100 items) / 5% insert, zipfian', {
    scan: 0.95,
    insert: 0.05,
  }),
  f: ycsb('f', 'YCSB F: read-modify-write, 50% read / 50% read-modify-write, zipfian', {
    read: 0.5,
    'read-modify-write': 0.5,
  }),
  put: ycsb(
    'put',
    'PutItem only: full 10-field items over existing keys, uniform',
    { update: 1 },
    'uniform',
  ),
  get: ycsb('get', 'GetItem only: whole items, uniform', { read: 1 }, 'uniform'),
  query: {
    ...ycsb(
      'query',
      'Query only: one partition of 10 items (sort keys 0-9), uniform',
      { query: 1 },
      'uniform',
    ),
    itemsPerPartition: 10,
  },
};

/** One operation the runner should perform. */
export interface PlannedOperation {
  readonly kind: OperationKind;
  /** The record to read, update or insert; for a scan, the first record. */
  readonly record: number;
  /** Records a scan reads. */
  readonly scanLength: number;
  /** The field an update writes (YCSB updates one field unless writeallfields=true). */
  readonly field: number;
  /** Whether an update writes the whole item (the PutItem workload) or one field. */
  readonly wholeItem: boolean;
}

/** The planner: chooses operations and tracks which inserted records exist. */
export interface OperationPlanner {
  /** The next operation. */
  next(): PlannedOperation;
  /** Marks an insert as done, so reads may choose it (YCSB's acknowledged counter). */
  acknowledgeInsert(record: number): void;
  /** Records known to exist: [0, acknowledgedCount). */
  acknowledgedCount(): number;
}

/** Builds the planner for the run phase over `recordCount` loaded records. */
export function createOperationPlanner(
  workload: Workload,
  random: Random,
  recordCount: number,
  expectedInsertCount: number,
): OperationPlanner {
  const kinds = OPERATION_KINDS.filter((kind) => (workload.proportions[kind] ?? 0) > 0);
  const cumulative: number[] = [];
  let total = 0;
  for (const kind of kinds) cumulative.push((total += workload.proportions[kind] ?? 0));
  if (Math.abs(total - 1) > 1e-9)
    throw new Error(`workload ${workload.name}: shares sum to ${total}`);
  let nextInsert = recordCount;
  // Inserts finish out of order; reads may only choose below the contiguous watermark.
  let acknowledged = recordCount;
  const pending = new Set<number>();
  const chooser = keyChooser(
    workload,
    random,
    recordCount,
    expectedInsertCount,
    () => acknowledged - 1,
  );
  const chooseKind = (): OperationKind => {
    const u = random.nextFloat() * total;
    const index = cumulative.findIndex((bound) => u < bound);
    return kinds[index === -1 ? kinds.length - 1 : index]!;
  };
  return {
    next() {
      const kind = chooseKind();
      const scanLength = kind === 'scan' ? 1 + random.nextInt(workload.maxScanLength) : 1;
      const field = random.nextInt(FIELD_COUNT);
      const wholeItem = workload.name === 'put';
      if (kind === 'insert')
        return { kind, record: nextInsert++, scanLength, field, wholeItem: true };
      return {
        kind,
        record: chooseExisting(chooser, random, acknowledged),
        scanLength,
        field,
        wholeItem,
      };
    },
    acknowledgeInsert(record) {
      pending.add(record);
      while (pending.delete(acknowledged)) acknowledged += 1;
    },
    acknowledgedCount: () => acknowledged,
  };
}

/** Retries a draw that lands on a not-yet-inserted record, as YCSB does, a bounded number of times. */
function chooseExisting(chooser: NumberGenerator, random: Random, acknowledged: number): number {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const record = chooser.next();
    if (record < acknowledged) return record;
  }
  return random.nextInt(acknowledged);
}

function keyChooser(
  workload: Workload,
  random: Random,
  recordCount: number,
  expectedInsertCount: number,
  latest: () => number,
): NumberGenerator {
  if (workload.itemsPerPartition > 1) {
    // The Query workload chooses partitions and reads each whole: return its first record.
    const partitions = Math.ceil(recordCount / workload.itemsPerPartition);
    const partition = createUniform(random, 0, partitions - 1);
    return { next: () => partition.next() * workload.itemsPerPartition };
  }
  switch (workload.requestDistribution) {
    case 'uniform':
      return createUniform(random, 0, recordCount - 1);
    case 'latest':
      return createSkewedLatest(random, latest);
    case 'zipfian':
      // YCSB sizes the key space for the inserts it expects, so new keys get their share.
      return createScrambledZipfian(random, 0, recordCount + expectedInsertCount - 1);
  }
}
