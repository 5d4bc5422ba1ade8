// DescribeTimeToLive and UpdateTimeToLive request validation.

import { ok, type Result } from '../errors.js';
import { c, validateAgainstTable, type OperationTable } from './engine.js';
import { requiredTableNameMember } from './table-shapes.js';
import type { ValidatedRequest } from './validated.js';

/** DescribeTimeToLive's declared members. */
export const describeTimeToLiveTable: OperationTable = {
  members: { TableName: requiredTableNameMember },
};

/** UpdateTimeToLive's declared members (DynamoDB API reference). */
export const updateTimeToLiveTable: OperationTable = {
  members: {
    TableName: requiredTableNameMember,
    TimeToLiveSpecification: {
      shape: {
        kind: 'structure',
        name: 'TimeToLiveSpecification',
        field: true,
        constraints: [c.notNull],
        members: {
          Enabled: { kind: 'boolean', constraints: [c.notNull] },
          AttributeName: {
            kind: 'string',
            constraints: [c.notNull, c.lengthMin(1), c.lengthMax(255)],
          },
        },
      },
    },
  },
};

/** Validates a DescribeTimeToLive request. */
export function validateDescribeTimeToLive(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(describeTimeToLiveTable, request);
  return checked.ok ? ok({ data: checked.value }) : checked;
}

/** Validates an UpdateTimeToLive request. */
export function validateUpdateTimeToLive(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(updateTimeToLiveTable, request);
  return checked.ok ? ok({ data: checked.value }) : checked;
}
