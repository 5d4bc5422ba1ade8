// Capacity-unit arithmetic for ReturnConsumedCapacity: a read unit covers 4 KB read strongly
// consistently (eventually consistent reads cost half), a write unit covers 1 KB, and
// transactional operations cost double.

/** Bytes one read capacity unit covers. */
export const readUnitBytes = 4096;
/** Bytes one write capacity unit covers. */
export const writeUnitBytes = 1024;

/** How a read is performed, which decides its price. */
export type ReadMode = 'consistent' | 'eventual' | 'transactional';

/**
 * Read units for reading one item of `sizeBytes`: ceil(size / 4 KB), at least one unit even for
 * a missing item; half for eventually consistent reads, double inside a transaction.
 */
export function readCapacityUnits(sizeBytes: number, mode: ReadMode): number {
  const units = Math.max(1, Math.ceil(sizeBytes / readUnitBytes));
  if (mode === 'eventual') return units / 2;
  if (mode === 'transactional') return units * 2;
  return units;
}

/**
 * Read units for a Query or Scan page: the sizes of all items read are summed first and the
 * sum is rounded up to 4 KB, which is how DynamoDB prices a page.
 */
export function pageReadCapacityUnits(totalSizeBytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(totalSizeBytes / readUnitBytes));
  return consistent ? units : units / 2;
}

/**
 * Write units for writing one item: ceil(size / 1 KB) of the larger of the old and the new
 * item, at least one; double inside a transaction.
 */
export function writeCapacityUnits(
  newSizeBytes: number,
  oldSizeBytes: number,
  transactional = false,
): number {
  const units = Math.max(1, Math.ceil(Math.max(newSizeBytes, oldSizeBytes) / writeUnitBytes));
  return transactional ? units * 2 : units;
}

/** The ConsumedCapacity structure DynamoDB returns, for TOTAL or INDEXES. */
export interface ConsumedCapacity {
  readonly TableName: string;
  readonly CapacityUnits: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
  readonly Table?: {
    readonly CapacityUnits: number;
    readonly ReadCapacityUnits?: number;
    readonly WriteCapacityUnits?: number;
  };
}

/**
 * Builds ConsumedCapacity for a request, or undefined when ReturnConsumedCapacity is NONE or
 * absent (DynamoDB then omits the field).
 */
export function consumedCapacity(
  tableName: string,
  units: number,
  kind: 'read' | 'write',
  returnConsumedCapacity: string | undefined,
): ConsumedCapacity | undefined {
  if (returnConsumedCapacity !== 'TOTAL' && returnConsumedCapacity !== 'INDEXES') return undefined;
  const split = kind === 'read' ? { ReadCapacityUnits: units } : { WriteCapacityUnits: units };
  if (returnConsumedCapacity === 'TOTAL') {
    return { TableName: tableName, CapacityUnits: units, ...split };
  }
  return {
    TableName: tableName,
    CapacityUnits: units,
    ...split,
    Table: { CapacityUnits: units, ...split },
  };
}
