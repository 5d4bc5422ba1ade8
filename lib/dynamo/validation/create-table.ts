// CreateTable request validation: the declared table, then DynamoDB's key schema, index and
// billing rules in its order.

import { invalid, ok, type Result } from '../errors.js';
import { enumMember, type RequestData } from './common.js';
import { c, validateAgainstTable, type OperationTable } from './engine.js';
import {
  capacityUnitsMax,
  indexNameShape,
  keySchemaShape,
  projectionShape,
  requiredTableNameMember,
  throughputShape,
} from './table-shapes.js';
import type { ValidatedRequest } from './validated.js';

/** CreateTable's declared members and constraints. */
export const createTableTable: OperationTable = {
  members: {
    AttributeDefinitions: {
      shape: {
        kind: 'list',
        constraints: [c.notNull],
        member: {
          kind: 'structure',
          name: 'AttributeDefinition',
          members: {
            AttributeName: { kind: 'string', constraints: [c.notNull] },
            AttributeType: { kind: 'string', constraints: [c.notNull, c.oneOf(['B', 'N', 'S'])] },
          },
        },
      },
    },
    TableName: requiredTableNameMember,
    BillingMode: enumMember(['PROVISIONED', 'PAY_PER_REQUEST']),
    ProvisionedThroughput: { shape: throughputShape(false) },
    KeySchema: { shape: keySchemaShape(true) },
    LocalSecondaryIndexes: { shape: indexListShape('LocalSecondaryIndex', false) },
    GlobalSecondaryIndexes: { shape: indexListShape('GlobalSecondaryIndex', true) },
  },
};

function indexListShape(name: string, global: boolean): OperationTable['members'][string]['shape'] {
  return {
    kind: 'list',
    member: {
      kind: 'structure',
      name,
      members: {
        IndexName: indexNameShape,
        KeySchema: keySchemaShape(false),
        Projection: projectionShape,
        ...(global ? { ProvisionedThroughput: throughputShape(false) } : {}),
      },
    },
  };
}

type Json = Record<string, unknown>;
type KeyElement = { AttributeName: string; KeyType: string };
type Index = {
  IndexName: string;
  KeySchema: KeyElement[];
  Projection: Json;
  ProvisionedThroughput?: Json;
};

function checkThroughput(data: RequestData): Result<null> {
  const throughput = data['ProvisionedThroughput'] as Json | undefined;
  if (data['BillingMode'] === 'PAY_PER_REQUEST') {
    if (throughput != null) {
      return invalid(
        'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
      );
    }
    return ok(null);
  }
  if (throughput == null || !throughput['ReadCapacityUnits'] || !throughput['WriteCapacityUnits']) {
    return invalid(
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    );
  }
  for (const name of ['ReadCapacityUnits', 'WriteCapacityUnits']) {
    if ((throughput[name] as number) > capacityUnitsMax) {
      return invalid(`Given value ${String(throughput[name])} for ${name} is out of bounds`);
    }
  }
  return ok(null);
}

/** The checks every key schema (table or index) gets. */
export function checkKeySchemaOrder(schema: readonly KeyElement[]): Result<null> {
  if (schema[1] !== undefined && schema[0]?.AttributeName === schema[1].AttributeName) {
    return invalid(
      'Both the Hash Key and the Range Key element in the KeySchema have the same name',
    );
  }
  if (schema[0]?.KeyType !== 'HASH') {
    return invalid('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  }
  if (schema[1] !== undefined && schema[1].KeyType !== 'RANGE') {
    return invalid('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  }
  return ok(null);
}

function undefinedKeys(keys: readonly string[], definitions: readonly string[]): string {
  return `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${keys.join(', ')}], AttributeDefinitions: [${definitions.join(', ')}]`;
}

function checkIndex(index: Index, definitions: readonly string[]): Result<null> {
  const keys = index.KeySchema.map((key) => key.AttributeName);
  if (keys.some((key) => !definitions.includes(key)))
    return invalid(undefinedKeys(keys, definitions));
  const order = checkKeySchemaOrder(index.KeySchema);
  if (!order.ok) return order;
  return ok(null);
}

function checkProjection(index: Index): Result<null> {
  const projectionType = index.Projection['ProjectionType'];
  if (projectionType == null) {
    return invalid('One or more parameter values were invalid: Unknown ProjectionType: null');
  }
  if (index.Projection['NonKeyAttributes'] != null && projectionType !== 'INCLUDE') {
    return invalid(
      `One or more parameter values were invalid: ProjectionType is ${String(projectionType)}, but NonKeyAttributes is specified`,
    );
  }
  return ok(null);
}

function checkDuplicateName(index: Index, names: Set<string>): Result<null> {
  if (names.has(index.IndexName)) {
    return invalid(
      `One or more parameter values were invalid: Duplicate index name: ${index.IndexName}`,
    );
  }
  names.add(index.IndexName);
  return ok(null);
}

function checkLocalIndexes(
  data: RequestData,
  definitions: readonly string[],
  names: Set<string>,
): Result<null> {
  const indexes = data['LocalSecondaryIndexes'] as Index[] | undefined;
  if (indexes == null) return ok(null);
  const tableSchema = data['KeySchema'] as KeyElement[];
  if (indexes.length === 0) {
    return invalid(
      'One or more parameter values were invalid: List of LocalSecondaryIndexes is empty',
    );
  }
  if (tableSchema.length !== 2) {
    return invalid(
      'One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
    );
  }
  for (const index of indexes) {
    const common = checkIndex(index, definitions);
    if (!common.ok) return common;
    if (index.KeySchema.length !== 2) {
      return invalid(
        `One or more parameter values were invalid: Index KeySchema does not have a range key for index: ${index.IndexName}`,
      );
    }
    const indexHash = index.KeySchema[0]?.AttributeName;
    const tableHash = tableSchema[0]?.AttributeName;
    if (indexHash !== tableHash) {
      return invalid(
        `One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: ${index.IndexName}. index hash key: ${String(indexHash)}, table hash key: ${String(tableHash)}`,
      );
    }
    const projection = checkProjection(index);
    if (!projection.ok) return projection;
    const name = checkDuplicateName(index, names);
    if (!name.ok) return name;
  }
  if (indexes.length > 5) {
    return invalid(
      'One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5',
    );
  }
  return ok(null);
}

function checkGlobalIndexes(
  data: RequestData,
  definitions: readonly string[],
  names: Set<string>,
): Result<null> {
  const indexes = data['GlobalSecondaryIndexes'] as Index[] | undefined;
  if (indexes == null) return ok(null);
  if (indexes.length === 0) {
    return invalid(
      'One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty',
    );
  }
  for (const index of indexes) {
    const common = checkIndex(index, definitions);
    if (!common.ok) return common;
    const projection = checkProjection(index);
    if (!projection.ok) return projection;
    if (data['BillingMode'] === 'PAY_PER_REQUEST' && index.ProvisionedThroughput != null) {
      return invalid(
        `One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: ${index.IndexName} when BillingMode is PAY_PER_REQUEST`,
      );
    }
    const name = checkDuplicateName(index, names);
    if (!name.ok) return name;
  }
  if (indexes.length > 20) {
    return invalid(
      'One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20',
    );
  }
  return ok(null);
}

/** Validates a CreateTable request. */
export function validateCreateTable(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(createTableTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const throughput = checkThroughput(data);
  if (!throughput.ok) return throughput;
  const definitions = (data['AttributeDefinitions'] as { AttributeName: string }[]).map(
    (d) => d.AttributeName,
  );
  const schema = data['KeySchema'] as KeyElement[];
  const keys = schema.map((key) => key.AttributeName);
  if (keys.length > definitions.length) {
    return invalid('Invalid KeySchema: Some index key attribute have no definition');
  }
  if (keys.some((key) => !definitions.includes(key)))
    return invalid(undefinedKeys(keys, definitions));
  const order = checkKeySchemaOrder(schema);
  if (!order.ok) return order;
  if (
    data['LocalSecondaryIndexes'] == null &&
    data['GlobalSecondaryIndexes'] == null &&
    schema.length !== definitions.length
  ) {
    return invalid(
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
  }
  const names = new Set<string>();
  const local = checkLocalIndexes(data, definitions, names);
  if (!local.ok) return local;
  const global = checkGlobalIndexes(data, definitions, names);
  if (!global.ok) return global;
  return ok({ data });
}
