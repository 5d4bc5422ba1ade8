// Shapes and checks several operations share: table names, the enums, attribute value maps,
// the rule that legacy and expression parameters cannot be mixed, and the request-level
// expression checks (placeholder syntax, undefined and unused names and values).

import {
  attributeValueFromWire,
  compareScalars,
  type AttributeValue,
  type Item,
} from '../attribute-value.js';
import { invalid, ok, type Result } from '../errors.js';
import type {
  Condition,
  Parsed,
  ProjectionExpression,
  UpdateExpression,
} from '../expressions/ast.js';
import type { KeyConditions } from '../expressions/key-condition.js';
import {
  parseConditionExpression,
  checkKeyConditionTree,
  parseKeyConditionTree,
  parseProjectionExpression,
  parseUpdateExpression,
} from '../expressions/parse.js';
import { c, type Shape, type TopLevelMember } from './engine.js';

type Json = unknown;
/** A request after the shape stage: plain JSON members. */
export type RequestData = Readonly<Record<string, Json>>;

/** `TableName` as most operations declare it. */
export const tableNameMember: TopLevelMember = {
  shape: {
    kind: 'string',
    constraints: [c.notNull, c.regex('[a-zA-Z0-9_.-]+'), c.lengthMin(3), c.lengthMax(255)],
  },
};

/** `IndexName`. */
export const indexNameMember: TopLevelMember = {
  shape: {
    kind: 'string',
    constraints: [c.regex('[a-zA-Z0-9_.-]+'), c.lengthMin(3), c.lengthMax(255)],
  },
};

/** A string member restricted to an enum. */
export function enumMember(values: readonly string[]): TopLevelMember {
  return { shape: { kind: 'string', constraints: [c.oneOf(values)] } };
}

/** `ReturnConsumedCapacity`. */
export const returnConsumedCapacityMember = enumMember(['INDEXES', 'TOTAL', 'NONE']);
/** `ReturnItemCollectionMetrics`. */
export const returnItemCollectionMetricsMember = enumMember(['SIZE', 'NONE']);
/** `ReturnValues` (which values an operation accepts is checked per operation). */
export const returnValuesMember = enumMember([
  'ALL_NEW',
  'UPDATED_OLD',
  'ALL_OLD',
  'NONE',
  'UPDATED_NEW',
]);
/** `ConditionalOperator` of the legacy conditions. */
export const conditionalOperatorMember = enumMember(['OR', 'AND']);
/** `ReturnValuesOnConditionCheckFailure`. */
export const returnValuesOnConditionCheckFailureMember = enumMember(['ALL_OLD', 'NONE']);
/** `Select` of Query and Scan. */
export const selectMember = enumMember([
  'SPECIFIC_ATTRIBUTES',
  'COUNT',
  'ALL_ATTRIBUTES',
  'ALL_PROJECTED_ATTRIBUTES',
]);
/** The legacy ComparisonOperator values, in DynamoDB's enum order. */
export const comparisonOperators = [
  'IN',
  'NULL',
  'BETWEEN',
  'LT',
  'NOT_CONTAINS',
  'EQ',
  'GT',
  'NOT_NULL',
  'NE',
  'LE',
  'BEGINS_WITH',
  'GE',
  'CONTAINS',
];

/** A `Map<AttributeValue>` (an item or a key). */
export function attributeMapShape(notNull: boolean, parameterized = false): Shape {
  return {
    kind: 'map',
    parameterized,
    value: { kind: 'attributeValue' },
    javaValueType: 'com.amazonaws.dynamodb.v20120810.AttributeValue',
    constraints: notNull ? [c.notNull] : [],
  };
}

/** A plain string member (the expressions). */
export const stringMember: TopLevelMember = { shape: { kind: 'string' } };
/** A plain boolean member. */
export const booleanMember: TopLevelMember = { shape: { kind: 'boolean' } };

/** `ExpressionAttributeNames`. */
export const expressionAttributeNamesMember: TopLevelMember = {
  shape: { kind: 'map', value: { kind: 'string' }, javaValueType: 'java.lang.String' },
};
/** `ExpressionAttributeValues`. */
export const expressionAttributeValuesMember: TopLevelMember = { shape: attributeMapShape(false) };

/** `AttributesToGet`: 1 to 255 names. */
export const attributesToGetMember: TopLevelMember = {
  shape: {
    kind: 'list',
    member: { kind: 'string' },
    constraints: [c.lengthMin(1), c.lengthMax(255)],
  },
};

/** `Expected` (legacy conditions of PutItem, UpdateItem, DeleteItem). */
export const expectedMember: TopLevelMember = {
  shape: {
    kind: 'map',
    javaValueType: 'com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue',
    value: {
      kind: 'structure',
      name: 'ExpectedAttributeValue',
      members: {
        AttributeValueList: { kind: 'list', member: { kind: 'attributeValue' } },
        ComparisonOperator: { kind: 'string', constraints: [c.oneOf(comparisonOperators)] },
        Exists: { kind: 'boolean' },
        Value: { kind: 'attributeValue', field: true },
      },
    },
  },
};

/** `QueryFilter`, `ScanFilter` and `KeyConditions` (legacy Condition maps). */
export const conditionMapMember: TopLevelMember = {
  shape: {
    kind: 'map',
    javaValueType: 'com.amazonaws.dynamodb.v20120810.Condition',
    value: {
      kind: 'structure',
      name: 'Condition',
      members: {
        AttributeValueList: { kind: 'list', member: { kind: 'attributeValue' } },
        ComparisonOperator: {
          kind: 'string',
          constraints: [c.notNull, c.oneOf(comparisonOperators)],
        },
      },
    },
  },
};

/** Converts a wire map of attribute values, returning DynamoDB's first message. */
export function convertAttributeMap(wire: Json): Result<Map<string, AttributeValue>> {
  const converted = new Map<string, AttributeValue>();
  if (wire == null || typeof wire !== 'object') return ok(converted);
  for (const [name, value] of Object.entries(wire as Record<string, Json>)) {
    if (value == null) continue;
    const result = attributeValueFromWire(value);
    if (!result.ok) return invalid(result.error.message);
    converted.set(name, result.value);
  }
  return ok(converted);
}

/** The first duplicate in a list of strings, if any. */
export function findDuplicate(values: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
}

/** "Duplicate value in attribute name" for AttributesToGet. */
export function checkAttributesToGet(data: RequestData): Result<null> {
  const names = data['AttributesToGet'];
  if (!Array.isArray(names)) return ok(null);
  const duplicate = findDuplicate(names as string[]);
  if (duplicate === undefined) return ok(null);
  return invalid(
    `One or more parameter values were invalid: Duplicate value in attribute name: ${duplicate}`,
  );
}

/**
 * DynamoDB's rule that one request uses either expressions or the legacy parameters, and that
 * placeholders only come with expressions.
 */
export function checkExpressionMixing(
  data: RequestData,
  expressions: readonly string[],
  legacy: readonly string[],
): Result<null> {
  const usedExpressions = expressions.filter((name) => data[name] != null);
  if (usedExpressions.length > 0) {
    const legacyChecked =
      data['KeyConditions'] != null && data['KeyConditionExpression'] == null
        ? legacy.filter((name) => name !== 'KeyConditions')
        : legacy;
    const usedLegacy = legacyChecked.filter((name) => data[name] != null);
    if (usedLegacy.length > 0) {
      return invalid(
        `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${usedLegacy.join(', ')}} Expression parameters: {${usedExpressions.join(', ')}}`,
      );
    }
  }
  if (data['ExpressionAttributeNames'] != null && usedExpressions.length === 0) {
    return invalid('ExpressionAttributeNames can only be specified when using expressions');
  }
  const valueExpressions = expressions.filter((name) => name !== 'ProjectionExpression');
  if (
    valueExpressions.length > 0 &&
    data['ExpressionAttributeValues'] != null &&
    valueExpressions.every((name) => data[name] == null)
  ) {
    return invalid(
      `ExpressionAttributeValues can only be specified when using expressions: ${valueExpressions.join(' and ')} ${valueExpressions.length > 1 ? 'are' : 'is'} null`,
    );
  }
  return ok(null);
}

/** Every expression of a request, parsed. */
export interface RequestExpressions {
  readonly update?: UpdateExpression;
  readonly condition?: Condition;
  readonly keyConditions?: KeyConditions;
  readonly filter?: Condition;
  readonly projection?: ProjectionExpression;
}

const placeholderNamePattern = /^#[0-9a-zA-Z_]+$/;
const placeholderValuePattern = /^:[0-9a-zA-Z_]+$/;

function checkNames(names: Json): Result<Record<string, string> | undefined> {
  if (names == null) return ok(undefined);
  const record = names as Record<string, string>;
  if (Object.keys(record).length === 0)
    return invalid('ExpressionAttributeNames must not be empty');
  for (const key of Object.keys(record)) {
    if (!placeholderNamePattern.test(key)) {
      return invalid(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${key}"`);
    }
  }
  return ok(record);
}

function checkValues(values: Json): Result<Record<string, AttributeValue> | undefined> {
  if (values == null) return ok(undefined);
  const record = values as Record<string, Json>;
  if (Object.keys(record).length === 0)
    return invalid('ExpressionAttributeValues must not be empty');
  for (const key of Object.keys(record)) {
    if (!placeholderValuePattern.test(key)) {
      return invalid(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${key}"`);
    }
  }
  const converted: Record<string, AttributeValue> = Object.create(null) as Record<
    string,
    AttributeValue
  >;
  for (const key of Object.keys(record)) {
    const value = attributeValueFromWire(record[key]);
    if (!value.ok) {
      return invalid(
        `ExpressionAttributeValues contains invalid value: ${value.error.message} for key ${key}`,
      );
    }
    converted[key] = value.value;
  }
  return ok(converted);
}

function typedString(data: RequestData, name: string): string | undefined {
  const value = data[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Parses every expression of a request in DynamoDB's order (update, condition, key
 * condition, filter, projection), then reports unused names and values.
 */
export function parseRequestExpressions(data: RequestData): Result<RequestExpressions> {
  const names = checkNames(data['ExpressionAttributeNames']);
  if (!names.ok) return names;
  const values = checkValues(data['ExpressionAttributeValues']);
  if (!values.ok) return values;
  const placeholders = { names: names.value, values: values.value };
  const usedNames = new Set<string>();
  const usedValues = new Set<string>();
  const note = <T>(parsed: Parsed<T>): T => {
    parsed.usedNames.forEach((name) => usedNames.add(name));
    parsed.usedValues.forEach((value) => usedValues.add(value));
    return parsed.ast;
  };
  const result: {
    update?: UpdateExpression;
    condition?: Condition;
    keyConditions?: KeyConditions;
    filter?: Condition;
    projection?: ProjectionExpression;
  } = {};
  const updateText = typedString(data, 'UpdateExpression');
  if (updateText !== undefined) {
    const parsed = parseUpdateExpression(updateText, placeholders);
    if (!parsed.ok) return parsed;
    result.update = note(parsed.value);
  }
  const conditionText = typedString(data, 'ConditionExpression');
  if (conditionText !== undefined) {
    const parsed = parseConditionExpression(conditionText, placeholders);
    if (!parsed.ok) return parsed;
    result.condition = note(parsed.value);
  }
  const keyText = typedString(data, 'KeyConditionExpression');
  let keyTree: Condition | undefined;
  if (keyText !== undefined) {
    const parsed = parseKeyConditionTree(keyText, placeholders);
    if (!parsed.ok) return parsed;
    keyTree = note(parsed.value);
  }
  const filterText = typedString(data, 'FilterExpression');
  if (filterText !== undefined) {
    const parsed = parseConditionExpression(filterText, placeholders, 'FilterExpression');
    if (!parsed.ok) return parsed;
    result.filter = note(parsed.value);
  }
  const projectionText = typedString(data, 'ProjectionExpression');
  if (projectionText !== undefined) {
    const parsed = parseProjectionExpression(projectionText, placeholders);
    if (!parsed.ok) return parsed;
    result.projection = note(parsed.value);
  }
  const unusedNames = Object.keys(names.value ?? {}).filter((name) => !usedNames.has(name));
  if (unusedNames.length > 0) {
    return invalid(
      `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
    );
  }
  const unusedValues = Object.keys(values.value ?? {}).filter((value) => !usedValues.has(value));
  if (unusedValues.length > 0) {
    return invalid(
      `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
    );
  }
  if (keyTree !== undefined) {
    const keyConditions = checkKeyConditionTree(keyTree);
    if (!keyConditions.ok) return keyConditions;
    result.keyConditions = keyConditions.value;
  }
  return ok(result);
}

/** Converts an item or key map and returns it, or DynamoDB's first message. */
export function convertItem(data: RequestData, name: string): Result<Item> {
  return convertAttributeMap(data[name]);
}

/** True when `low` > `high` for two scalars of one type (BETWEEN's bound check). */
export function boundsReversed(low: AttributeValue, high: AttributeValue): boolean {
  return (compareScalars(low, high) ?? 0) > 0;
}
