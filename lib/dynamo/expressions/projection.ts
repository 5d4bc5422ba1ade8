// Applies a projection (ProjectionExpression, AttributesToGet, or the paths an update touched
// for UPDATED_OLD / UPDATED_NEW) to an item. Selected list elements come back as a shorter
// list in index order, as DynamoDB returns them.

import type { AttributeValue, Item } from '../attribute-value.js';
import type { DocumentPath } from './ast.js';
import { resolvePath } from './evaluate.js';

type Node =
  | { kind: 'leaf'; value: AttributeValue }
  | { kind: 'map'; children: Map<string, Node> }
  | { kind: 'list'; children: Map<number, Node> };

function insert(root: Map<string, Node>, path: DocumentPath, value: AttributeValue): void {
  let children: Map<string | number, Node> = root as Map<string | number, Node>;
  for (let index = 0; index < path.length; index++) {
    const element = path[index] as string | number;
    if (index === path.length - 1) {
      children.set(element, { kind: 'leaf', value });
      return;
    }
    const nextIsIndex = typeof path[index + 1] === 'number';
    let node = children.get(element);
    if (node === undefined || node.kind === 'leaf') {
      node = nextIsIndex
        ? { kind: 'list', children: new Map() }
        : { kind: 'map', children: new Map() };
      children.set(element, node);
    }
    children = node.children as Map<string | number, Node>;
  }
}

function build(node: Node): AttributeValue {
  if (node.kind === 'leaf') return node.value;
  if (node.kind === 'map') {
    const map = new Map<string, AttributeValue>();
    for (const [name, child] of node.children) map.set(name, build(child));
    return { type: 'M', value: map };
  }
  const indexes = [...node.children.keys()].sort((a, b) => a - b);
  return { type: 'L', value: indexes.map((index) => build(node.children.get(index) as Node)) };
}

/** The item restricted to the given document paths; paths that do not resolve are skipped. */
export function projectItem(item: Item, paths: readonly DocumentPath[]): Item {
  const root = new Map<string, Node>();
  for (const path of paths) {
    const value = resolvePath(item, path);
    if (value !== undefined) insert(root, path, value);
  }
  const result = new Map<string, AttributeValue>();
  for (const [name, node] of root) result.set(name, build(node));
  return result;
}

/** The item restricted to top-level attribute names (AttributesToGet). */
export function projectAttributes(item: Item, names: readonly string[]): Item {
  const result = new Map<string, AttributeValue>();
  for (const name of names) {
    const value = item.get(name);
    if (value !== undefined) result.set(name, value);
  }
  return result;
}
