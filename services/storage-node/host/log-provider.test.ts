// Splitting one Ready's persistence into log records of bounded size (the shared log refuses
// records over 16 MiB; BatchWrite entries reach 8 MiB).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry, HardState, Snapshot } from '../../../lib/raft/index.js';
import { splitPersist } from './log-provider.js';

const entry = (index: number, bytes: number): Entry => ({
  index,
  term: 1,
  type: 'normal',
  data: new Uint8Array(bytes),
});
const hardState: HardState = { term: 1, vote: 'n1', commit: 4 };
const snapshot = { metadata: { index: 0 } } as unknown as Snapshot;

test('entries go in order in parts of at most the bound; snapshot first, hard state last', () => {
  const entries = [entry(1, 3), entry(2, 3), entry(3, 9), entry(4, 1)];
  const parts = splitPersist({ snapshot, entries, hardState }, 6);
  assert.deepEqual(
    parts.map((p) => p.entries.map((e) => e.index)),
    [[1, 2], [3], [4]],
    'an entry over the bound goes alone',
  );
  assert.deepEqual(
    parts.map((p) => [p.snapshot !== null, p.hardState !== null]),
    [
      [true, false],
      [false, false],
      [false, true],
    ],
  );
});

test('a Ready within the bound, or without entries, stays one write', () => {
  const small = splitPersist({ snapshot: null, entries: [entry(1, 3)], hardState }, 6);
  assert.equal(small.length, 1);
  assert.deepEqual(splitPersist({ snapshot: null, entries: [], hardState }, 6), [
    { snapshot: null, entries: [], hardState },
  ]);
});
