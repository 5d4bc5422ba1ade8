// Applies a parsed UpdateExpression to an item, as the storage node does when it applies a
// command. SET values are computed from the item as it was before the update; actions then run
// in the order written; list elements removed by REMOVE are dropped at the end so that every
// index refers to the original list. Errors carry DynamoDB's exact messages.

import {
  nestingDepth,
  nestingDepthMax,
  nestingMessage,
  type AttributeValue,
  type Item,
} from '../attribute-value.js';
import { compareBytes } from '../attribute-value.js';
import { invalid, ok, type Result } from '../errors.js';
import { itemSize, itemSizeBytesMax, sizeMessages } from '../item-size.js';
import { addNumbers, numbersEqual, subtractNumbers } from '../number.js';
import type { DocumentPath, SetValue, UpdateAction, UpdateExpression } from './ast.js';
import { resolvePath } from './evaluate.js';

/** DynamoDB's messages for updates that cannot be applied to the stored item. */
export const updateMessages = {
  missingAttribute:
    'The provided expression refers to an attribute that does not exist in the item',
  wrongType: 'An operand in the update expression has an incorrect data type',
  invalidPath: 'The document path provided in the update expression is invalid for update',
} as const;

type MutableValue =
  | AttributeValue
  | { type: 'M'; value: Map<string, MutableValue> }
  | { type: 'L'; value: (MutableValue | undefined)[] };

/** Copies the containers of a value so the update can change them in place. */
function cloneContainers(value: AttributeValue): MutableValue {
  if (value.type === 'M') {
    const map = new Map<string, MutableValue>();
    for (const [name, member] of value.value) map.set(name, cloneContainers(member));
    return { type: 'M', value: map };
  }
  if (value.type === 'L') return { type: 'L', value: value.value.map(cloneContainers) };
  return value;
}

/** Computes a SET value against the original item. */
export function computeSetValue(value: SetValue, item: Item): Result<AttributeValue> {
  switch (value.kind) {
    case 'value':
      return ok(value.value);
    case 'path': {
      const found = resolvePath(item, value.path);
      return found === undefined ? invalid(updateMessages.missingAttribute) : ok(found);
    }
    case 'if_not_exists': {
      const found = resolvePath(item, value.path);
      return found === undefined ? computeSetValue(value.fallback, item) : ok(found);
    }
    case '+':
    case '-': {
      const left = computeSetValue(value.left, item);
      if (!left.ok) return left;
      if (left.value.type !== 'N') return invalid(updateMessages.wrongType);
      const right = computeSetValue(value.right, item);
      if (!right.ok) return right;
      if (right.value.type !== 'N') return invalid(updateMessages.wrongType);
      const result =
        value.kind === '+'
          ? addNumbers(left.value.value, right.value.value)
          : subtractNumbers(left.value.value, right.value.value);
      return result.ok ? ok({ type: 'N', value: result.value }) : result;
    }
    case 'list_append': {
      const first = computeSetValue(value.first, item);
      if (!first.ok) return first;
      if (first.value.type !== 'L') return invalid(updateMessages.wrongType);
      const second = computeSetValue(value.second, item);
      if (!second.ok) return second;
      if (second.value.type !== 'L') return invalid(updateMessages.wrongType);
      return ok({ type: 'L', value: [...first.value.value, ...second.value.value] });
    }
  }
}

interface Location {
  readonly container: MutableValue & { type: 'M' | 'L' };
  readonly key: string | number;
}

/** Finds the container that holds the last element of `path`. */
function locate(root: MutableValue & { type: 'M' }, path: DocumentPath): Location | undefined {
  let container: MutableValue = root;
  for (let index = 0; index < path.length - 1; index++) {
    const element = path[index] as string | number;
    let next: MutableValue | undefined;
    if (typeof element === 'number')
      next = container.type === 'L' ? container.value[element] : undefined;
    else
      next =
        container.type === 'M'
          ? (container.value as Map<string, MutableValue>).get(element)
          : undefined;
    if (next === undefined) return undefined;
    container = next;
  }
  const key = path[path.length - 1] as string | number;
  if (typeof key === 'number' ? container.type !== 'L' : container.type !== 'M') return undefined;
  return { container: container as Location['container'], key };
}

function getAt(location: Location): MutableValue | undefined {
  const { container, key } = location;
  if (container.type === 'M')
    return (container.value as Map<string, MutableValue>).get(key as string);
  return (container.value as (MutableValue | undefined)[])[key as number];
}

function setAt(location: Location, value: MutableValue): void {
  const { container, key } = location;
  if (container.type === 'M') {
    (container.value as Map<string, MutableValue>).set(key as string, value);
    return;
  }
  const list = container.value as (MutableValue | undefined)[];
  // Setting an index past the end appends, as DynamoDB does.
  if ((key as number) < list.length) list[key as number] = value;
  else list.push(value);
}

function removeAt(location: Location, pendingLists: Set<(MutableValue | undefined)[]>): void {
  const { container, key } = location;
  if (container.type === 'M') {
    (container.value as Map<string, MutableValue>).delete(key as string);
    return;
  }
  const list = container.value as (MutableValue | undefined)[];
  if ((key as number) < list.length) {
    list[key as number] = undefined;
    pendingLists.add(list);
  }
}

function addValue(
  existing: MutableValue | undefined,
  value: AttributeValue,
): Result<AttributeValue> {
  // ADD to a missing attribute stores the operand (for numbers, 0 + operand).
  if (existing === undefined) return ok(value);
  if (existing.type !== value.type) return invalid(updateMessages.wrongType);
  switch (value.type) {
    case 'N': {
      const sum = addNumbers((existing as { value: typeof value.value }).value, value.value);
      return sum.ok ? ok({ type: 'N', value: sum.value }) : sum;
    }
    case 'SS': {
      const members = (existing as { value: readonly string[] }).value;
      return ok({
        type: 'SS',
        value: [...members, ...value.value.filter((member) => !members.includes(member))],
      });
    }
    case 'NS': {
      const members = (existing as { value: typeof value.value }).value;
      const added = value.value.filter(
        (member) => !members.some((other) => numbersEqual(other, member)),
      );
      return ok({ type: 'NS', value: [...members, ...added] });
    }
    case 'BS': {
      const members = (existing as { value: typeof value.value }).value;
      const added = value.value.filter(
        (member) => !members.some((other) => compareBytes(other, member) === 0),
      );
      return ok({ type: 'BS', value: [...members, ...added] });
    }
    default:
      return invalid(updateMessages.wrongType);
  }
}

function deleteValue(
  existing: MutableValue,
  value: AttributeValue,
): Result<AttributeValue | undefined> {
  if (existing.type !== value.type) return invalid(updateMessages.wrongType);
  let remaining: AttributeValue;
  if (value.type === 'SS') {
    remaining = {
      type: 'SS',
      value: (existing as { value: readonly string[] }).value.filter(
        (member) => !value.value.includes(member),
      ),
    };
  } else if (value.type === 'NS') {
    const members = (existing as { value: typeof value.value }).value;
    remaining = {
      type: 'NS',
      value: members.filter((member) => !value.value.some((other) => numbersEqual(other, member))),
    };
  } else if (value.type === 'BS') {
    const members = (existing as { value: typeof value.value }).value;
    remaining = {
      type: 'BS',
      value: members.filter(
        (member) => !value.value.some((other) => compareBytes(other, member) === 0),
      ),
    };
  } else {
    return invalid(updateMessages.wrongType);
  }
  return ok(remaining.value.length === 0 ? undefined : remaining);
}

function applyAction(
  action: UpdateAction,
  setValue: AttributeValue | undefined,
  root: MutableValue & { type: 'M' },
  pendingLists: Set<(MutableValue | undefined)[]>,
): Result<null> {
  const location = locate(root, action.path);
  if (location === undefined) return invalid(updateMessages.invalidPath);
  switch (action.kind) {
    case 'SET':
      setAt(location, cloneContainers(setValue as AttributeValue));
      return ok(null);
    case 'REMOVE':
      removeAt(location, pendingLists);
      return ok(null);
    case 'ADD': {
      const added = addValue(getAt(location), action.value);
      if (!added.ok) return added;
      setAt(location, added.value);
      return ok(null);
    }
    case 'DELETE': {
      const existing = getAt(location);
      if (existing === undefined) return ok(null);
      const remaining = deleteValue(existing, action.value);
      if (!remaining.ok) return remaining;
      if (remaining.value === undefined) removeAt(location, pendingLists);
      else setAt(location, remaining.value);
      return ok(null);
    }
  }
}

function freeze(value: MutableValue): AttributeValue {
  if (value.type === 'L') {
    const members = (value.value as readonly (MutableValue | undefined)[]).filter(
      (member): member is MutableValue => member !== undefined,
    );
    return { type: 'L', value: members.map(freeze) };
  }
  if (value.type === 'M') {
    const map = new Map<string, AttributeValue>();
    for (const [name, member] of value.value as ReadonlyMap<string, MutableValue>)
      map.set(name, freeze(member));
    return { type: 'M', value: map };
  }
  return value;
}

/**
 * Applies an update to an item (an empty Map when the item does not exist yet) and returns the
 * new item, or DynamoDB's error when the update cannot be applied.
 */
export function applyUpdate(update: UpdateExpression, item: Item): Result<Item> {
  const setValues: (AttributeValue | undefined)[] = [];
  for (const action of update.actions) {
    if (action.kind !== 'SET') {
      setValues.push(undefined);
      continue;
    }
    const computed = computeSetValue(action.value, item);
    if (!computed.ok) return computed;
    setValues.push(computed.value);
  }
  const root = cloneContainers({ type: 'M', value: item }) as MutableValue & { type: 'M' };
  const pendingLists = new Set<(MutableValue | undefined)[]>();
  for (const [index, action] of update.actions.entries()) {
    const applied = applyAction(action, setValues[index], root, pendingLists);
    if (!applied.ok) return applied;
  }
  const result = (freeze(root) as { value: Item }).value;
  for (const value of result.values()) {
    if (nestingDepth(value) > nestingDepthMax + 1) return invalid(nestingMessage);
  }
  if (itemSize(result) > itemSizeBytesMax) return invalid(sizeMessages.itemAfterUpdate);
  return ok(result);
}

/**
 * DynamoDB refuses updates of key attributes: "Cannot update attribute X. This attribute is
 * part of the key". Also refuses nested paths into key attributes.
 */
export function checkUpdateKeys(
  update: UpdateExpression,
  keyNames: readonly string[],
): Result<null> {
  for (const keyName of keyNames) {
    if (update.actions.some((action) => action.path[0] === keyName && action.path.length === 1)) {
      return invalid(
        `One or more parameter values were invalid: Cannot update attribute ${keyName}. This attribute is part of the key`,
      );
    }
  }
  for (const keyName of keyNames) {
    if (update.actions.some((action) => action.path[0] === keyName)) {
      return invalid(
        `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${keyName}`,
      );
    }
  }
  return ok(null);
}
