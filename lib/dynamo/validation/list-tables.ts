// ListTables request validation.

import { ok, type Result } from '../errors.js';
import { c, validateAgainstTable, type OperationTable } from './engine.js';
import type { ValidatedRequest } from './validated.js';

/** ListTables's declared members and constraints. */
export const listTablesTable: OperationTable = {
  members: {
    Limit: { shape: { kind: 'integer', constraints: [c.min(1), c.max(100)] } },
    ExclusiveStartTableName: {
      shape: {
        kind: 'string',
        constraints: [c.regex('[a-zA-Z0-9_.-]+'), c.lengthMin(3), c.lengthMax(255)],
      },
    },
  },
};

/** Validates a ListTables request. */
export function validateListTables(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(listTablesTable, request);
  return checked.ok ? ok({ data: checked.value }) : checked;
}
