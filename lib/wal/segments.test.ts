// Segment rollover and the deletion rule: a segment goes only when every group's entries in it
// are compacted (after the host reported its engine flushed past them) or the group was removed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SegmentInfo } from './replay.js';
import { listSegments } from './segment-files.js';
import { countDeletableSegments } from './shared-log.js';
import type { SharedLog } from './shared-log.js';
import { entries, openLog, unwrap, withDirectory } from './test-support.js';

const segmentBytesMax = 1024;

async function appendRange(log: SharedLog, group: number, from: number, to: number): Promise<void> {
  for (let index = from; index <= to; index++)
    unwrap(await log.write(group, { entries: entries(index, index, 1, 64) }));
}

async function segmentSequences(directory: string): Promise<number[]> {
  return (await listSegments(directory)).map((segment) => segment.sequence);
}

test('segments roll over at the size limit and go only once every group has compacted past them', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory, { segmentBytesMax });
    // Interleaved, so that every segment holds entries of both groups.
    for (let index = 1; index <= 20; index++) {
      await appendRange(log, 1, index, index);
      await appendRange(log, 2, index, index);
    }
    const rolled = await segmentSequences(directory);
    assert.ok(rolled.length >= 4, `expected several segments, got ${rolled.length}`);
    // Compaction needs the host's flush report first.
    const early = log.compact(1, 20);
    assert.equal(early.ok ? 'ok' : early.error.code, 'not-flushed');
    unwrap(log.reportFlushed(1, 20));
    unwrap(log.compact(1, 20));
    // Group 2 has not flushed: its entries pin every segment, however many rolls follow.
    await appendRange(log, 1, 21, 40);
    assert.equal(log.stats().segmentsDeleted, 0);
    assert.equal((await segmentSequences(directory))[0], 1);
    unwrap(log.reportFlushed(2, 20));
    unwrap(log.compact(2, 20));
    unwrap(log.reportFlushed(1, 40));
    unwrap(log.compact(1, 40));
    // The next rollover writes checkpoints with the new bases; then the old segments go.
    await appendRange(log, 1, 41, 50);
    assert.ok(log.stats().segmentsDeleted > 0);
    const remaining = await segmentSequences(directory);
    assert.ok(remaining[0]! > 1, `oldest segment still ${remaining[0]}`);
    await log.close();
    const { log: reopened, report } = await openLog(directory, { segmentBytesMax });
    assert.deepEqual(report.corrupted, []);
    const one = unwrap(reopened.group(1));
    assert.equal(one.firstIndex(), 41);
    assert.equal(one.lastIndex(), 50);
    assert.deepEqual(unwrap(one.slice(41, 51, 1 << 20)), entries(41, 50, 1, 64));
    const two = unwrap(reopened.group(2));
    assert.equal(two.firstIndex(), 21);
    assert.equal(two.lastIndex(), 20);
    assert.equal(unwrap(two.term(20)), 1);
    await reopened.close();
  }));

test('a removed group does not pin segments', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory, { segmentBytesMax });
    await appendRange(log, 1, 1, 10);
    await appendRange(log, 2, 1, 10);
    unwrap(log.reportFlushed(1, 10));
    unwrap(log.compact(1, 10));
    unwrap(log.removeGroup(2));
    await appendRange(log, 1, 11, 30);
    unwrap(log.reportFlushed(1, 30));
    unwrap(log.compact(1, 30));
    await appendRange(log, 1, 31, 40);
    assert.ok(log.stats().segmentsDeleted > 0);
    await log.close();
    const { log: reopened } = await openLog(directory, { segmentBytesMax });
    assert.deepEqual(reopened.groupIds(), [1]);
    assert.equal(unwrap(reopened.group(1)).lastIndex(), 40);
    await reopened.close();
  }));

function segment(
  sequence: number,
  maxEntryIndex: [number, number][],
  validStart = true,
): SegmentInfo {
  return {
    sequence,
    path: `${sequence}.wal`,
    size: 0,
    maxEntryIndex: new Map(maxEntryIndex),
    validStart,
  };
}

test('the deletion rule: a prefix of segments whose entries every live group compacted past', () => {
  const segments = [
    segment(1, [
      [1, 10],
      [2, 5],
    ]),
    segment(2, [[1, 20]]),
    segment(3, [
      [1, 30],
      [2, 6],
    ]),
    segment(4, []),
  ];
  const bases = (one: number, two: number) =>
    new Map([
      [1, one],
      [2, two],
    ]);
  assert.equal(countDeletableSegments(segments, 3, bases(30, 6)), 3);
  // Never the segment being written.
  assert.equal(countDeletableSegments(segments, 2, bases(30, 6)), 2);
  // Group 2 at 4 pins the first segment, and with it every later one.
  assert.equal(countDeletableSegments(segments, 3, bases(30, 4)), 0);
  assert.equal(countDeletableSegments(segments, 3, bases(25, 6)), 2);
  // Replay cannot start at a segment whose checkpoints a torn tail cut short.
  const torn = [segment(1, []), segment(2, [], false), segment(3, []), segment(4, [])];
  assert.equal(countDeletableSegments(torn, 3, bases(0, 0)), 3);
  assert.equal(countDeletableSegments(torn, 1, bases(0, 0)), 0);
  // A group without a synced base was removed: its entries do not pin.
  assert.equal(countDeletableSegments(segments, 3, new Map([[1, 30]])), 3);
});
