// An in-memory engine for the simulator and unit tests. The data lives in a persistent
// (immutable, path-copying) treap, so a snapshot is just the root at that moment and costs
// nothing; writes build a new root. Treap priorities come from a hash of the key, not from a
// random source, so the structure (and every test) is deterministic.
import { compareBytes } from './bytes.js';
import { defaultEngineLimits, engineError, engineOk } from './engine.js';
import type {
  Engine,
  EngineLimits,
  EngineResult,
  EngineStats,
  EngineSnapshot,
  KeyValue,
  Mutation,
  ReadView,
  ScanLimits,
  ScanPage,
  ScanRange,
} from './engine.js';
import {
  aboveLower,
  belowUpper,
  normaliseScan,
  validateBatch,
  validateRange,
  validateReadKey,
} from './validate.js';
import type { NormalisedRange } from './validate.js';

interface TreapNode {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly priority: number;
  readonly left: TreapNode | null;
  readonly right: TreapNode | null;
}

/** A 32-bit FNV-1a hash with a final avalanche, used as the treap priority of a key. */
function keyPriority(key: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function withChildren(node: TreapNode, left: TreapNode | null, right: TreapNode | null): TreapNode {
  return { key: node.key, value: node.value, priority: node.priority, left, right };
}

/**
 * Splits a tree into the nodes whose key sorts before `key` (or at it, when `inclusive`) and
 * the rest, copying only the nodes on the search path.
 */
function split(
  node: TreapNode | null,
  key: Uint8Array,
  inclusive: boolean,
): [TreapNode | null, TreapNode | null] {
  if (node === null) return [null, null];
  const order = compareBytes(node.key, key);
  const goesLeft = inclusive ? order <= 0 : order < 0;
  if (goesLeft) {
    const [middle, right] = split(node.right, key, inclusive);
    return [withChildren(node, node.left, middle), right];
  }
  const [left, middle] = split(node.left, key, inclusive);
  return [left, withChildren(node, middle, node.right)];
}

/** Joins two trees where every key of `left` sorts before every key of `right`. */
function merge(left: TreapNode | null, right: TreapNode | null): TreapNode | null {
  if (left === null) return right;
  if (right === null) return left;
  if (left.priority >= right.priority)
    return withChildren(left, left.left, merge(left.right, right));
  return withChildren(right, merge(left, right.left), right.right);
}

function lookup(node: TreapNode | null, key: Uint8Array): Uint8Array | undefined {
  let current = node;
  while (current !== null) {
    const order = compareBytes(key, current.key);
    if (order === 0) return current.value;
    current = order < 0 ? current.left : current.right;
  }
  return undefined;
}

function applyMutation(root: TreapNode | null, mutation: Mutation): TreapNode | null {
  switch (mutation.kind) {
    case 'put': {
      const [before, rest] = split(root, mutation.key, false);
      const [, after] = split(rest, mutation.key, true);
      const key = mutation.key.slice();
      const node: TreapNode = {
        key,
        value: mutation.value.slice(),
        priority: keyPriority(key),
        left: null,
        right: null,
      };
      return merge(merge(before, node), after);
    }
    case 'delete': {
      const [before, rest] = split(root, mutation.key, false);
      const [, after] = split(rest, mutation.key, true);
      return merge(before, after);
    }
    case 'deleteRange': {
      const [before, rest] = split(root, mutation.start, false);
      const [, after] = split(rest, mutation.end, false);
      return merge(before, after);
    }
  }
}

/** Collects a page of `range` from the tree, in order, stopping at the limits. */
function scanTree(root: TreapNode | null, range: NormalisedRange, limits: ScanLimits): ScanPage {
  const entries: KeyValue[] = [];
  let bytes = 0;
  let truncated = false;
  // Returns false once the page is full, which unwinds the walk.
  const visit = (node: TreapNode | null): boolean => {
    if (node === null) return true;
    const inLower = aboveLower(node.key, range.lower);
    const inUpper = belowUpper(node.key, range.upper);
    const first = range.reverse ? node.right : node.left;
    const second = range.reverse ? node.left : node.right;
    // Only descend where the range can still have keys.
    const firstUseful = range.reverse ? inUpper : inLower;
    const secondUseful = range.reverse ? inLower : inUpper;
    if (firstUseful && !visit(first)) return false;
    if (inLower && inUpper) {
      if (entries.length >= limits.itemsMax || bytes >= limits.bytesMax) {
        truncated = true;
        return false;
      }
      entries.push({ key: node.key.slice(), value: node.value.slice() });
      bytes += node.key.length + node.value.length;
    }
    return secondUseful ? visit(second) : true;
  };
  visit(root);
  return { entries, truncated };
}

/** Sums key and value bytes of the entries in `[start, end)`. */
function sizeOfRange(node: TreapNode | null, start: Uint8Array, end: Uint8Array): number {
  if (node === null) return 0;
  const afterStart = compareBytes(node.key, start) >= 0;
  const beforeEnd = compareBytes(node.key, end) < 0;
  let bytes = afterStart && beforeEnd ? node.key.length + node.value.length : 0;
  if (afterStart) bytes += sizeOfRange(node.left, start, end);
  if (beforeEnd) bytes += sizeOfRange(node.right, start, end);
  return bytes;
}

/** Options of the in-memory engine. */
export interface MemoryEngineOptions {
  readonly limits?: EngineLimits;
}

class MemoryReadView implements ReadView {
  constructor(
    protected readonly rootOf: () => TreapNode | null | 'closed',
    protected readonly limits: EngineLimits,
  ) {}

  get(key: Uint8Array): Promise<EngineResult<Uint8Array | undefined>> {
    const root = this.rootOf();
    if (root === 'closed') return Promise.resolve(engineError('closed', 'engine is closed'));
    const checked = validateReadKey(key, this.limits);
    if (!checked.ok) return Promise.resolve(checked);
    return Promise.resolve(engineOk(lookup(root, key)?.slice()));
  }

  getMany(keys: readonly Uint8Array[]): Promise<EngineResult<(Uint8Array | undefined)[]>> {
    const root = this.rootOf();
    if (root === 'closed') return Promise.resolve(engineError('closed', 'engine is closed'));
    if (keys.length > this.limits.getManyKeysMax) {
      return Promise.resolve(
        engineError(
          'limit-exceeded',
          `getMany of ${keys.length} keys, more than ${this.limits.getManyKeysMax}`,
        ),
      );
    }
    for (const key of keys) {
      const checked = validateReadKey(key, this.limits);
      if (!checked.ok) return Promise.resolve(checked);
    }
    return Promise.resolve(engineOk(keys.map((key) => lookup(root, key)?.slice())));
  }

  scan(range: ScanRange, limits: ScanLimits): Promise<EngineResult<ScanPage>> {
    const root = this.rootOf();
    if (root === 'closed') return Promise.resolve(engineError('closed', 'engine is closed'));
    const normalised = normaliseScan(range, limits);
    if (!normalised.ok) return Promise.resolve(normalised);
    return Promise.resolve(engineOk(scanTree(root, normalised.value, limits)));
  }
}

class MemorySnapshot extends MemoryReadView implements EngineSnapshot {
  private released = false;

  constructor(root: TreapNode | null, engineOpen: () => boolean, limits: EngineLimits) {
    super(() => (this.released || !engineOpen() ? 'closed' : root), limits);
  }

  release(): Promise<void> {
    this.released = true;
    return Promise.resolve();
  }
}

class MemoryEngine extends MemoryReadView implements Engine {
  private root: TreapNode | null = null;
  private closed = false;

  constructor(limits: EngineLimits) {
    super(() => (this.closed ? 'closed' : this.root), limits);
  }

  write(mutations: readonly Mutation[]): Promise<EngineResult<void>> {
    if (this.closed) return Promise.resolve(engineError('closed', 'engine is closed'));
    const checked = validateBatch(mutations, this.limits);
    if (!checked.ok) return Promise.resolve(checked);
    // Building the new root aside and swapping it in makes the batch atomic.
    let root = this.root;
    for (const mutation of mutations) root = applyMutation(root, mutation);
    this.root = root;
    return Promise.resolve(engineOk(undefined));
  }

  snapshot(): EngineResult<EngineSnapshot> {
    if (this.closed) return engineError('closed', 'engine is closed');
    return engineOk(new MemorySnapshot(this.root, () => !this.closed, this.limits));
  }

  flush(): Promise<EngineResult<void>> {
    if (this.closed) return Promise.resolve(engineError('closed', 'engine is closed'));
    return Promise.resolve(engineOk(undefined));
  }

  stats(): Promise<EngineResult<EngineStats>> {
    if (this.closed) return Promise.resolve(engineError('closed', 'engine is closed'));
    return Promise.resolve(engineOk({ liveSstBytes: 0, compactions: 0 }));
  }

  approximateSizeBytes(start: Uint8Array, end: Uint8Array): Promise<EngineResult<number>> {
    if (this.closed) return Promise.resolve(engineError('closed', 'engine is closed'));
    const checked = validateRange(start, end, this.limits);
    if (!checked.ok) return Promise.resolve(checked);
    return Promise.resolve(engineOk(sizeOfRange(this.root, start, end)));
  }

  close(): Promise<void> {
    this.closed = true;
    this.root = null;
    return Promise.resolve();
  }
}

/** Creates an empty in-memory engine. */
export function createMemoryEngine(options: MemoryEngineOptions = {}): Engine {
  return new MemoryEngine(options.limits ?? defaultEngineLimits);
}
