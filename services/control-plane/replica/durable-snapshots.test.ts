// Snapshots on disk: the driver over the real durable log (lib/wal plus image files) in a
// temporary directory, with a fake clock. Compaction keeps the log directory bounded, a restart
// loads the image and replays the tail, and a damaged or missing image is refused by name.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createControlConfig } from '../core/config.js';
import { encodeState } from '../core/state.js';
import type { ControlDriver } from './driver.js';
import { openDurableLog } from './durable-log.js';
import type { OpenedDurableLog } from './durable-log.js';
import { snapshotFileName } from './snapshot-log.js';
import { DriverCluster } from './test-cluster.js';

const config = createControlConfig({ initialPartitionsPerTable: 2 });
const SEGMENT_BYTES = 4 * 1024;

async function directoryBytes(directory: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(directory)) total += (await stat(join(directory, name))).size;
  return total;
}

/** One replica on the durable log in `directory`, driven by a fake clock. */
async function startOnDisk(
  directory: string,
): Promise<{ cluster: DriverCluster; driver: ControlDriver; opened: OpenedDurableLog }> {
  const opened = await openDurableLog(directory, ['cp-1'], { segmentBytesMax: SEGMENT_BYTES });
  const cluster = new DriverCluster(['cp-1'], config, {
    snapshotEveryEntries: 25,
    snapshotRetainEntries: 5,
  });
  cluster.logs.set('cp-1', opened.log);
  const driver = cluster.start('cp-1');
  assert.equal(await cluster.leader(), driver);
  return { cluster, driver, opened };
}

async function registerNodes(
  cluster: DriverCluster,
  driver: ControlDriver,
  first: number,
  count: number,
): Promise<void> {
  for (let i = first; i < first + count; i++) {
    const outcome = await cluster.settle(
      driver.propose({
        type: 'register-node',
        nodeId: `storage-node-${i}`,
        address: `127.0.0.1:${10_000 + i}`,
        zone: `zone-${i % 3}`,
        nowMs: cluster.nowMs,
      }),
    );
    assert.equal(outcome.ok, true);
  }
}

describe('control driver snapshots on disk', () => {
  const directories: string[] = [];
  const fresh = async (): Promise<string> => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-cp-snap-'));
    directories.push(directory);
    return directory;
  };
  after(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('keeps the log directory bounded and restarts from the image plus the tail', async () => {
    const directory = await fresh();
    const first = await startOnDisk(directory);
    await registerNodes(first.cluster, first.driver, 0, 160);
    const written = first.opened.shared.stats().bytesWritten;
    const before = encodeState(first.driver.state);
    const appliedBefore = first.driver.applied;
    const snapshotIndex = first.driver.snapshotAt;
    first.driver.close();
    await first.opened.shared.close();

    const raftBytes = await directoryBytes(join(directory, 'raft'));
    // Segments wholly behind the compaction point are deleted: the directory holds the entries
    // since the last snapshot plus the retained ones, a few segments, however much was written.
    assert.ok(written > 8 * SEGMENT_BYTES, `wrote ${written} bytes`);
    assert.ok(raftBytes <= 5 * SEGMENT_BYTES, `raft directory holds ${raftBytes} bytes`);
    assert.deepEqual(await readdir(join(directory, 'snapshots')), [
      snapshotFileName(snapshotIndex),
    ]);

    const second = await startOnDisk(directory);
    assert.ok(second.driver.snapshotAt === snapshotIndex);
    assert.ok(second.opened.log.firstIndex() > appliedBefore - 30, 'the early log is gone');
    await second.cluster.tickUntil(() => second.driver.applied >= appliedBefore);
    assert.deepEqual(encodeState(second.driver.state), before);
    await registerNodes(second.cluster, second.driver, 160, 1);
    second.driver.close();
    await second.opened.shared.close();
  });

  it('installs a snapshot received from the leader on disk, and restarts from it', async () => {
    const ids = ['cp-1', 'cp-2', 'cp-3'];
    const base = await fresh();
    const cluster = new DriverCluster(ids, config, {
      snapshotEveryEntries: 10,
      snapshotRetainEntries: 2,
    });
    const opened = new Map<string, OpenedDurableLog>();
    const openOnDisk = async (id: string): Promise<ControlDriver> => {
      const log = await openDurableLog(join(base, id), ids, { segmentBytesMax: SEGMENT_BYTES });
      opened.set(id, log);
      cluster.logs.set(id, log.log);
      return cluster.start(id);
    };
    for (const id of ids) await openOnDisk(id);
    const leader = await cluster.leader();
    const lagging = ids.find((id) => id !== leader.replicaId) ?? '';
    await registerNodes(cluster, leader, 0, 2);
    await cluster.tickUntil(() => cluster.driver(lagging).applied === leader.applied);
    cluster.down.add(lagging);
    await registerNodes(cluster, leader, 2, 25);
    cluster.down.delete(lagging);
    await cluster.tickUntil(() => cluster.driver(lagging).applied >= leader.applied);
    const received = (cluster.events.get(lagging) ?? []).filter(
      (e) => e.kind === 'snapshot' && e.received,
    );
    assert.equal(received.length, 1);
    const expected = encodeState(leader.state);
    const appliedBefore = cluster.driver(lagging).applied;
    const snapshotIndex = cluster.driver(lagging).snapshotAt;
    assert.deepEqual(await readdir(join(base, lagging, 'snapshots')), [
      snapshotFileName(snapshotIndex),
    ]);
    // A snapshot older than the one held is refused, never stored over it.
    const held = cluster.logs.get(lagging)?.snapshot();
    assert.ok(held !== undefined && typeof held !== 'string');
    const stale = await opened.get(lagging)?.log.persistReady({
      snapshot: { ...held, metadata: { ...held.metadata, index: snapshotIndex - 1 } },
      entries: [],
      hardState: null,
    });
    assert.equal(stale?.error?.code, 'snapshot-stale');

    for (const id of ids) {
      cluster.driver(id).close();
      await opened.get(id)?.shared.close();
    }
    for (const id of ids) if (id !== lagging) cluster.down.add(id);
    const restarted = await openOnDisk(lagging);
    assert.equal(restarted.snapshotAt, snapshotIndex);
    assert.equal(restarted.applied, snapshotIndex);
    // Alone it cannot commit anything new, but it applies what it knew was committed.
    await cluster.tickUntil(() => restarted.applied >= appliedBefore);
    assert.deepEqual(encodeState(restarted.state), expected);
    restarted.close();
    await opened.get(lagging)?.shared.close();
  });

  it('refuses to start on a damaged or missing image, naming the file', async () => {
    const directory = await fresh();
    const first = await startOnDisk(directory);
    await registerNodes(first.cluster, first.driver, 0, 30);
    const file = join(directory, 'snapshots', snapshotFileName(first.driver.snapshotAt));
    first.driver.close();
    await first.opened.shared.close();

    const bytes = await readFile(file);
    const damaged = Buffer.from(bytes);
    damaged[Math.floor(damaged.length / 2)] ^= 0x01;
    await writeFile(file, damaged);
    await assert.rejects(openDurableLog(directory, ['cp-1']), (error: Error) => {
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, /corrupted/);
      return true;
    });
    await rm(file);
    await assert.rejects(openDurableLog(directory, ['cp-1']), (error: Error) => {
      assert.ok(error.message.includes(file), error.message);
      return true;
    });
    // Put back, it opens again, and stray files (older images, half-written ones) are removed.
    await writeFile(file, bytes);
    const stray = [snapshotFileName(2), `${snapshotFileName(99_999)}.tmp`];
    for (const name of stray) await writeFile(join(directory, 'snapshots', name), 'x');
    const reopened = await openDurableLog(directory, ['cp-1']);
    assert.deepEqual(await readdir(join(directory, 'snapshots')), [file.split('/').at(-1)]);
    await reopened.shared.close();
  });
});
