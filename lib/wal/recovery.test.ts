// Recovery: torn tails are cut, corruption stops only the group it belongs to (naming the file
// and offset), and a crash without close loses nothing acknowledged.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RecordKind, encodeEntries, encodeFrame, frameHeaderBytes } from './codec.js';
import { listSegments } from './segment-files.js';
import type { SharedLog } from './shared-log.js';
import { entries, openLog, recordsOnDisk, unwrap, withDirectory } from './test-support.js';

/** Writes `rounds` rounds; in round r each listed group appends entry r. */
async function writeRounds(
  log: SharedLog,
  rounds: number,
  groupsInRound: (round: number) => number[],
): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    for (const group of groupsInRound(round))
      unwrap(await log.write(group, { entries: entries(round, round, 1) }));
  }
}

async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[offset] = bytes[offset]! ^ 0x5a;
  await writeFile(file, bytes);
}

test('a torn tail (a half-written last record) is cut off and the log keeps working', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    await writeRounds(log, 3, () => [1, 2]);
    await log.close();
    const [segment] = await listSegments(directory);
    const sizeBefore = (await stat(segment!.path)).size;
    const frame = encodeFrame(RecordKind.entries, 1, 4, encodeEntries(entries(4, 4, 1)));
    await appendFile(segment!.path, frame.subarray(0, frame.length - 5));
    const { log: reopened, report } = await openLog(directory);
    assert.deepEqual(report.truncatedTail, { file: segment!.path, offset: sizeBefore });
    assert.deepEqual(report.corrupted, []);
    assert.equal((await stat(segment!.path)).size, sizeBefore);
    assert.equal(unwrap(reopened.group(1)).lastIndex(), 3);
    unwrap(await reopened.write(1, { entries: entries(4, 4, 1) }));
    // The cut segment's checkpoints may be incomplete, so writing resumes in a fresh segment.
    assert.equal((await listSegments(directory)).length, 2);
    await reopened.close();
    const { log: third, report: clean } = await openLog(directory);
    assert.equal(clean.truncatedTail, undefined);
    assert.equal(unwrap(third.group(1)).lastIndex(), 4);
    await third.close();
  }));

test('a last record whose body never reached the disk (zeros) is a torn tail too', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    await writeRounds(log, 3, () => [1, 2]);
    await log.close();
    const records = await recordsOnDisk(directory);
    const last = records.at(-1)!;
    const bytes = await readFile(last.file);
    bytes.fill(0, last.offset + frameHeaderBytes);
    await writeFile(last.file, bytes);
    const { log: reopened, report } = await openLog(directory);
    assert.deepEqual(report.truncatedTail, { file: last.file, offset: last.offset });
    assert.equal(unwrap(reopened.group(last.header.groupId)).lastIndex(), 2);
    assert.equal(unwrap(reopened.group(1)).lastIndex(), 3);
    await reopened.close();
  }));

test('a corrupted record in the middle stops only its group, naming file, offset and group', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    await writeRounds(log, 4, () => [1, 2, 3]);
    await log.close();
    const victim = (await recordsOnDisk(directory)).filter(
      (record) => record.header.groupId === 2,
    )[1]!;
    await flipByte(victim.file, victim.offset + frameHeaderBytes + 3);
    const { log: reopened, report } = await openLog(directory);
    assert.equal(report.truncatedTail, undefined);
    assert.equal(report.corrupted.length, 1);
    const error = report.corrupted[0]!;
    assert.equal(error.code, 'group-corrupted');
    assert.equal(error.groupId, 2);
    assert.deepEqual(error.location, { file: victim.file, offset: victim.offset });
    assert.ok(
      error.message.includes(victim.file) && error.message.includes(`byte ${victim.offset}`),
      error.message,
    );
    const refused = reopened.group(2);
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'group-corrupted');
    const write = await reopened.write(2, { entries: entries(5, 5, 1) });
    assert.equal(write.ok ? 'ok' : write.error.code, 'group-corrupted');
    // The other groups recovered everything, including records after the damaged one.
    for (const group of [1, 3]) assert.equal(unwrap(reopened.group(group)).lastIndex(), 4);
    unwrap(await reopened.write(1, { entries: entries(5, 5, 1) }));
    // The host rebuilds the replica: remove it, then it starts afresh.
    unwrap(reopened.removeGroup(2));
    unwrap(await reopened.write(2, { entries: entries(1, 1, 7) }));
    await reopened.close();
    const { log: third, report: after } = await openLog(directory);
    assert.deepEqual(after.corrupted, []);
    assert.equal(unwrap(third.group(2)).lastIndex(), 1);
    assert.equal(unwrap(unwrap(third.group(2)).term(1)), 7);
    assert.equal(unwrap(third.group(1)).lastIndex(), 5);
    await third.close();
  }));

test('a corrupted header (unknown group) stops the groups that lost records and those it cannot vouch for', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    // Group 3 falls silent after round 1; group 2 writes again after the damage (in round 2).
    await writeRounds(log, 4, (round) => (round <= 1 ? [1, 2, 3] : [1, 2]));
    await log.close();
    const victim = (await recordsOnDisk(directory)).filter(
      (record) => record.header.groupId === 2,
    )[1]!;
    await flipByte(victim.file, victim.offset + 13);
    const { log: reopened, report } = await openLog(directory);
    assert.deepEqual(report.unattributed, [{ file: victim.file, offset: victim.offset }]);
    const stopped = new Map(report.corrupted.map((error) => [error.groupId, error]));
    assert.deepEqual([...stopped.keys()].sort(), [2, 3]);
    assert.deepEqual(stopped.get(2)!.location, { file: victim.file, offset: victim.offset });
    assert.equal(unwrap(reopened.group(1)).lastIndex(), 4);
    const unknown = reopened.group(9);
    assert.equal(unknown.ok ? 'ok' : unknown.error.code, 'group-corrupted');
    await reopened.close();
  }));

test('corruption in an older segment stops only its group', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory, { segmentBytesMax: 600 });
    await writeRounds(log, 12, () => [1, 2]);
    await log.close();
    const segments = await listSegments(directory);
    assert.ok(segments.length >= 3, `expected several segments, got ${segments.length}`);
    const victim = (await recordsOnDisk(directory)).find(
      (record) =>
        record.file === segments[0]!.path &&
        record.header.groupId === 2 &&
        record.header.kind === RecordKind.entries,
    )!;
    await flipByte(victim.file, victim.offset + frameHeaderBytes + 1);
    const { log: reopened, report } = await openLog(directory, { segmentBytesMax: 600 });
    assert.deepEqual(
      report.corrupted.map((error) => [error.groupId, error.location]),
      [[2, { file: segments[0]!.path, offset: victim.offset }]],
    );
    assert.equal(unwrap(reopened.group(1)).lastIndex(), 12);
    await reopened.close();
  }));

test('a crash without close loses nothing acknowledged', () =>
  withDirectory(async (directory) => {
    const { log: crashed } = await openLog(directory, { segmentBytesMax: 2048 });
    await writeRounds(crashed, 20, () => [1, 2, 3]);
    unwrap(await crashed.write(2, { hardState: new TextEncoder().encode('voted') }));
    // No close: a second process opens the same files as after a crash.
    const { log: recovered, report } = await openLog(directory, { segmentBytesMax: 2048 });
    assert.deepEqual(report.corrupted, []);
    for (const group of [1, 2, 3]) {
      const view = unwrap(recovered.group(group));
      assert.deepEqual(unwrap(view.slice(1, 21, 1 << 20)), entries(1, 20, 1));
    }
    assert.equal(new TextDecoder().decode(unwrap(recovered.group(2)).hardState), 'voted');
    await recovered.close();
    await crashed.close();
  }));

/**
 * Flips one seeded-random bit per trial anywhere in the log and checks that every group is
 * either stopped or has exactly the entries written (fewer only when the flip hit the final
 * record, which is then indistinguishable from a torn write).
 */
async function flipSweep(
  segmentBytesMax: number,
  rounds: number,
  trials: number,
  seed: number,
): Promise<void> {
  await withDirectory(async (directory) => {
    const { log } = await openLog(directory, { segmentBytesMax });
    await writeRounds(log, rounds, () => [1, 2, 3]);
    await log.close();
    const segments = await listSegments(directory);
    const pristine = await Promise.all(segments.map((segment) => readFile(segment.path)));
    const finalRecord = (await recordsOnDisk(directory)).at(-1)!;
    let state = seed;
    for (let trial = 0; trial < trials; trial++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const which = state % segments.length;
      const offset = (state >>> 8) % pristine[which]!.length;
      const damaged = Buffer.from(pristine[which]!);
      damaged[offset] = damaged[offset]! ^ (1 << (state % 8));
      for (let i = 0; i < segments.length; i++)
        await writeFile(segments[i]!.path, i === which ? damaged : pristine[i]!);
      const { log: reopened, report } = await openLog(directory, { segmentBytesMax });
      const corrupted = new Set(report.corrupted.map((error) => error.groupId));
      const complete = segments[which]!.path !== finalRecord.file || offset < finalRecord.offset;
      for (const group of [1, 2, 3]) {
        const view = reopened.group(group);
        if (corrupted.has(group) || !view.ok) continue;
        const recovered = unwrap(view.value.slice(1, view.value.lastIndex() + 1, 1 << 20));
        const expected = entries(1, complete ? rounds : recovered.length, 1);
        assert.deepEqual(
          recovered,
          expected,
          `seed ${seed} trial ${trial}: segment ${which} byte ${offset}, group ${group}`,
        );
      }
      await reopened.close();
    }
  });
}

test('any single flipped bit is detected: no group silently loses or changes an entry (seeded)', () =>
  flipSweep(64 * 1024, 5, 40, 12345));

test('the same across several segments, checkpoints included (seeded)', () =>
  flipSweep(700, 8, 60, 777));

test('a writer killed mid-stream loses nothing it acknowledged', () =>
  withDirectory(async (directory) => {
    const logModule = fileURLToPath(new URL('./open-shared-log.ts', import.meta.url));
    // Four groups write concurrently and print each acknowledged index; SIGKILL comes while
    // writes are still in flight.
    const child = `
      import { openSharedLog } from ${JSON.stringify(logModule)};
      const opened = await openSharedLog({ directory: ${JSON.stringify(directory)}, segmentBytesMax: 4096 });
      if (!opened.ok) process.exit(2);
      const log = opened.value.log;
      await Promise.all([1, 2, 3, 4].map(async (group) => {
        for (let index = 1; index <= 100000; index++) {
          const data = new Uint8Array(40).fill(index % 251);
          const done = await log.write(group, { entries: [{ index, term: 1, type: 0, data }] });
          if (!done.ok) process.exit(3);
          process.stdout.write(group + ' ' + index + '\\n');
        }
      }));`;
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', child],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const acknowledged = new Map<number, number>();
    let lines = 0;
    let buffered = '';
    const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    const killer = setTimeout(() => writer.kill('SIGKILL'), 60_000);
    writer.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      for (const line of complete) {
        const [group, index] = line.split(' ').map(Number);
        acknowledged.set(group!, Math.max(acknowledged.get(group!) ?? 0, index!));
        if (++lines === 300) writer.kill('SIGKILL');
      }
    });
    await exited;
    clearTimeout(killer);
    assert.ok(lines >= 300, `child stopped early after ${lines} acknowledgements`);
    const { log, report } = await openLog(directory, { segmentBytesMax: 4096 });
    assert.deepEqual(report.corrupted, []);
    for (const [group, index] of acknowledged) {
      const view = unwrap(log.group(group));
      assert.ok(
        view.lastIndex() >= index,
        `group ${group}: acknowledged ${index}, recovered ${view.lastIndex()}`,
      );
      assert.deepEqual(unwrap(view.slice(1, index + 1, 1 << 20)).length, index);
    }
    await log.close();
  }));

test('stopped groups stay stopped across restarts until the host removes them', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory);
    // Groups 3 and 4 fall silent after round 1; the damage is in round 2.
    await writeRounds(log, 4, (round) => (round <= 1 ? [1, 2, 3, 4] : [1, 2]));
    await log.close();
    const victim = (await recordsOnDisk(directory)).filter(
      (record) => record.header.groupId === 2,
    )[1]!;
    await flipByte(victim.file, victim.offset + 13);
    const { log: first, report } = await openLog(directory);
    assert.deepEqual(report.corrupted.map((error) => error.groupId).sort(), [2, 3, 4]);
    unwrap(first.removeGroup(3));
    unwrap(await first.write(1, { entries: entries(5, 5, 1) }));
    await first.close();
    // Now the damage is in an older segment; the verdicts must not change, except for group 3.
    const { log: second, report: again } = await openLog(directory);
    assert.deepEqual(again.corrupted.map((error) => error.groupId).sort(), [2, 4]);
    assert.equal(unwrap(second.group(1)).lastIndex(), 5);
    assert.equal(unwrap(second.group(3)).lastIndex(), 0);
    await second.close();
  }));

test('a crash can cut the newest segment anywhere: never a false corruption, never a changed entry', () =>
  withDirectory(async (directory) => {
    const { log } = await openLog(directory, { segmentBytesMax: 700 });
    await writeRounds(log, 8, () => [1, 2, 3]);
    await log.close();
    const segments = await listSegments(directory);
    const newest = segments.at(-1)!;
    const pristine = await readFile(newest.path);
    for (let length = 0; length <= pristine.length; length += 7) {
      await writeFile(newest.path, pristine.subarray(0, length));
      const { log: reopened, report } = await openLog(directory, { segmentBytesMax: 700 });
      assert.deepEqual(report.corrupted, [], `cut at ${length}`);
      for (const group of [1, 2, 3]) {
        const view = unwrap(reopened.group(group));
        assert.deepEqual(
          unwrap(view.slice(1, view.lastIndex() + 1, 1 << 20)),
          entries(1, view.lastIndex(), 1),
        );
      }
      await reopened.close();
    }
  }));
