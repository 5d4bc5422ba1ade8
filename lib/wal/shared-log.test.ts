// The shared log's write path: round trips, Raft log semantics, group commit, limits and
// malformed input.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { openSharedLog } from './open-shared-log.js';
import type { WalIo } from './segment-files.js';
import { countingIo, entries, openLog, unwrap, withDirectory } from './test-support.js';
import type { GroupUpdate, LogEntry } from './types.js';

const hardState = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

test('entries and hard states of several groups survive close and reopen', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    unwrap(await log.write(1, { entries: entries(1, 5, 1), hardState: hardState('g1 t1') }));
    unwrap(await log.write(2, { entries: entries(1, 3, 2), hardState: hardState('g2 t2') }));
    unwrap(await log.write(1, { entries: entries(6, 7, 1) }));
    await log.close();
    const { log: reopened, report } = await openLog(directory);
    assert.deepEqual(report.corrupted, []);
    assert.equal(report.truncatedTail, undefined);
    assert.deepEqual(reopened.groupIds().sort(), [1, 2]);
    const one = unwrap(reopened.group(1));
    assert.equal(one.firstIndex(), 1);
    assert.equal(one.lastIndex(), 7);
    assert.equal(decode(one.hardState), 'g1 t1');
    assert.deepEqual(unwrap(one.slice(1, 8, 1 << 20)), entries(1, 7, 1));
    const two = unwrap(reopened.group(2));
    assert.equal(two.lastIndex(), 3);
    assert.equal(unwrap(two.term(3)), 2);
    await reopened.close();
  }));

test('appending from an earlier index overwrites the conflicting suffix, durably', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    unwrap(await log.write(7, { entries: entries(1, 10, 1) }));
    unwrap(await log.write(7, { entries: entries(5, 6, 2) }));
    const check = (view: ReturnType<typeof log.group>) => {
      const group = unwrap(view);
      assert.equal(group.lastIndex(), 6);
      assert.equal(unwrap(group.term(4)), 1);
      assert.equal(unwrap(group.term(5)), 2);
      const beyond = group.term(7);
      assert.equal(beyond.ok ? 'ok' : beyond.error.code, 'unavailable');
    };
    check(log.group(7));
    await log.close();
    const { log: reopened } = await openLog(directory);
    check(reopened.group(7));
    await reopened.close();
  }));

test('slice honours the byte budget but always returns one entry', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    unwrap(await log.write(1, { entries: entries(1, 10, 1, 100) }));
    const group = unwrap(log.group(1));
    assert.equal(unwrap(group.slice(1, 11, 250)).length, 2);
    assert.equal(unwrap(group.slice(3, 11, 1)).length, 1);
    assert.equal(unwrap(group.slice(3, 3, 1)).length, 0);
    await log.close();
  }));

test('a received snapshot replaces the log; a created one keeps entries; compaction needs a flush report', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    unwrap(await log.write(3, { entries: entries(1, 4, 1) }));
    unwrap(
      await log.write(3, {
        snapshot: { index: 20, term: 3, payload: hardState('members') },
        entries: entries(21, 22, 3),
      }),
    );
    let group = unwrap(log.group(3));
    assert.equal(group.firstIndex(), 21);
    assert.equal(group.lastIndex(), 22);
    assert.equal(unwrap(group.term(20)), 3);
    const compacted = group.slice(4, 5, 100);
    assert.equal(compacted.ok ? 'ok' : compacted.error.code, 'compacted');
    const huge = log.createSnapshot(3, 21, new Uint8Array(2 << 20));
    assert.equal(huge.ok ? 'ok' : huge.error.code, 'limit-exceeded');
    const created = unwrap(log.createSnapshot(3, 21, hardState('at 21')));
    assert.equal(created.term, 3);
    const early = log.compact(3, 21);
    assert.equal(early.ok ? 'ok' : early.error.code, 'not-flushed');
    unwrap(log.reportFlushed(3, 21));
    unwrap(log.compact(3, 21));
    unwrap(await log.sync());
    assert.equal(group.firstIndex(), 22);
    await log.close();
    const { log: reopened } = await openLog(directory);
    group = unwrap(reopened.group(3));
    assert.equal(group.firstIndex(), 22);
    assert.equal(group.lastIndex(), 22);
    assert.equal(unwrap(group.term(21)), 3);
    assert.equal(group.snapshot?.index, 21);
    assert.equal(decode(group.snapshot?.payload), 'at 21');
    await reopened.close();
  }));

test('group commit: 64 concurrent writers of different groups share one fdatasync', () =>
  withDirectory(async (directory) => {
    const io = countingIo();
    const { log } = await openLog(directory, { io });
    const before = io.syncs;
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, group) =>
        log.write(group, { entries: entries(1, 1, 1), hardState: hardState(`${group}`) }),
      ),
    );
    for (const result of results) unwrap(result);
    assert.equal(io.syncs - before, 1);
    // Sequential writes each need their own sync.
    unwrap(await log.write(1, { entries: entries(2, 2, 1) }));
    unwrap(await log.write(1, { entries: entries(3, 3, 1) }));
    assert.equal(io.syncs - before, 3);
    assert.equal(log.stats().recordsWritten, 64 * 2 + 2);
    await log.close();
  }));

test('writers arriving during a sync share the next one, and each resolves only after its own sync', () =>
  withDirectory(async (directory) => {
    // A sync that waits for the test to release it, so writers pile up behind it.
    const gates: (() => void)[] = [];
    const io: WalIo & { syncs: number } = {
      syncs: 0,
      datasync: async (handle) => {
        io.syncs++;
        await new Promise<void>((resolve) => gates.push(resolve));
        await handle.datasync();
      },
      syncDirectory: async () => {},
    };
    const opening = openLog(directory, { io });
    await waitFor(() => gates.length === 1);
    gates.shift()!();
    const { log } = await opening;
    const order: string[] = [];
    const first = log.write(1, { entries: entries(1, 1, 1) }).then(() => order.push('first'));
    await waitFor(() => gates.length === 1);
    const later = Array.from({ length: 10 }, (_, i) =>
      log.write(2 + i, { entries: entries(1, 1, 1) }).then(() => order.push('later')),
    );
    assert.deepEqual(order, []);
    gates.shift()!();
    await first;
    assert.deepEqual(order, ['first']);
    await waitFor(() => gates.length === 1);
    gates.shift()!();
    await Promise.all(later);
    assert.equal(io.syncs, 3);
    assert.equal(order.length, 11);
    const closing = log.close();
    await closing;
  }));

/** Polls a condition through the event loop until a deadline (no sleeping). */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  assert.fail('condition not reached within 10 s');
}

test('a full queue is a typed error and nothing of the refused update is queued', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory, { queueRecordsMax: 4 });
    for (let i = 1; i <= 4; i++) unwrap(log.enqueue(1, { entries: entries(i, i, 1) }));
    const refused = log.enqueue(1, { entries: entries(5, 5, 1), hardState: hardState('x') });
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'limit-exceeded');
    assert.equal(unwrap(log.group(1)).lastIndex(), 4);
    assert.equal(unwrap(log.group(1)).hardState, undefined);
    unwrap(await log.sync());
    unwrap(await log.write(1, { entries: entries(5, 5, 1) }));
    assert.equal(log.stats().recordsWritten, 5);
    await log.close();
  }));

test('malformed updates are typed errors and write nothing', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory, { recordBytesMax: 4096 });
    unwrap(await log.write(1, { entries: entries(1, 3, 2) }));
    const written = log.stats().recordsWritten;
    const bad: [number, GroupUpdate, string][] = [
      [1, { entries: entries(5, 6, 2) }, 'invalid-argument'],
      [1, { entries: [...entries(4, 4, 2), ...entries(6, 6, 2)] }, 'invalid-argument'],
      [1, { entries: entries(4, 4, 1) }, 'invalid-argument'],
      [
        1,
        { entries: [{ index: 4, term: 2, type: 0, data: 'text' } as unknown as LogEntry] },
        'invalid-argument',
      ],
      [
        1,
        { entries: [{ index: 4.5, term: 2, type: 0, data: new Uint8Array() }] },
        'invalid-argument',
      ],
      [
        1,
        { entries: entries(4, 4, 2), hardState: 'x' as unknown as Uint8Array },
        'invalid-argument',
      ],
      [1, { entries: entries(4, 4, 2, 10_000) }, 'limit-exceeded'],
      [-1, { entries: entries(1, 1, 1) }, 'invalid-argument'],
      [1, { snapshot: { index: -3, term: 1, payload: new Uint8Array() } }, 'invalid-argument'],
      [1, { snapshot: { index: 9, term: 2, payload: new Uint8Array(2 << 20) } }, 'limit-exceeded'],
    ];
    for (const [groupId, update, code] of bad) {
      const result = await log.write(groupId, update);
      assert.equal(result.ok ? 'ok' : result.error.code, code, JSON.stringify(update));
    }
    assert.equal(unwrap(log.group(1)).lastIndex(), 3);
    assert.equal(log.stats().recordsWritten, written);
    await log.close();
    const { log: reopened } = await openLog(directory);
    assert.equal(unwrap(reopened.group(1)).lastIndex(), 3);
    await reopened.close();
  }));

test('a failed sync fails its writers and every later write', () =>
  withDirectory(async (directory) => {
    let failing = false;
    const io: WalIo = {
      datasync: async (handle) => {
        if (failing) throw new Error('EIO: simulated disk failure');
        await handle.datasync();
      },
      syncDirectory: async () => {},
    };
    const { log } = await openLog(directory, { io });
    unwrap(await log.write(1, { entries: entries(1, 1, 1) }));
    failing = true;
    const failed = await log.write(1, { entries: entries(2, 2, 1) });
    assert.equal(failed.ok ? 'ok' : failed.error.code, 'io');
    assert.match(failed.ok ? '' : failed.error.message, /EIO/);
    const later = await log.write(2, { entries: entries(1, 1, 1) });
    assert.equal(later.ok ? 'ok' : later.error.code, 'io');
    await log.close();
  }));

test('one sync covers a batch of more records than one writev call takes', () =>
  withDirectory(async (directory) => {
    const io = countingIo();
    const { log } = await openLog(directory, { io });
    const before = io.syncs;
    for (let index = 1; index <= 1500; index++)
      unwrap(log.enqueue(1, { entries: entries(index, index, 1) }));
    unwrap(await log.sync());
    assert.equal(io.syncs - before, 1);
    await log.close();
    const { log: reopened } = await openLog(directory);
    assert.deepEqual(
      unwrap(unwrap(reopened.group(1)).slice(1, 1501, 1 << 20)),
      entries(1, 1500, 1),
    );
    await reopened.close();
  }));

test('bad options are refused before anything is opened', () =>
  withDirectory(async (directory) => {
    for (const options of [
      { segmentBytesMax: 0 },
      { queueRecordsMax: 1.5 },
      { segmentBytesMax: 2 ** 31 },
    ]) {
      const opened = await openSharedLog({ directory, ...options });
      assert.equal(
        opened.ok ? 'ok' : opened.error.code,
        'invalid-argument',
        JSON.stringify(options),
      );
    }
  }));

test('retained entry bytes and group count are bounded; compaction frees room', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory, { retainedBytesMax: 1000, groupsMax: 2 });
    unwrap(await log.write(1, { entries: entries(1, 10, 1, 100) }));
    const full = await log.write(1, { entries: entries(11, 11, 1, 100) });
    assert.equal(full.ok ? 'ok' : full.error.code, 'limit-exceeded');
    assert.equal(unwrap(log.group(1)).lastIndex(), 10);
    unwrap(log.reportFlushed(1, 5));
    unwrap(log.compact(1, 5));
    unwrap(await log.write(1, { entries: entries(11, 11, 1, 100) }));
    assert.equal(log.stats().retainedEntryBytes, 600);
    unwrap(await log.write(2, { hardState: new Uint8Array([1]) }));
    const third = log.group(3);
    assert.equal(third.ok ? 'ok' : third.error.code, 'limit-exceeded');
    await log.close();
  }));
