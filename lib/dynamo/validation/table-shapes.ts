// Shapes shared by the table operations: key schemas, projections, throughput.

import { c, type Shape, type TopLevelMember } from './engine.js';

/** `ProvisionedThroughput`. */
export function throughputShape(notNull: boolean): Shape {
  return {
    kind: 'structure',
    name: 'ProvisionedThroughput',
    field: true,
    constraints: notNull ? [c.notNull] : [],
    members: {
      WriteCapacityUnits: { kind: 'long', constraints: [c.notNull, c.min(1)] },
      ReadCapacityUnits: { kind: 'long', constraints: [c.notNull, c.min(1)] },
    },
  };
}

/** `KeySchema`; tables restrict KeyType to HASH and RANGE in the table, indexes later. */
export function keySchemaShape(withKeyTypeEnum: boolean): Shape {
  return {
    kind: 'list',
    constraints: [c.notNull, c.lengthMin(1), c.lengthMax(2)],
    member: {
      kind: 'structure',
      name: 'KeySchemaElement',
      members: {
        AttributeName: { kind: 'string', constraints: [c.notNull] },
        KeyType: {
          kind: 'string',
          constraints: withKeyTypeEnum ? [c.notNull, c.oneOf(['HASH', 'RANGE'])] : [c.notNull],
        },
      },
    },
  };
}

/** `Projection` of an index. */
export const projectionShape: Shape = {
  kind: 'structure',
  name: 'Projection',
  field: true,
  constraints: [c.notNull],
  members: {
    ProjectionType: { kind: 'string', constraints: [c.oneOf(['ALL', 'INCLUDE', 'KEYS_ONLY'])] },
    NonKeyAttributes: { kind: 'list', member: { kind: 'string' }, constraints: [c.lengthMin(1)] },
  },
};

/** An index name inside a structure. */
export const indexNameShape: Shape = {
  kind: 'string',
  constraints: [c.notNull, c.regex('[a-zA-Z0-9_.-]+'), c.lengthMin(3), c.lengthMax(255)],
};

/** `TableName` of the table operations that check its length first (DescribeTable…). */
export const requiredTableNameMember: TopLevelMember = {
  required: true,
  tableName: true,
  shape: { kind: 'string', constraints: [c.regex('[a-zA-Z0-9_.-]+')] },
};

/** Throughput values above this are refused with "Given value … is out of bounds". */
export const capacityUnitsMax = 1_000_000_000_000;
