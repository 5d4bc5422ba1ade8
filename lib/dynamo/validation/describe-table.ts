// DescribeTable request validation.

import { ok, type Result } from '../errors.js';
import { validateAgainstTable, type OperationTable } from './engine.js';
import { requiredTableNameMember } from './table-shapes.js';
import type { ValidatedRequest } from './validated.js';

/** DescribeTable's declared members and constraints. */
export const describeTableTable: OperationTable = {
  members: { TableName: requiredTableNameMember },
};

/** Validates a DescribeTable request. */
export function validateDescribeTable(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(describeTableTable, request);
  return checked.ok ? ok({ data: checked.value }) : checked;
}
