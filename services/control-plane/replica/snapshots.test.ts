// Snapshots and log compaction in the driver, over in-memory logs with a fake clock: the driver
// snapshots every N applied entries and compacts behind it; a restart starts from the snapshot
// and replays only the tail; a follower that missed compacted entries catches up from the
// leader's snapshot; a failed image write is retried, never fatal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeMessage } from '../../../lib/raft/index.js';
import { createControlConfig } from '../core/config.js';
import { encodeState } from '../core/state.js';
import type { ControlDriver } from './driver.js';
import { MemoryDriverLog } from './memory-log.js';
import { decodeSnapshotImage, encodeSnapshotImage } from './snapshot-file.js';
import { DriverCluster } from './test-cluster.js';

const config = createControlConfig({ initialPartitionsPerTable: 2 });

/** Registers `count` storage nodes named from `first` on, one command (one entry) each. */
async function registerNodes(
  cluster: DriverCluster,
  leader: ControlDriver,
  first: number,
  count: number,
): Promise<void> {
  for (let i = first; i < first + count; i++) {
    const outcome = await cluster.settle(
      leader.propose({
        type: 'register-node',
        nodeId: `s${i}`,
        address: `127.0.0.1:${9000 + i}`,
        zone: null,
        nowMs: cluster.nowMs,
      }),
    );
    assert.equal(outcome.ok, true);
  }
}

function memoryLog(cluster: DriverCluster, id: string): MemoryDriverLog {
  const log = cluster.logs.get(id);
  assert.ok(log instanceof MemoryDriverLog);
  return log;
}

describe('control driver snapshots', () => {
  it('snapshots every N applied entries and compacts the log behind the snapshot', async () => {
    const cluster = new DriverCluster(['cp-1'], config, {
      snapshotEveryEntries: 10,
      snapshotRetainEntries: 3,
    });
    const leader = await cluster.leader();
    await registerNodes(cluster, leader, 0, 35);
    const log = memoryLog(cluster, 'cp-1');
    assert.equal(log.snapshotsTaken, 3);
    const snapshot = log.snapshot();
    assert.ok(typeof snapshot !== 'string');
    const { index } = snapshot.metadata;
    assert.equal(leader.snapshotAt, index);
    assert.ok(index >= 30 && index <= leader.applied, `snapshot at ${index}`);
    // Three entries stay behind the snapshot; everything before them is gone.
    assert.equal(log.firstIndex(), index + 1 - 3);
    assert.equal(log.entries(2, 3, 1_000), 'compacted');
    const image = decodeSnapshotImage(snapshot.data);
    assert.ok(image.ok, image.ok ? '' : image.message);
    assert.equal(image.value.index, index);
    assert.equal(image.value.term, log.term(index));
    // The image is the state as of its index: every node registered by then, none after.
    const registered = Object.keys(image.value.state.nodes).length;
    assert.equal(registered, 35 - (leader.applied - index));
    const events = cluster.events.get('cp-1') ?? [];
    assert.equal(events.filter((e) => e.kind === 'snapshot' && !e.received).length, 3);
  });

  it('restarts from the snapshot and replays only the entries after it', async () => {
    const cluster = new DriverCluster(['cp-1'], config, {
      snapshotEveryEntries: 8,
      snapshotRetainEntries: 0,
    });
    const leader = await cluster.leader();
    await registerNodes(cluster, leader, 0, 21);
    const before = encodeState(leader.state);
    const appliedBefore = leader.applied;
    const snapshotIndex = leader.snapshotAt;
    assert.ok(snapshotIndex > 1 && snapshotIndex < appliedBefore, 'a tail follows the snapshot');

    const restarted = cluster.start('cp-1');
    // Before any tick: the state is the snapshot's, not an empty one awaiting a full replay.
    assert.equal(restarted.applied, snapshotIndex);
    const fromSnapshot = Object.keys(restarted.state.nodes).length;
    assert.equal(fromSnapshot, 21 - (appliedBefore - snapshotIndex));
    assert.equal(memoryLog(cluster, 'cp-1').firstIndex(), snapshotIndex + 1);
    await cluster.leader();
    await cluster.tickUntil(() => restarted.applied >= appliedBefore);
    assert.deepEqual(encodeState(restarted.state), before);
    await registerNodes(cluster, restarted, 21, 1);
    assert.equal(Object.keys(restarted.state.nodes).length, 22);
  });

  it('catches a follower up through the leader snapshot once its entries are compacted', async () => {
    const cluster = new DriverCluster(['cp-1', 'cp-2', 'cp-3'], config, {
      snapshotEveryEntries: 10,
      snapshotRetainEntries: 2,
    });
    const leader = await cluster.leader();
    const lagging = cluster.ids.find((id) => id !== leader.replicaId) ?? '';
    await registerNodes(cluster, leader, 0, 3);
    await cluster.tickUntil(() => cluster.driver(lagging).applied === leader.applied);
    cluster.down.add(lagging);
    const laggingLastIndex = cluster.logs.get(lagging)?.lastIndex() ?? 0;
    await registerNodes(cluster, leader, 3, 30);
    // The lagging replica's next entry is gone from the leader's log.
    const leaderLog = memoryLog(cluster, leader.replicaId);
    assert.ok(leaderLog.firstIndex() > laggingLastIndex + 1);

    cluster.down.delete(lagging);
    const follower = cluster.driver(lagging);
    await cluster.tickUntil(() => follower.applied >= leader.applied);
    const received = (cluster.events.get(lagging) ?? []).filter(
      (e) => e.kind === 'snapshot' && e.received,
    );
    assert.equal(received.length, 1);
    assert.deepEqual(encodeState(follower.state), encodeState(leader.state));
    assert.ok(follower.snapshotAt > laggingLastIndex);
    const followerLog = memoryLog(cluster, lagging);
    assert.ok(followerLog.firstIndex() > laggingLastIndex + 1, 'the follower log starts anew');
    // It keeps following with ordinary entries, and leads with the whole state if need be.
    await registerNodes(cluster, leader, 33, 1);
    await cluster.tickUntil(() => follower.state.nodes['s33'] !== undefined);
    cluster.down.add(leader.replicaId);
    const next = await cluster.leader();
    assert.equal(Object.keys(next.state.nodes).length, 34);
  });

  it('stops rather than install a damaged image', async () => {
    const cluster = new DriverCluster(['cp-1', 'cp-2', 'cp-3'], config);
    const leader = await cluster.leader();
    const follower = cluster.ids.map((id) => cluster.driver(id)).find((d) => d !== leader);
    assert.ok(follower);
    await registerNodes(cluster, leader, 0, 2);
    const image = encodeSnapshotImage(leader.applied + 50, 1, leader.state);
    image[image.length - 40] = (image[image.length - 40] ?? 0) ^ 0x01;
    const confState = {
      voters: [...cluster.ids],
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    };
    await follower.step(
      makeMessage({
        type: 'snapshot',
        from: leader.replicaId,
        to: follower.replicaId,
        term: 1_000,
        snapshot: { metadata: { index: leader.applied + 50, term: 1, confState }, data: image },
      }),
    );
    assert.match(follower.stoppedReason ?? '', /snapshot unreadable: checksum mismatch/);
    assert.ok(Object.keys(follower.state.nodes).length <= 2, 'the damaged state never applied');
  });

  it('retries a snapshot whose image could not be stored, without stopping', async () => {
    class FailingImageLog extends MemoryDriverLog {
      failures = 1;
      override persistSnapshot(...args: Parameters<MemoryDriverLog['persistSnapshot']>) {
        if (this.failures === 0) return super.persistSnapshot(...args);
        this.failures -= 1;
        return Promise.resolve({
          ok: false,
          error: { code: 'snapshot-file', message: 'disk full' },
        });
      }
    }
    const cluster = new DriverCluster(['cp-1'], config, { snapshotEveryEntries: 5 });
    const log = new FailingImageLog();
    const bootstrap = MemoryDriverLog.create(['cp-1']).snapshot();
    assert.ok(typeof bootstrap !== 'string');
    log.applySnapshot(bootstrap);
    log.setHardState({ term: 1, vote: '', commit: 1 });
    cluster.logs.set('cp-1', log);
    const driver = cluster.start('cp-1');
    const leader = await cluster.leader();
    assert.equal(leader, driver);
    await registerNodes(cluster, leader, 0, 12);
    assert.equal(driver.stoppedReason, null);
    assert.equal(log.snapshotsTaken, 1, 'the failed attempt waited a full interval');
    const warnings = (cluster.events.get('cp-1') ?? []).filter((e) => e.kind === 'warning');
    assert.ok(warnings.some((e) => e.kind === 'warning' && /disk full/.test(e.message)));
  });
});
