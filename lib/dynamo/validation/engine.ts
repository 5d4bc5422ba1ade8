// The engine behind the per-operation validation tables. A request is checked in DynamoDB's
// three stages: (1) shapes — each member's JSON kind, a SerializationException at the first
// mismatch; (2) declared constraints — required members, then up to ten violations aggregated
// into "N validation errors detected: …"; (3) the operation's own checks (custom function).

import {
  aggregatedValidationError,
  fail,
  invalid,
  ok,
  serializationError,
  type ConstraintViolation,
  type Result,
} from '../errors.js';
import { decodeBase64, wrongJsonType } from '../attribute-value.js';

/** One declared constraint, checked in the order listed. */
export type Constraint =
  | { readonly check: 'notNull' }
  | { readonly check: 'min'; readonly limit: number }
  | { readonly check: 'max'; readonly limit: number }
  | { readonly check: 'regex'; readonly pattern: string }
  | { readonly check: 'lengthMin'; readonly limit: number }
  | { readonly check: 'lengthMax'; readonly limit: number }
  | { readonly check: 'enum'; readonly values: readonly string[] }
  | { readonly check: 'keys'; readonly constraints: readonly Constraint[] }
  | { readonly check: 'values'; readonly constraints: readonly Constraint[] };

/** The declared shape of a request member. */
export type Shape =
  | { readonly kind: 'string' | 'boolean' | 'blob'; readonly constraints?: readonly Constraint[] }
  | {
      readonly kind: 'integer' | 'long' | 'double';
      readonly constraints?: readonly Constraint[];
    }
  | {
      readonly kind: 'list';
      readonly member: Shape;
      readonly parameterized?: boolean;
      readonly constraints?: readonly Constraint[];
    }
  | {
      readonly kind: 'map';
      readonly value: Shape;
      /** The Java value type DynamoDB names when the map is a JSON array. */
      readonly javaValueType: string;
      readonly parameterized?: boolean;
      readonly constraints?: readonly Constraint[];
    }
  | {
      readonly kind: 'structure';
      readonly name: string;
      readonly members: Readonly<Record<string, Shape>>;
      /** A field structure (`FieldStruct`) rejects scalars with "Unexpected field type". */
      readonly field?: boolean;
      readonly constraints?: readonly Constraint[];
    }
  | {
      readonly kind: 'attributeValue';
      readonly field?: boolean;
      readonly constraints?: readonly Constraint[];
    };

/** A top-level member: its shape plus whether DynamoDB requires it before anything else. */
export interface TopLevelMember {
  readonly shape: Shape;
  /** "The parameter 'X' is required but was not present in the request". */
  readonly required?: boolean;
  /** DescribeTable-style "TableName must be at least 3 characters long…" check. */
  readonly tableName?: boolean;
}

/** The validation table of one operation. */
export interface OperationTable {
  readonly members: Readonly<Record<string, TopLevelMember>>;
}

/** Builders that keep the tables short and readable. */
export const c = {
  notNull: { check: 'notNull' } as Constraint,
  min: (limit: number): Constraint => ({ check: 'min', limit }),
  max: (limit: number): Constraint => ({ check: 'max', limit }),
  regex: (pattern: string): Constraint => ({ check: 'regex', pattern }),
  lengthMin: (limit: number): Constraint => ({ check: 'lengthMin', limit }),
  lengthMax: (limit: number): Constraint => ({ check: 'lengthMax', limit }),
  oneOf: (values: readonly string[]): Constraint => ({ check: 'enum', values }),
  keys: (constraints: readonly Constraint[]): Constraint => ({ check: 'keys', constraints }),
  values: (constraints: readonly Constraint[]): Constraint => ({ check: 'values', constraints }),
};

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const sunCastMessage =
  "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')";

const attributeValueShape: Shape = {
  kind: 'structure',
  name: 'AttributeValue',
  members: {
    S: { kind: 'string' },
    B: { kind: 'blob' },
    N: { kind: 'string' },
    BOOL: { kind: 'boolean' },
    NULL: { kind: 'boolean' },
    BS: { kind: 'list', member: { kind: 'blob' } },
    NS: { kind: 'list', member: { kind: 'string' } },
    SS: { kind: 'list', member: { kind: 'string' } },
    L: { kind: 'list', member: { kind: 'attributeValue' } },
    M: {
      kind: 'map',
      value: { kind: 'attributeValue' },
      javaValueType: 'com.amazonaws.dynamodb.v20120810.AttributeValue',
    },
  },
};

/** Thrown inside the shape walk; converted to a SerializationException result. */
class ShapeMismatch {
  constructor(readonly message: string) {}
}

function convertScalar(kind: Shape['kind'], value: Json): Json {
  if (kind === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const upper = value.toUpperCase();
      if (['TRUE', '1', 'YES'].includes(upper)) return true;
      if (['FALSE', '0', 'NO'].includes(upper)) return false;
      throw new ShapeMismatch('Unexpected token received from parser');
    }
    throw new ShapeMismatch(wrongJsonType(value, 'Boolean'));
  }
  if (kind === 'integer' || kind === 'long' || kind === 'double') {
    const javaName = kind === 'integer' ? 'Integer' : kind === 'long' ? 'Long' : 'Double';
    if (typeof value === 'number') return kind === 'double' ? value : Math.floor(value);
    throw new ShapeMismatch(wrongJsonType(value, javaName));
  }
  if (kind === 'blob') {
    if (typeof value === 'string') {
      const decoded = decodeBase64(value);
      if (!decoded.ok) throw new ShapeMismatch(decoded.error.message);
      return value;
    }
    if (Array.isArray(value)) {
      throw new ShapeMismatch('Unrecognized collection type class java.nio.ByteBuffer');
    }
    if (isObject(value))
      throw new ShapeMismatch('Start of structure or map found where not expected');
    throw new ShapeMismatch('only base-64-encoded strings are convertible to bytes');
  }
  if (typeof value === 'string') return value;
  throw new ShapeMismatch(wrongJsonType(value, 'String'));
}

function convertShape(shape: Shape, value: Json, depth: number): Json {
  if (depth > 64) throw new ShapeMismatch('Nesting Levels have exceeded supported limits');
  switch (shape.kind) {
    case 'attributeValue':
      return convertStructure(
        { ...(attributeValueShape as Shape & { kind: 'structure' }), field: shape.field ?? false },
        value,
        depth,
      );
    case 'structure':
      return convertStructure(shape, value, depth);
    case 'list':
      if (!Array.isArray(value)) {
        if (isObject(value))
          throw new ShapeMismatch('Start of structure or map found where not expected');
        throw new ShapeMismatch(shape.parameterized ? sunCastMessage : 'Unexpected field type');
      }
      // Null members stay for the constraint stage (they count towards lengths, as in
      // DynamoDB) and are stripped before the operation's own checks.
      return value.map((member) =>
        member == null ? null : convertShape(shape.member, member, depth + 1),
      );
    case 'map': {
      if (!isObject(value)) {
        if (Array.isArray(value)) {
          throw new ShapeMismatch(
            `Unrecognized collection type java.util.Map<java.lang.String, ${shape.javaValueType}>`,
          );
        }
        throw new ShapeMismatch(shape.parameterized ? sunCastMessage : 'Unexpected field type');
      }
      const converted: Record<string, Json> = Object.create(null) as Record<string, Json>;
      for (const key of Object.keys(value)) {
        const member = value[key];
        converted[key] = member == null ? null : convertShape(shape.value, member, depth + 1);
      }
      return converted;
    }
    default:
      return convertScalar(shape.kind, value);
  }
}

function convertStructure(shape: Shape & { kind: 'structure' }, value: Json, depth: number): Json {
  if (!isObject(value)) {
    if (Array.isArray(value)) {
      throw new ShapeMismatch(
        `Unrecognized collection type class com.amazonaws.dynamodb.v20120810.${shape.name}`,
      );
    }
    throw new ShapeMismatch(
      shape.field ? 'Unexpected field type' : 'Unexpected value type in payload',
    );
  }
  const converted: Record<string, Json> = {};
  for (const name of Object.keys(shape.members)) {
    const member = value[name];
    if (member == null || !Object.hasOwn(value, name)) continue;
    converted[name] = convertShape(shape.members[name] as Shape, member, depth + 1);
  }
  return converted;
}

/**
 * Stage 1: checks JSON kinds against the table and returns the request with unknown members
 * dropped, integers floored and boolean strings converted, as DynamoDB's deserializer does.
 */
export function checkShapes(table: OperationTable, request: Json): Result<Record<string, Json>> {
  if (!isObject(request))
    return fail(serializationError('Start of structure or map found where not expected'));
  try {
    const members: Record<string, Shape> = {};
    for (const [name, member] of Object.entries(table.members)) members[name] = member.shape;
    const converted = convertStructure({ kind: 'structure', name: 'Request', members }, request, 0);
    return ok(converted as Record<string, Json>);
  } catch (mismatch) {
    if (mismatch instanceof ShapeMismatch) return fail(serializationError(mismatch.message));
    throw mismatch;
  }
}

function lowerFirst(text: string): string {
  return text.length === 0 ? text : (text[0] as string).toLowerCase() + text.slice(1);
}

/** Renders a value as DynamoDB quotes it in constraint messages. */
export function renderValue(value: Json): string {
  if (value == null) return 'null';
  if (Array.isArray(value)) return `[${value.map(renderValue).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function lengthOf(value: Json): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  return 0;
}

function constraintText(constraint: Constraint): string {
  switch (constraint.check) {
    case 'notNull':
      return 'Member must not be null';
    case 'min':
      return `Member must have value greater than or equal to ${constraint.limit}`;
    case 'max':
      return `Member must have value less than or equal to ${constraint.limit}`;
    case 'regex':
      return `Member must satisfy regular expression pattern: ${constraint.pattern}`;
    case 'lengthMin':
      return `Member must have length greater than or equal to ${constraint.limit}`;
    case 'lengthMax':
      return `Member must have length less than or equal to ${constraint.limit}`;
    case 'enum':
      return `Member must satisfy enum value set: [${constraint.values.join(', ')}]`;
    case 'keys':
    case 'values':
      return '';
  }
}

function satisfies(constraint: Constraint, value: Json): boolean {
  switch (constraint.check) {
    case 'notNull':
      return value != null;
    case 'min':
      return typeof value === 'number' && value >= constraint.limit;
    case 'max':
      return typeof value === 'number' && value <= constraint.limit;
    case 'regex':
      return typeof value === 'string' && new RegExp(`^${constraint.pattern}$`).test(value);
    case 'lengthMin':
      return lengthOf(value) >= constraint.limit;
    case 'lengthMax':
      return lengthOf(value) <= constraint.limit;
    case 'enum':
      return typeof value === 'string' && constraint.values.includes(value);
    case 'keys':
    case 'values':
      return true;
  }
}

class ConstraintWalker {
  readonly violations: ConstraintViolation[] = [];

  private push(value: Json, parent: string, key: string, constraint: string): void {
    const rendered = value == null ? 'null' : `'${renderValue(value)}'`;
    const path = (parent === '' ? '' : `${parent}.`) + lowerFirst(key);
    this.violations.push({ renderedValue: rendered, path, constraint });
  }

  check(key: string, value: Json, shape: Shape, parent: string): void {
    for (const constraint of shape.constraints ?? []) {
      if (this.violations.length >= 10) return;
      if (constraint.check !== 'notNull' && value == null) continue;
      if (constraint.check === 'keys' || constraint.check === 'values') {
        this.checkMapEntries(key, value, constraint, parent);
      } else if (!satisfies(constraint, value)) {
        this.push(value, parent, key, constraintText(constraint));
      }
    }
    if (value == null) return;
    this.checkChildren(key, value, shape, parent);
  }

  private checkChildren(key: string, value: Json, shape: Shape, parent: string): void {
    const prefix = (parent === '' ? '' : `${parent}.`) + lowerFirst(key);
    if (shape.kind === 'list' && Array.isArray(value)) {
      value.forEach((member, index) =>
        this.check('member', member, shape.member, `${prefix}.${index + 1}`),
      );
    } else if (shape.kind === 'map' && isObject(value)) {
      for (const entry of Object.keys(value))
        this.check('member', value[entry], shape.value, `${prefix}.${entry}`);
    } else if (shape.kind === 'structure' && isObject(value)) {
      for (const [name, member] of Object.entries(shape.members))
        this.check(name, value[name], member, prefix);
    }
  }

  private checkMapEntries(
    key: string,
    value: Json,
    constraint: Constraint & { check: 'keys' | 'values' },
    parent: string,
  ): void {
    if (!isObject(value)) return;
    for (const entry of Object.keys(value)) {
      const subject = constraint.check === 'keys' ? entry : value[entry];
      if (constraint.constraints.every((inner) => satisfies(inner, subject))) continue;
      const texts = constraint.constraints.map(constraintText).join(', ');
      const label =
        constraint.check === 'keys'
          ? 'Map keys must satisfy constraint'
          : 'Map value must satisfy constraint';
      this.push(value, parent, key, `${label}: [${texts}]`);
    }
  }
}

/**
 * Stage 2: required members and table-name length first (each its own error), then every
 * declared constraint, aggregated as DynamoDB does.
 */
export function checkConstraints(
  table: OperationTable,
  request: Record<string, Json>,
): Result<null> {
  for (const [name, member] of Object.entries(table.members)) {
    const value = request[name];
    if (member.required === true && value == null) {
      return invalid(`The parameter '${name}' is required but was not present in the request`);
    }
    if (
      member.tableName === true &&
      typeof value === 'string' &&
      (value.length < 3 || value.length > 255)
    ) {
      return invalid(`${name} must be at least 3 characters long and at most 255 characters long`);
    }
  }
  const walker = new ConstraintWalker();
  for (const [name, member] of Object.entries(table.members)) {
    walker.check(name, request[name], member.shape, '');
  }
  if (walker.violations.length > 0) return fail(aggregatedValidationError(walker.violations));
  return ok(null);
}

/** Runs stages 1 and 2 and returns the normalized request for the operation's own checks. */
export function validateAgainstTable(
  table: OperationTable,
  request: Json,
): Result<Record<string, Json>> {
  const shaped = checkShapes(table, request);
  if (!shaped.ok) return shaped;
  const constrained = checkConstraints(table, shaped.value);
  if (!constrained.ok) return constrained;
  return ok(stripNulls(shaped.value) as Record<string, Json>);
}

/** Removes null list members and null map values, so later checks never meet them. */
function stripNulls(value: Json): Json {
  if (Array.isArray(value)) return value.filter((member) => member != null).map(stripNulls);
  if (!isObject(value)) return value;
  const stripped: Record<string, Json> = Object.create(null) as Record<string, Json>;
  for (const key of Object.keys(value)) {
    if (value[key] != null) stripped[key] = stripNulls(value[key]);
  }
  return stripped;
}
