// The legacy (pre-expression) parameters: Expected with ConditionalOperator, AttributesToGet,
// KeyConditions, QueryFilter, ScanFilter and AttributeUpdates. Each is validated with
// DynamoDB's messages and converted to the same AST the expressions produce, so the storage
// node evaluates one form whichever the client sent.

import { attributeValueFromWire, compareScalars, type AttributeValue } from './attribute-value.js';
import { invalid, ok, type Result } from './errors.js';
import type {
  Condition,
  DocumentPath,
  Operand,
  UpdateAction,
  UpdateExpression,
} from './expressions/ast.js';
import {
  checkKeyConditionCount,
  type KeyCondition,
  type KeyConditions,
} from './expressions/key-condition.js';

type Json = unknown;
const prefix = 'One or more parameter values were invalid: ';

/** The operand count each ComparisonOperator takes: a number, or [min] for IN. */
const argumentCounts: Readonly<Record<string, number | 'some'>> = {
  NULL: 0,
  NOT_NULL: 0,
  EQ: 1,
  NE: 1,
  LE: 1,
  LT: 1,
  GE: 1,
  GT: 1,
  CONTAINS: 1,
  NOT_CONTAINS: 1,
  BEGINS_WITH: 1,
  IN: 'some',
  BETWEEN: 2,
};

/** The value types each ComparisonOperator accepts in a filter or key condition. */
const allowedTypes: Readonly<Record<string, readonly string[]>> = {
  EQ: ['S', 'N', 'B', 'SS', 'NS', 'BS'],
  NE: ['S', 'N', 'B', 'SS', 'NS', 'BS'],
  LE: ['S', 'N', 'B'],
  LT: ['S', 'N', 'B'],
  GE: ['S', 'N', 'B'],
  GT: ['S', 'N', 'B'],
  CONTAINS: ['S', 'N', 'B'],
  NOT_CONTAINS: ['S', 'N', 'B'],
  BEGINS_WITH: ['S', 'B'],
  IN: ['S', 'N', 'B'],
  BETWEEN: ['S', 'N', 'B'],
};

interface LegacyCondition {
  readonly operator: string;
  readonly values: readonly AttributeValue[];
}

function convertList(list: Json): Result<AttributeValue[]> {
  const values: AttributeValue[] = [];
  if (!Array.isArray(list)) return ok(values);
  for (const wire of list) {
    const value = attributeValueFromWire(wire);
    if (!value.ok) return invalid(value.error.message);
    values.push(value.value);
  }
  return ok(values);
}

function checkCount(operator: string, count: number): boolean {
  const expected = argumentCounts[operator];
  return expected === 'some' ? count >= 1 : expected === count;
}

function checkSameType(values: readonly AttributeValue[]): Result<null> {
  const first = values[0];
  if (first === undefined) return ok(null);
  if (values.some((value) => value.type !== first.type)) {
    return invalid(`${prefix}AttributeValues inside AttributeValueList must be of same type`);
  }
  return ok(null);
}

function betweenReversed(operator: string, values: readonly AttributeValue[]): boolean {
  const [low, high] = values;
  if (operator !== 'BETWEEN' || low === undefined || high === undefined) return false;
  return (compareScalars(low, high) ?? 0) > 0;
}

const betweenMessage =
  'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound';

/**
 * DynamoDB's checks of one Condition's values: their count for the operator, one type for all,
 * a type the operator accepts, and BETWEEN bounds in order. Key conditions written as an
 * expression go through the same checks.
 */
export function checkConditionValues(
  operator: string,
  values: readonly AttributeValue[],
): Result<null> {
  if (!checkCount(operator, values.length)) {
    return invalid(`${prefix}Invalid number of argument(s) for the ${operator} ComparisonOperator`);
  }
  const same = checkSameType(values);
  if (!same.ok) return same;
  const allowed = allowedTypes[operator];
  const wrong =
    allowed === undefined ? undefined : values.find((value) => !allowed.includes(value.type));
  if (wrong !== undefined) {
    return invalid(
      `${prefix}ComparisonOperator ${operator} is not valid for ${wrong.type} AttributeValue type`,
    );
  }
  if (betweenReversed(operator, values)) return invalid(betweenMessage);
  return ok(null);
}

/** Validates a QueryFilter, ScanFilter or KeyConditions map and converts it. */
export function convertConditionMap(conditions: Json): Result<Map<string, LegacyCondition>> {
  const converted = new Map<string, LegacyCondition>();
  if (conditions == null || typeof conditions !== 'object') return ok(converted);
  for (const [name, raw] of Object.entries(conditions as Record<string, Record<string, Json>>)) {
    const operator = String(raw['ComparisonOperator']);
    const values = convertList(raw['AttributeValueList']);
    if (!values.ok) return values;
    const checked = checkConditionValues(operator, values.value);
    if (!checked.ok) return checked;
    converted.set(name, { operator, values: values.value });
  }
  return ok(converted);
}

/** Validates an Expected map (Exists / Value / ComparisonOperator forms) and converts it. */
export function convertExpected(expected: Json): Result<Map<string, LegacyCondition>> {
  const converted = new Map<string, LegacyCondition>();
  if (expected == null || typeof expected !== 'object') return ok(converted);
  for (const [name, raw] of Object.entries(expected as Record<string, Record<string, Json>>)) {
    const one = convertExpectedEntry(name, raw);
    if (!one.ok) return one;
    converted.set(name, one.value);
  }
  return ok(converted);
}

function convertExpectedEntry(name: string, raw: Record<string, Json>): Result<LegacyCondition> {
  const has = (member: string): boolean => raw[member] !== undefined;
  if (has('AttributeValueList') && has('Value')) {
    return invalid(
      `${prefix}Value and AttributeValueList cannot be used together for Attribute: ${name}`,
    );
  }
  if (has('ComparisonOperator')) {
    const operator = String(raw['ComparisonOperator']);
    if (has('Exists')) {
      return invalid(
        `${prefix}Exists and ComparisonOperator cannot be used together for Attribute: ${name}`,
      );
    }
    if (
      operator !== 'NULL' &&
      operator !== 'NOT_NULL' &&
      !has('AttributeValueList') &&
      !has('Value')
    ) {
      return invalid(
        `${prefix}Value or AttributeValueList must be used with ComparisonOperator: ${operator} for Attribute: ${name}`,
      );
    }
    const values = has('Value')
      ? convertList([raw['Value']])
      : convertList(raw['AttributeValueList']);
    if (!values.ok) return values;
    if (!checkCount(operator, values.value.length)) {
      return invalid(
        `${prefix}Invalid number of argument(s) for the ${operator} ComparisonOperator`,
      );
    }
    const same = checkSameType(values.value);
    if (!same.ok) return same;
    if (betweenReversed(operator, values.value)) return invalid(betweenMessage);
    return ok({ operator, values: values.value });
  }
  if (has('AttributeValueList')) {
    return invalid(
      `${prefix}AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`,
    );
  }
  const exists = raw['Exists'] == null || raw['Exists'] === true;
  if (exists && raw['Value'] == null) {
    const shown = raw['Exists'] == null ? 'null' : String(raw['Exists']);
    return invalid(
      `${prefix}Value must be provided when Exists is ${shown} for Attribute: ${name}`,
    );
  }
  if (!exists && raw['Value'] != null) {
    return invalid(`${prefix}Value cannot be used when Exists is false for Attribute: ${name}`);
  }
  if (!exists) return ok({ operator: 'NULL', values: [] });
  const value = attributeValueFromWire(raw['Value']);
  if (!value.ok) return invalid(value.error.message);
  return ok({ operator: 'EQ', values: [value.value] });
}

function leafCondition(name: string, condition: LegacyCondition): Condition {
  const path: DocumentPath = [name];
  const subject: Operand = { kind: 'path', path };
  const operands: Operand[] = condition.values.map((value) => ({ kind: 'value', value }));
  const first = operands[0] as Operand;
  const comparators: Readonly<Record<string, '=' | '<>' | '<' | '<=' | '>' | '>='>> = {
    EQ: '=',
    NE: '<>',
    LT: '<',
    LE: '<=',
    GT: '>',
    GE: '>=',
  };
  const comparator = comparators[condition.operator];
  if (comparator !== undefined)
    return { kind: 'comparison', comparator, left: subject, right: first };
  switch (condition.operator) {
    case 'NULL':
      return { kind: 'attribute_not_exists', path };
    case 'NOT_NULL':
      return { kind: 'attribute_exists', path };
    case 'CONTAINS':
      return { kind: 'contains', subject, operand: first };
    case 'NOT_CONTAINS':
      return { kind: 'not', condition: { kind: 'contains', subject, operand: first } };
    case 'BEGINS_WITH':
      return { kind: 'begins_with', subject, operand: first };
    case 'IN':
      return { kind: 'in', subject, candidates: operands };
    default:
      return { kind: 'between', subject, low: first, high: operands[1] as Operand };
  }
}

/**
 * Combines legacy conditions with ConditionalOperator (AND by default) into one condition;
 * undefined when there are none.
 */
export function legacyConditionToAst(
  conditions: ReadonlyMap<string, LegacyCondition>,
  conditionalOperator: Json,
): Condition | undefined {
  let combined: Condition | undefined;
  const kind = conditionalOperator === 'OR' ? 'or' : 'and';
  for (const [name, condition] of conditions) {
    const leaf = leafCondition(name, condition);
    combined = combined === undefined ? leaf : { kind, left: combined, right: leaf };
  }
  return combined;
}

/** Converts legacy KeyConditions to the key-condition form queries use. */
export function legacyKeyConditions(
  conditions: ReadonlyMap<string, LegacyCondition>,
): Result<KeyConditions> {
  const converted = new Map<string, KeyCondition>();
  for (const [attributeName, condition] of conditions) {
    converted.set(attributeName, {
      attributeName,
      operator: condition.operator as KeyCondition['operator'],
      values: condition.values,
    });
  }
  return checkKeyConditionCount(converted);
}

/** Converts AttributesToGet to projection paths. */
export function attributesToGetPaths(names: Json): DocumentPath[] {
  return Array.isArray(names) ? names.map((name) => [String(name)]) : [];
}

/** Validates AttributeUpdates and converts it to an UpdateExpression AST. */
export function convertAttributeUpdates(updates: Json): Result<UpdateExpression> {
  const actions: UpdateAction[] = [];
  if (updates == null || typeof updates !== 'object') return ok({ actions });
  for (const [name, raw] of Object.entries(updates as Record<string, Record<string, Json>>)) {
    const action = raw['Action'] == null ? 'PUT' : String(raw['Action']);
    let value: AttributeValue | undefined;
    if (raw['Value'] != null) {
      const converted = attributeValueFromWire(raw['Value']);
      if (!converted.ok) return invalid(converted.error.message);
      value = converted.value;
    }
    if (value === undefined && action !== 'DELETE') {
      return invalid(`${prefix}Only DELETE action is allowed when no attribute value is specified`);
    }
    if (value !== undefined && action === 'DELETE' && !['SS', 'NS', 'BS'].includes(value.type)) {
      return invalid(
        `${prefix}DELETE action with value is not supported for the type ${value.type}`,
      );
    }
    if (
      value !== undefined &&
      action === 'ADD' &&
      !['L', 'SS', 'NS', 'BS', 'N'].includes(value.type)
    ) {
      return invalid(`${prefix}ADD action is not supported for the type ${value.type}`);
    }
    actions.push(legacyAction(name, action, value));
  }
  return ok({ actions });
}

function legacyAction(
  name: string,
  action: string,
  value: AttributeValue | undefined,
): UpdateAction {
  const path = [name];
  if (value === undefined) return { kind: 'REMOVE', path };
  if (action === 'PUT') return { kind: 'SET', path, value: { kind: 'value', value } };
  if (action === 'DELETE') return { kind: 'DELETE', path, value };
  if (value.type === 'L') {
    // ADD of a list appends, creating the list when it is missing.
    const empty: AttributeValue = { type: 'L', value: [] };
    return {
      kind: 'SET',
      path,
      value: {
        kind: 'list_append',
        first: { kind: 'if_not_exists', path, fallback: { kind: 'value', value: empty } },
        second: { kind: 'value', value },
      },
    };
  }
  return { kind: 'ADD', path, value };
}
