// The data-directory lock: exclusive while its owner lives, taken over once the owner is gone,
// released on stop.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lockDataDirectory } from './data-lock.js';

const directories: string[] = [];
after(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'tessera-lock-'));
  directories.push(directory);
  return directory;
}

test('one holder at a time; released on stop; the next one gets it', async () => {
  const directory = await freshDirectory();
  const first = await lockDataDirectory(directory);
  assert.ok(first.ok);
  // Another live process (the parent of this test, say) holding it: refused, naming it.
  const other = await lockDataDirectory(directory, process.ppid);
  assert.equal(other.ok, false);
  assert.match(!other.ok ? other.reason : '', new RegExp(`in use by process ${process.pid}`));
  await first.lock.release();
  const second = await lockDataDirectory(directory, process.ppid);
  assert.ok(second.ok);
  const owner = async () => (await readFile(join(directory, 'LOCK'), 'utf8')).split(' ')[0];
  assert.equal(await owner(), String(process.ppid));
  // Releasing a lock someone else holds now does nothing.
  await first.lock.release();
  assert.equal(await owner(), String(process.ppid));
});

test('a lock left by a process that is gone is taken over', async () => {
  const directory = await freshDirectory();
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid ?? 0;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await writeFile(join(directory, 'LOCK'), `${pid}\n`);
  const taken = await lockDataDirectory(directory);
  assert.ok(taken.ok, taken.ok ? '' : taken.reason);
  // A live pid whose start time differs is a reused pid (a restarted container): taken over.
  await writeFile(join(directory, 'LOCK'), `${process.ppid} 1\n`);
  await taken.lock.release();
  const reused = await lockDataDirectory(directory);
  assert.ok(reused.ok, reused.ok ? '' : reused.reason);
  await writeFile(join(directory, 'LOCK'), 'garbage\n');
  await reused.lock.release();
  const again = await lockDataDirectory(directory);
  assert.ok(again.ok, 'an unreadable lock file is taken over');
  await again.lock.release();
});
