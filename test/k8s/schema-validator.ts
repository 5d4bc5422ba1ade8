/**
 * Validates a resource against a CRD's structural OpenAPI v3 schema the way the API
 * server would for the features the TesseraCluster CRD uses: defaults, types, required
 * fields, unknown fields (rejected, as kubectl's strict field validation does), enums,
 * patterns, lengths, bounds, set-type lists, and CEL rules (with `oldSelf` on updates).
 */
import { compileCel } from './cel.js';

/** The subset of a JSON schema node the validator understands. */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  default?: unknown;
  format?: string;
  anyOf?: SchemaNode[];
  description?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

/** Fills in schema defaults (in place), as the API server does before validating. */
export function applyDefaults(schema: SchemaNode, value: unknown): unknown {
  if (!isObject(value) || !schema.properties) return value;
  for (const [field, child] of Object.entries(schema.properties)) {
    if (value[field] === undefined && child.default !== undefined)
      value[field] = structuredClone(child.default);
    if (value[field] !== undefined) applyDefaults(child, value[field]);
  }
  return value;
}

/** Returns every violation as `path: message`; empty when valid. */
export function validateAgainstSchema(
  schema: SchemaNode,
  value: unknown,
  oldValue?: unknown,
): string[] {
  const errors: string[] = [];
  visit(schema, value, oldValue, '', errors, oldValue !== undefined);
  return errors;
}

function visit(
  schema: SchemaNode,
  value: unknown,
  oldValue: unknown,
  path: string,
  errors: string[],
  isUpdate: boolean,
): void {
  const at = path || '<root>';
  if (!checkType(schema, value)) {
    errors.push(`${at}: expected ${schema.type ?? 'int-or-string'}, got ${JSON.stringify(value)}`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      errors.push(`${at}: does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength)
      errors.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      errors.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      errors.push(`${at}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      errors.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      errors.push(`${at}: more than ${schema.maxItems} items`);
    if (
      schema['x-kubernetes-list-type'] === 'set' &&
      new Set(value.map((item) => JSON.stringify(item))).size !== value.length
    ) {
      errors.push(`${at}: duplicate entries in a set`);
    }
    if (schema.items)
      value.forEach((item, index) =>
        visit(schema.items as SchemaNode, item, undefined, `${path}[${index}]`, errors, false),
      );
  }
  if (isObject(value)) visitObject(schema, value, oldValue, path, errors, isUpdate);
  for (const validation of schema['x-kubernetes-validations'] ?? []) {
    const transition = validation.rule.includes('oldSelf');
    if (transition && (!isUpdate || oldValue === undefined)) continue;
    let passed: unknown;
    try {
      passed = compileCel(validation.rule)({
        self: value,
        ...(transition ? { oldSelf: oldValue } : {}),
      });
    } catch (error) {
      errors.push(`${at}: rule ${validation.rule} failed to evaluate: ${(error as Error).message}`);
      continue;
    }
    if (passed !== true) errors.push(`${at}: ${validation.message ?? validation.rule}`);
  }
}

function visitObject(
  schema: SchemaNode,
  value: Record<string, unknown>,
  oldValue: unknown,
  path: string,
  errors: string[],
  isUpdate: boolean,
): void {
  for (const field of schema.required ?? []) {
    if (value[field] === undefined) errors.push(`${path}.${field}: Required value`);
  }
  const old = isObject(oldValue) ? oldValue : undefined;
  for (const [field, item] of Object.entries(value)) {
    const child =
      schema.properties?.[field] ??
      (isObject(schema.additionalProperties)
        ? (schema.additionalProperties as SchemaNode)
        : undefined);
    if (!child) {
      // `metadata` is typed `object` with no properties: the API server validates it itself.
      if (schema.properties || schema.additionalProperties === false)
        errors.push(`${path}.${field}: unknown field`);
      continue;
    }
    visit(
      child,
      item,
      old?.[field],
      `${path}.${field}`,
      errors,
      isUpdate && old !== undefined && old[field] !== undefined,
    );
  }
}

function checkType(schema: SchemaNode, value: unknown): boolean {
  if (schema['x-kubernetes-int-or-string'])
    return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
