// KeyConditionExpression rules: a condition tree of AND-ed comparisons, each naming one
// top-level key attribute; `=` on the partition key; `= < <= > >= BETWEEN begins_with` on the
// sort key. The legacy KeyConditions parameter converts to the same form, so the storage side
// sees one shape whichever the client sent.

import type { AttributeValue } from '../attribute-value.js';
import { invalid, ok, type Result } from '../errors.js';
import type { Comparator, Condition, Operand } from './ast.js';

/** The comparison operators a key condition may use. */
export type KeyOperator = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE' | 'BETWEEN' | 'BEGINS_WITH';

/** One condition on one key attribute; legacy operators appear only before schema checks. */
export interface KeyCondition {
  readonly attributeName: string;
  readonly operator: KeyOperator | LegacyOnlyOperator;
  readonly values: readonly AttributeValue[];
}

/** Operators KeyConditions accepts syntactically but DynamoDB refuses on keys. */
export type LegacyOnlyOperator = 'NULL' | 'NOT_NULL' | 'NE' | 'CONTAINS' | 'NOT_CONTAINS' | 'IN';

/** Key conditions by attribute name, in the order written. */
export type KeyConditions = ReadonlyMap<string, KeyCondition>;

const comparatorOperators: Readonly<Record<Comparator, KeyOperator | undefined>> = {
  '=': 'EQ',
  '<': 'LT',
  '<=': 'LE',
  '>': 'GT',
  '>=': 'GE',
  '<>': undefined,
};

/** The comparator with its operands swapped: `:v < k` is `k > :v`. */
const mirrored: Readonly<Record<KeyOperator, KeyOperator>> = {
  EQ: 'EQ',
  LT: 'GT',
  LE: 'GE',
  GT: 'LT',
  GE: 'LE',
  BETWEEN: 'BETWEEN',
  BEGINS_WITH: 'BEGINS_WITH',
};

type Leaf = { operator: KeyOperator; operands: readonly Operand[] };

function leafOf(condition: Condition): Result<Leaf> {
  switch (condition.kind) {
    case 'or':
    case 'not':
    case 'in':
      return invalid(
        `Invalid operator used in KeyConditionExpression: ${condition.kind.toUpperCase()}`,
      );
    case 'attribute_exists':
    case 'attribute_not_exists':
    case 'attribute_type':
    case 'contains':
      return invalid(`Invalid operator used in KeyConditionExpression: ${condition.kind}`);
    case 'comparison': {
      const operator = comparatorOperators[condition.comparator];
      if (operator === undefined)
        return invalid('Invalid operator used in KeyConditionExpression: <>');
      return ok({ operator, operands: [condition.left, condition.right] });
    }
    case 'between':
      if (condition.subject.kind !== 'path') {
        return invalid(
          'Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand',
        );
      }
      return ok({
        operator: 'BETWEEN',
        operands: [condition.subject, condition.low, condition.high],
      });
    case 'begins_with':
      if (condition.subject.kind !== 'path') {
        return invalid(
          'Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand',
        );
      }
      return ok({ operator: 'BEGINS_WITH', operands: [condition.subject, condition.operand] });
    case 'and':
      throw new Error('unreachable: AND is walked by collect');
  }
}

function collect(condition: Condition, into: Map<string, KeyCondition>): Result<null> {
  if (condition.kind === 'and') {
    const left = collect(condition.left, into);
    return left.ok ? collect(condition.right, into) : left;
  }
  const leaf = leafOf(condition);
  if (!leaf.ok) return leaf;
  let attributeName: string | undefined;
  let attributeIndex = 0;
  const values: AttributeValue[] = [];
  for (const [index, operand] of leaf.value.operands.entries()) {
    if (operand.kind === 'size')
      return invalid('KeyConditionExpressions cannot contain nested operations');
    if (operand.kind === 'value') {
      values.push(operand.value);
      continue;
    }
    if (attributeName !== undefined) {
      return invalid(
        'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition',
      );
    }
    if (operand.path.length > 1) {
      return invalid('KeyConditionExpressions cannot have conditions on nested attributes');
    }
    attributeName = String(operand.path[0]);
    attributeIndex = index;
  }
  if (attributeName === undefined) {
    return invalid('Invalid condition in KeyConditionExpression: No key attribute specified');
  }
  if (into.has(attributeName)) {
    return invalid('KeyConditionExpressions must only contain one condition per key');
  }
  const operator = attributeIndex === 0 ? leaf.value.operator : mirrored[leaf.value.operator];
  into.set(attributeName, { attributeName, operator, values });
  return ok(null);
}

/** Converts a parsed KeyConditionExpression into key conditions, with DynamoDB's messages. */
export function keyConditionsFromExpression(condition: Condition): Result<KeyConditions> {
  const conditions = new Map<string, KeyCondition>();
  const collected = collect(condition, conditions);
  if (!collected.ok) return collected;
  return ok(conditions);
}

/** DynamoDB accepts one condition (partition key) or two (partition and sort key). */
export function checkKeyConditionCount(conditions: KeyConditions): Result<KeyConditions> {
  if (conditions.size !== 1 && conditions.size !== 2) {
    return invalid('Conditions can be of length 1 or 2 only');
  }
  return ok(conditions);
}

/** A table's or index's key schema as the query checks need it. */
export interface KeySchema {
  readonly partitionKey: { readonly name: string; readonly type: 'S' | 'N' | 'B' };
  readonly sortKey?: { readonly name: string; readonly type: 'S' | 'N' | 'B' } | undefined;
}

const notIndexable: ReadonlySet<string> = new Set([
  'NULL',
  'NOT_NULL',
  'NE',
  'CONTAINS',
  'NOT_CONTAINS',
  'IN',
]);

/**
 * Checks key conditions against the key schema of the table or index queried, in DynamoDB's
 * order and with its messages.
 */
export function checkKeyConditionsAgainstSchema(
  conditions: KeyConditions,
  schema: KeySchema,
): Result<KeyConditions> {
  const keys = [
    { ...schema.partitionKey, isPartition: true },
    ...(schema.sortKey === undefined ? [] : [{ ...schema.sortKey, isPartition: false }]),
  ];
  for (const key of keys) {
    if (key.isPartition && keys.length === 1 && conditions.size > 1) {
      return invalid('Query key condition not supported');
    }
    const condition = conditions.get(key.name);
    if (condition === undefined) {
      if (key.isPartition || conditions.size > 1) {
        return invalid(`Query condition missed key schema element: ${key.name}`);
      }
      continue;
    }
    if (notIndexable.has(condition.operator)) {
      return invalid('Attempted conditional constraint is not an indexable operation');
    }
    if (condition.values.some((value) => value.type !== key.type)) {
      return invalid(
        'One or more parameter values were invalid: Condition parameter type does not match schema type',
      );
    }
    if (key.isPartition && condition.operator !== 'EQ') {
      return invalid('Query key condition not supported');
    }
  }
  return ok(conditions);
}
