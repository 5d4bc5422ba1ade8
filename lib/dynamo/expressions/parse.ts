// The public parse functions, one per expression kind. Each checks DynamoDB's limits, parses
// once into an AST that can be cached and evaluated many times, and prefixes messages the way
// DynamoDB does ("Invalid ConditionExpression: …").

import { fail, invalid, validationError, type Result } from '../errors.js';
import type {
  Condition,
  Parsed,
  Placeholders,
  ProjectionExpression,
  UpdateExpression,
} from './ast.js';
import { parseConditionBody } from './condition-parser.js';
import { checkConditionValues } from '../legacy.js';
import {
  checkKeyConditionCount,
  keyConditionsFromExpression,
  type KeyConditions,
} from './key-condition.js';
import { parseProjectionBody } from './projection-parser.js';
import { parseUpdateBody } from './update-parser.js';

/** DynamoDB limits every expression string to 4 KB. */
export const expressionBytesMax = 4096;

/** The request parameter an expression came from; it prefixes the message. */
export type ExpressionLabel =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

function prefixed<T>(label: ExpressionLabel, result: Result<T>): Result<T> {
  if (result.ok) return result;
  return fail(validationError(`Invalid ${label}: ${result.error.message}`));
}

function precheck(label: ExpressionLabel, text: string): Result<null> | undefined {
  if (text.length === 0) return invalid(`Invalid ${label}: The expression can not be empty;`);
  const size = Buffer.byteLength(text, 'utf8');
  if (size > expressionBytesMax) {
    return invalid(
      `Invalid ${label}: Expression size has exceeded the maximum allowed size; expression size: ${size}`,
    );
  }
  return undefined;
}

/** Parses a ConditionExpression (or FilterExpression with `label`). */
export function parseConditionExpression(
  text: string,
  placeholders: Placeholders = {},
  label: 'ConditionExpression' | 'FilterExpression' = 'ConditionExpression',
): Result<Parsed<Condition>> {
  const problem = precheck(label, text);
  if (problem !== undefined && !problem.ok) return problem;
  return prefixed(label, parseConditionBody(text, placeholders));
}

/** Parses a FilterExpression. */
export function parseFilterExpression(
  text: string,
  placeholders: Placeholders = {},
): Result<Parsed<Condition>> {
  return parseConditionExpression(text, placeholders, 'FilterExpression');
}

/**
 * Parses a KeyConditionExpression into a condition tree only. DynamoDB reports unused
 * placeholders before the key-condition rules, so request validation converts later with
 * {@link keyConditionsFromExpression}.
 */
export function parseKeyConditionTree(
  text: string,
  placeholders: Placeholders = {},
): Result<Parsed<Condition>> {
  const label = 'KeyConditionExpression';
  const problem = precheck(label, text);
  if (problem !== undefined && !problem.ok) return problem;
  return prefixed(label, parseConditionBody(text, placeholders));
}

/** Parses a KeyConditionExpression into per-key conditions (schema checks come later). */
export function parseKeyConditionExpression(
  text: string,
  placeholders: Placeholders = {},
): Result<Parsed<KeyConditions>> {
  const label = 'KeyConditionExpression';
  const problem = precheck(label, text);
  if (problem !== undefined && !problem.ok) return problem;
  const parsed = prefixed(label, parseConditionBody(text, placeholders));
  if (!parsed.ok) return parsed;
  const conditions = checkKeyConditionTree(parsed.value.ast);
  if (!conditions.ok) return conditions;
  return { ok: true, value: { ...parsed.value, ast: conditions.value } };
}

/**
 * Converts a key condition tree and applies the value and count checks DynamoDB applies to
 * key conditions, in its order.
 */
export function checkKeyConditionTree(tree: Condition): Result<KeyConditions> {
  const conditions = keyConditionsFromExpression(tree);
  if (!conditions.ok) return conditions;
  for (const condition of conditions.value.values()) {
    const checked = checkConditionValues(condition.operator, condition.values);
    if (!checked.ok) return checked;
  }
  return checkKeyConditionCount(conditions.value);
}

/** Parses an UpdateExpression. */
export function parseUpdateExpression(
  text: string,
  placeholders: Placeholders = {},
): Result<Parsed<UpdateExpression>> {
  const label = 'UpdateExpression';
  const problem = precheck(label, text);
  if (problem !== undefined && !problem.ok) return problem;
  return prefixed(label, parseUpdateBody(text, placeholders));
}

/** Parses a ProjectionExpression. */
export function parseProjectionExpression(
  text: string,
  placeholders: Placeholders = {},
): Result<Parsed<ProjectionExpression>> {
  const label = 'ProjectionExpression';
  const problem = precheck(label, text);
  if (problem !== undefined && !problem.ok) return problem;
  return prefixed(label, parseProjectionBody(text, placeholders));
}
