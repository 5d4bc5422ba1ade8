// Splitting one Ready's persistence into log records of bounded size (the shared log refuses
// records over 16 MiB; BatchWrite entries reach 8 MiB).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Entry, HardState, Snapshot } from '../../../lib/raft/index.js';
import { openSharedLog } from '../../../lib/wal/open-shared-log.js';
import { DurableRaftStorage } from '../../../lib/wal/raft-storage.js';
import { sharedLogProvider, splitPersist } from './log-provider.js';

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

test('a Ready of three 7 MiB entries is written to the real shared log and read back', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'tessera-log-provider-'));
  try {
    const opened = await openSharedLog({ directory });
    assert.ok(opened.ok);
    const log = opened.value.log;
    const big = [entry(1, 7 << 20), entry(2, 7 << 20), entry(3, 7 << 20)];
    // As one record the Ready is over the log's 16 MiB bound: that is what the split avoids.
    const whole = DurableRaftStorage.open(log, 2);
    assert.ok(whole.ok);
    const refused = await whole.value.persistReady({ snapshot: null, entries: big, hardState });
    assert.ok(!refused.ok && /exceeds/.test(refused.error.message), 'refused for its size');
    const group = sharedLogProvider(log).open(1);
    assert.ok(group.ok);
    const hard: HardState = { term: 1, vote: 'n1', commit: 3 };
    assert.deepEqual(await group.value.persist({ snapshot: null, entries: big, hardState: hard }), {
      ok: true,
      value: undefined,
    });
    await log.close();
    const reopened = await openSharedLog({ directory });
    assert.ok(reopened.ok);
    const storage = DurableRaftStorage.open(reopened.value.log, 1);
    assert.ok(storage.ok);
    assert.equal(storage.value.lastIndex(), 3);
    const read = storage.value.entries(1, 4, Number.MAX_SAFE_INTEGER);
    assert.ok(Array.isArray(read));
    assert.deepEqual(
      read.map((e) => e.data.length),
      [7 << 20, 7 << 20, 7 << 20],
    );
    await reopened.value.log.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
