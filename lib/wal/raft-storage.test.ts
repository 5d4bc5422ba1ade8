// The durable Raft storage answers exactly like lib/raft's MemoryStorage, survives a restart,
// and drives a real RawNode.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { MemoryStorage, RawNode, Xoshiro128, bootstrapSnapshot } from '../raft/index.js';
import type { ConfState, Entry, LogStorage, WritableLogStorage } from '../raft/index.js';
import { frameHeaderBytes } from './codec.js';
import { DurableRaftStorage } from './raft-storage.js';
import { listSegments } from './segment-files.js';
import type { SharedLog } from './shared-log.js';
import { openLog, recordsOnDisk, unwrap, withDirectory } from './test-support.js';

const members: ConfState = {
  voters: ['n1', 'n2', 'n3'],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};

function raftEntries(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    index: from + i,
    term,
    type: i % 3 === 2 ? 'confChange' : 'normal',
    data: new Uint8Array([from + i, term]),
  }));
}

/** Everything a reader can observe, for comparing two storages. */
function observe(storage: LogStorage): unknown {
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  const terms = [];
  for (let index = first - 2; index <= last + 1; index++) terms.push(storage.term(index));
  return {
    initial: storage.initialState(),
    first,
    last,
    terms,
    all: storage.entries(first, last + 1, 1 << 20),
    budgeted: storage.entries(first, last + 1, 3),
    beforeFirst: storage.entries(first - 1, last + 1, 1 << 20),
    snapshot: storage.snapshot(),
  };
}

async function durable(log: SharedLog, group: number): Promise<DurableRaftStorage> {
  const storage = unwrap(DurableRaftStorage.open(log, group));
  unwrap(await storage.sync());
  return storage;
}

test('durable storage answers like MemoryStorage through appends, overwrites, snapshots and compaction', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    const memory = MemoryStorage.bootstrap(members);
    const disk = unwrap(DurableRaftStorage.bootstrap(log, 5, bootstrapSnapshot(members)));
    unwrap(await disk.sync());
    const steps: ((storage: WritableLogStorage) => void)[] = [
      (s) => s.append(raftEntries(2, 8, 2)),
      (s) => s.setHardState({ term: 2, vote: 'n2', commit: 5 }),
      (s) => s.append(raftEntries(6, 9, 3)),
      (s) => s.createSnapshot(6, members, new Uint8Array([42])),
      (s) => s.compact(6),
      (s) => s.append(raftEntries(10, 12, 3)),
      (s) =>
        s.applySnapshot({
          metadata: { index: 20, term: 4, confState: members },
          data: new Uint8Array([7]),
        }),
      (s) => s.append(raftEntries(21, 23, 4)),
      (s) => s.setHardState({ term: 4, vote: 'n1', commit: 22 }),
    ];
    for (const [i, step] of steps.entries()) {
      // The host reports its engine flushed before compacting; MemoryStorage needs no report.
      unwrap(disk.reportFlushed(100));
      step(memory);
      step(disk);
      unwrap(await disk.sync());
      assert.deepEqual(observe(disk), observe(memory), `after step ${i}`);
    }
    await log.close();
    const { log: reopened } = await openLog(directory);
    assert.deepEqual(observe(await durable(reopened, 5)), observe(memory), 'after reopening');
    await reopened.close();
  }));

test('errors met by queued writes come back from sync', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    const storage = unwrap(DurableRaftStorage.bootstrap(log, 1, bootstrapSnapshot(members)));
    storage.append(raftEntries(5, 6, 1));
    const result = await storage.sync();
    assert.equal(result.ok ? 'ok' : result.error.code, 'invalid-argument');
    unwrap(await storage.sync());
    assert.equal(storage.lastIndex(), 1);
    await log.close();
  }));

/** Runs Ready rounds until there is nothing left, persisting through the durable storage. */
async function drain(node: RawNode, storage: DurableRaftStorage, applied: Entry[]): Promise<void> {
  for (let round = 0; round < 100 && node.hasReady(); round++) {
    const ready = node.ready();
    unwrap(await storage.persistReady(ready));
    applied.push(...ready.committedEntries.filter((entry) => entry.data.length > 0));
    node.advance();
  }
}

test('a single-member RawNode commits through the durable log and restarts from it', () =>
  withDirectory(async (directory) => {
    const solo: ConfState = { ...members, voters: ['n1'] };
    const { log } = await openLog(directory);
    const storage = unwrap(DurableRaftStorage.bootstrap(log, 9, bootstrapSnapshot(solo)));
    unwrap(await storage.sync());
    const config = { id: 'n1', random: new Xoshiro128(7), electionTicks: 10, heartbeatTicks: 1 };
    const node = unwrap(wrap(RawNode.create({ ...config, storage })));
    node.campaign();
    const applied: Entry[] = [];
    await drain(node, storage, applied);
    for (const text of ['a', 'b', 'c']) unwrap(wrap(node.propose(new TextEncoder().encode(text))));
    await drain(node, storage, applied);
    assert.deepEqual(
      applied.map((entry) => new TextDecoder().decode(entry.data)),
      ['a', 'b', 'c'],
    );
    const lastIndex = storage.lastIndex();
    await log.close();

    const { log: reopened } = await openLog(directory);
    const restored = await durable(reopened, 9);
    assert.equal(restored.lastIndex(), lastIndex);
    assert.equal(restored.initialState().hardState.commit, lastIndex);
    const restarted = unwrap(
      wrap(RawNode.create({ ...config, storage: restored, applied: lastIndex })),
    );
    assert.equal(restarted.status().commit, lastIndex);
    await reopened.close();
  }));

/** Adapts lib/raft's Result to the log's result shape for `unwrap`. */
function wrap<T, E>(result: { ok: true; value: T } | { ok: false; error: E }) {
  return result.ok
    ? { ok: true as const, value: result.value }
    : {
        ok: false as const,
        error: { code: 'invalid-argument' as const, message: JSON.stringify(result.error) },
      };
}

test('a corrupted record stops one replica with a clear message; the other groups on the node keep committing', () =>
  withDirectory(async (directory) => {
    const solo: ConfState = { ...members, voters: ['n1'] };
    const config = { id: 'n1', random: new Xoshiro128(3), electionTicks: 10, heartbeatTicks: 1 };
    const { log } = await openLog(directory);
    for (const group of [1, 2, 3]) {
      const storage = unwrap(DurableRaftStorage.bootstrap(log, group, bootstrapSnapshot(solo)));
      const node = unwrap(wrap(RawNode.create({ ...config, storage })));
      node.campaign();
      const applied: Entry[] = [];
      await drain(node, storage, applied);
      unwrap(wrap(node.propose(new TextEncoder().encode(`group ${group}`))));
      await drain(node, storage, applied);
      assert.equal(applied.length, 1);
    }
    await log.close();
    const victim = (await recordsOnDisk(directory)).filter(
      (record) => record.header.groupId === 2,
    )[1]!;
    const bytes = await readFile(victim.file);
    bytes[victim.offset + frameHeaderBytes] = bytes[victim.offset + frameHeaderBytes]! ^ 0xff;
    await writeFile(victim.file, bytes);

    const { log: reopened, report } = await openLog(directory);
    const refused = DurableRaftStorage.open(reopened, 2);
    assert.equal(refused.ok, false);
    const message = refused.ok ? '' : refused.error.message;
    assert.match(message, /group 2/);
    assert.ok(message.includes(`${victim.file} at byte ${victim.offset}`), message);
    assert.equal(report.corrupted.length, 1);
    for (const group of [1, 3]) {
      const storage = unwrap(DurableRaftStorage.open(reopened, group));
      const applied = storage.initialState().hardState.commit;
      const node = unwrap(wrap(RawNode.create({ ...config, storage, applied })));
      node.campaign();
      const committed: Entry[] = [];
      await drain(node, storage, committed);
      unwrap(wrap(node.propose(new TextEncoder().encode('after restart'))));
      await drain(node, storage, committed);
      assert.deepEqual(
        committed.map((entry) => new TextDecoder().decode(entry.data)),
        ['after restart'],
      );
    }
    await reopened.close();
  }));

/** A seeded xorshift32 source for the randomized mirror test. */
function seededRandom(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 1;
  return (bound) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % bound;
  };
}

/** One random operation valid for both storages (MemoryStorage throws on invalid ones). */
function randomStep(
  random: (bound: number) => number,
  memory: MemoryStorage,
): (storage: WritableLogStorage) => void {
  const first = memory.firstIndex();
  const last = memory.lastIndex();
  const snapshot = memory.snapshot();
  const snapshotIndex = typeof snapshot === 'string' ? 0 : snapshot.metadata.index;
  const lastTerm = memory.term(last) as number;
  const choice = random(20);
  if (choice < 10) {
    // Raft never overwrites what a snapshot covers (snapshots are of applied, so committed, entries).
    const lowest = Math.max(first, snapshotIndex + 1);
    const from = lowest + random(last - lowest + 2);
    const previousTerm = memory.term(from - 1) as number;
    const entries = raftEntries(
      from,
      from + random(6),
      Math.max(previousTerm, lastTerm) + random(2),
    );
    return (storage) => storage.append(entries);
  }
  if (choice < 13) {
    const hardState = {
      term: lastTerm + random(3),
      vote: `n${random(3)}`,
      commit: random(last + 1),
    };
    return (storage) => storage.setHardState(hardState);
  }
  if (choice < 16 && last > snapshotIndex) {
    const index = snapshotIndex + 1 + random(last - snapshotIndex);
    return (storage) => storage.createSnapshot(index, members, new Uint8Array([index & 0xff]));
  }
  if (choice < 19) {
    const index = first + random(snapshotIndex + 2 - first);
    return (storage) => storage.compact(index);
  }
  const metadata = { index: last + 1 + random(5), term: lastTerm + 1, confState: members };
  return (storage) => storage.applySnapshot({ metadata, data: new Uint8Array([9]) });
}

/**
 * Three groups share one log with small segments; seeded random operations go to both a
 * MemoryStorage per group and the durable storage, which must agree after every step and after
 * every restart (rollovers, checkpoints, deletions and replay gaps included).
 */
async function mirrorRun(
  directory: string,
  seed: number,
  steps: number,
  restartEvery: number,
): Promise<void> {
  const random = seededRandom(seed);
  const options = { segmentBytesMax: 1024 };
  const groups = [4, 5, 6];
  let { log } = await openLog(directory, options);
  const memories = groups.map(() => MemoryStorage.bootstrap(members));
  let disks = groups.map((group) =>
    unwrap(DurableRaftStorage.bootstrap(log, group, bootstrapSnapshot(members))),
  );
  unwrap(await log.sync());
  for (let step = 0; step < steps; step++) {
    const which = random(groups.length);
    const [memory, disk] = [memories[which]!, disks[which]!];
    const operation = randomStep(random, memory);
    unwrap(disk.reportFlushed(Number.MAX_SAFE_INTEGER));
    operation(memory);
    operation(disk);
    unwrap(await disk.sync());
    assert.deepEqual(observe(disk), observe(memory), `seed ${seed} step ${step}`);
    if (step % restartEvery === restartEvery - 1) {
      await log.close();
      ({ log } = await openLog(directory, options));
      disks = await Promise.all(groups.map((group) => durable(log, group)));
      for (let i = 0; i < groups.length; i++) {
        assert.deepEqual(
          observe(disks[i]!),
          observe(memories[i]!),
          `seed ${seed} restart at ${step}`,
        );
      }
    }
  }
  await log.close();
}

test('random operations agree with MemoryStorage across rollovers, deletions and restarts (seeded)', () =>
  withDirectory(async (directory) => {
    await mirrorRun(directory, 31337, 300, 60);
    const sequences = (await listSegments(directory)).map((segment) => segment.sequence);
    assert.ok(sequences.at(-1)! > 3 && sequences[0]! > 1, `rolled and deleted: ${sequences}`);
  }));
