// UpdateTable request validation.

import { invalid, ok, type Result } from '../errors.js';
import { booleanMember, enumMember, type RequestData } from './common.js';
import { validateAgainstTable, type OperationTable } from './engine.js';
import {
  capacityUnitsMax,
  indexNameShape,
  keySchemaShape,
  projectionShape,
  requiredTableNameMember,
  throughputShape,
} from './table-shapes.js';
import type { ValidatedRequest } from './validated.js';

/** UpdateTable's declared members and constraints. */
export const updateTableTable: OperationTable = {
  members: {
    TableName: requiredTableNameMember,
    ProvisionedThroughput: { shape: throughputShape(false) },
    BillingMode: enumMember(['PROVISIONED', 'PAY_PER_REQUEST']),
    GlobalSecondaryIndexUpdates: {
      shape: {
        kind: 'list',
        member: {
          kind: 'structure',
          name: 'GlobalSecondaryIndexUpdate',
          members: {
            Update: {
              kind: 'structure',
              name: 'UpdateGlobalSecondaryIndexAction',
              field: true,
              members: { IndexName: indexNameShape, ProvisionedThroughput: throughputShape(true) },
            },
            Create: {
              kind: 'structure',
              name: 'CreateGlobalSecondaryIndexAction',
              field: true,
              members: {
                Projection: projectionShape,
                IndexName: indexNameShape,
                ProvisionedThroughput: throughputShape(false),
                KeySchema: keySchemaShape(false),
              },
            },
            Delete: {
              kind: 'structure',
              name: 'DeleteGlobalSecondaryIndexAction',
              field: true,
              members: { IndexName: indexNameShape },
            },
          },
        },
      },
    },
    AttributeDefinitions: {
      shape: {
        kind: 'list',
        member: {
          kind: 'structure',
          name: 'AttributeDefinition',
          members: { AttributeName: { kind: 'string' }, AttributeType: { kind: 'string' } },
        },
      },
    },
    DeletionProtectionEnabled: booleanMember,
  },
};

type Json = Record<string, unknown>;

function checkIndexUpdates(data: RequestData): Result<null> {
  const updates = data['GlobalSecondaryIndexUpdates'] as Json[] | undefined;
  if (updates == null) return ok(null);
  const names = new Set<string>();
  for (const update of updates) {
    const action = (update['Update'] ?? update['Create'] ?? update['Delete']) as Json | undefined;
    if (action == null) {
      return invalid(
        'One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null',
      );
    }
    const name = String(action['IndexName']);
    if (names.has(name)) {
      return invalid(
        `One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: ${name}`,
      );
    }
    names.add(name);
  }
  return ok(null);
}

/** Validates an UpdateTable request. */
export function validateUpdateTable(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(updateTableTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const throughput = data['ProvisionedThroughput'] as Json | undefined;
  const indexUpdates = data['GlobalSecondaryIndexUpdates'] as unknown[] | undefined;
  if (
    throughput == null &&
    data['BillingMode'] == null &&
    (indexUpdates == null || indexUpdates.length === 0) &&
    data['DeletionProtectionEnabled'] == null
  ) {
    return invalid(
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    );
  }
  if (data['BillingMode'] === 'PROVISIONED' && throughput == null) {
    return invalid(
      'One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED',
    );
  }
  for (const name of ['ReadCapacityUnits', 'WriteCapacityUnits']) {
    if (throughput != null && (throughput[name] as number) > capacityUnitsMax) {
      return invalid(`Given value ${String(throughput[name])} for ${name} is out of bounds`);
    }
  }
  const updates = checkIndexUpdates(data);
  return updates.ok ? ok({ data }) : updates;
}
