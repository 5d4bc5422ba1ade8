// DeleteTable request validation.

import { ok, type Result } from '../errors.js';
import { validateAgainstTable, type OperationTable } from './engine.js';
import { requiredTableNameMember } from './table-shapes.js';
import type { ValidatedRequest } from './validated.js';

/** DeleteTable's declared members and constraints. */
export const deleteTableTable: OperationTable = { members: { TableName: requiredTableNameMember } };

/** Validates a DeleteTable request. */
export function validateDeleteTable(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(deleteTableTable, request);
  return checked.ok ? ok({ data: checked.value }) : checked;
}
