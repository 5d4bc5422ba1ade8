// Evaluates parsed conditions against an item. Pure and total: a missing attribute or a type
// mismatch makes a comparison false (as in DynamoDB), never an exception, so the storage node
// can evaluate conditions deterministically when it applies a command.

import {
  attributeValuesEqual,
  compareBytes,
  compareScalars,
  utf8Length,
  type AttributeValue,
  type Item,
} from '../attribute-value.js';
import { numbersEqual, type DynamoNumber } from '../number.js';
import type { Condition, DocumentPath, Operand } from './ast.js';

/** Looks up a document path in an item; undefined when any step is missing. */
export function resolvePath(item: Item, path: DocumentPath): AttributeValue | undefined {
  const first = path[0];
  if (typeof first !== 'string') return undefined;
  let current = item.get(first);
  for (let index = 1; index < path.length && current !== undefined; index++) {
    const element = path[index] as string | number;
    if (typeof element === 'number') {
      current = current.type === 'L' ? current.value[element] : undefined;
    } else {
      current = current.type === 'M' ? current.value.get(element) : undefined;
    }
  }
  return current;
}

function numberValue(count: number): AttributeValue {
  const digits = String(count).replace(/0+$/, '');
  const value: DynamoNumber =
    count === 0
      ? { negative: false, digits: '', exponent: 0 }
      : { negative: false, digits, exponent: String(count).length - 1 };
  return { type: 'N', value };
}

/** DynamoDB's size(): string bytes, binary bytes, set, list and map element counts. */
export function sizeOf(value: AttributeValue | undefined): AttributeValue | undefined {
  if (value === undefined) return undefined;
  switch (value.type) {
    case 'S':
      return numberValue(utf8Length(value.value));
    case 'B':
      return numberValue(value.value.length);
    case 'SS':
    case 'NS':
    case 'BS':
    case 'L':
      return numberValue(value.value.length);
    case 'M':
      return numberValue(value.value.size);
    case 'N':
    case 'BOOL':
    case 'NULL':
      return undefined;
  }
}

/** The value of an operand for an item. */
export function operandValue(operand: Operand, item: Item): AttributeValue | undefined {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path':
      return resolvePath(item, operand.path);
    case 'size':
      return sizeOf(operandValue(operand.operand, item));
  }
}

function compareOrdered(
  left: AttributeValue | undefined,
  right: AttributeValue | undefined,
): number | undefined {
  if (left === undefined || right === undefined) return undefined;
  return compareScalars(left, right);
}

function startsWith(value: AttributeValue, prefix: AttributeValue): boolean {
  if (value.type === 'S' && prefix.type === 'S') return value.value.startsWith(prefix.value);
  if (value.type === 'B' && prefix.type === 'B') {
    return (
      prefix.value.length <= value.value.length &&
      compareBytes(value.value.subarray(0, prefix.value.length), prefix.value) === 0
    );
  }
  return false;
}

function bytesContain(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let offset = 0; offset < needle.length; offset++) {
      if (haystack[start + offset] !== needle[offset]) continue outer;
    }
    return true;
  }
  return false;
}

/** DynamoDB's contains(): substring of S or B, member of a set, element of a list. */
export function containsValue(container: AttributeValue, operand: AttributeValue): boolean {
  switch (container.type) {
    case 'S':
      return operand.type === 'S' && container.value.includes(operand.value);
    case 'B':
      return operand.type === 'B' && bytesContain(container.value, operand.value);
    case 'SS':
      return operand.type === 'S' && container.value.includes(operand.value);
    case 'NS': {
      if (operand.type !== 'N') return false;
      const wanted = operand.value;
      return container.value.some((member) => numbersEqual(member, wanted));
    }
    case 'BS': {
      if (operand.type !== 'B') return false;
      const wanted = operand.value;
      return container.value.some((member) => compareBytes(member, wanted) === 0);
    }
    case 'L':
      return container.value.some((member) => attributeValuesEqual(member, operand));
    default:
      return false;
  }
}

function evaluateComparison(condition: Condition & { kind: 'comparison' }, item: Item): boolean {
  const left = operandValue(condition.left, item);
  const right = operandValue(condition.right, item);
  switch (condition.comparator) {
    case '=':
      return left !== undefined && right !== undefined && attributeValuesEqual(left, right);
    case '<>':
      return !(left !== undefined && right !== undefined && attributeValuesEqual(left, right));
    case '<': {
      const order = compareOrdered(left, right);
      return order !== undefined && order < 0;
    }
    case '<=': {
      const order = compareOrdered(left, right);
      return order !== undefined && order <= 0;
    }
    case '>': {
      const order = compareOrdered(left, right);
      return order !== undefined && order > 0;
    }
    case '>=': {
      const order = compareOrdered(left, right);
      return order !== undefined && order >= 0;
    }
  }
}

/** Evaluates a condition against an item (an absent item is an empty Map). */
export function evaluateCondition(condition: Condition, item: Item): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'or':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'not':
      return !evaluateCondition(condition.condition, item);
    case 'comparison':
      return evaluateComparison(condition, item);
    case 'between': {
      const subject = operandValue(condition.subject, item);
      const low = compareOrdered(subject, operandValue(condition.low, item));
      const high = compareOrdered(subject, operandValue(condition.high, item));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'in': {
      const subject = operandValue(condition.subject, item);
      if (subject === undefined) return false;
      return condition.candidates.some((candidate) => {
        const value = operandValue(candidate, item);
        return value !== undefined && attributeValuesEqual(subject, value);
      });
    }
    case 'attribute_exists':
      return resolvePath(item, condition.path) !== undefined;
    case 'attribute_not_exists':
      return resolvePath(item, condition.path) === undefined;
    case 'attribute_type': {
      const subject = operandValue(condition.subject, item);
      const typeName = operandValue(condition.typeName, item);
      return subject !== undefined && typeName?.type === 'S' && subject.type === typeName.value;
    }
    case 'begins_with': {
      const subject = operandValue(condition.subject, item);
      const prefix = operandValue(condition.operand, item);
      return subject !== undefined && prefix !== undefined && startsWith(subject, prefix);
    }
    case 'contains': {
      const subject = operandValue(condition.subject, item);
      const operand = operandValue(condition.operand, item);
      return subject !== undefined && operand !== undefined && containsValue(subject, operand);
    }
  }
}
