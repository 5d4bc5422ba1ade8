import assert from 'node:assert/strict';
import { test } from 'node:test';

import { maxLeaseTicks, validateConfig } from './config.js';
import { MemoryStorage } from './memory-storage.js';
import { Xoshiro128 } from './random.js';
import { TestCluster } from './test-cluster.js';
import { majorityCommitted, majorityVote } from './tracker.js';
import { emptyConfState } from './types.js';

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

test('config validation enforces the lease drift bound', () => {
  const base = {
    id: '1',
    storage: new MemoryStorage(),
    random: new Xoshiro128(1),
    electionTicks: 10,
    heartbeatTicks: 1,
  };
  assert.equal(maxLeaseTicks(10, 0.1), 7);
  assert.equal(maxLeaseTicks(10, 0), 9);
  const defaults = validateConfig(base);
  assert.ok(defaults.ok);
  assert.equal(defaults.value.leaseTicks, 7);
  assert.match(
    String((validateConfig({ ...base, leaseTicks: 8 }) as { error: string }).error),
    /drift bound/,
  );
  assert.ok(!validateConfig({ ...base, checkQuorum: false }).ok, 'leases need CheckQuorum');
  assert.ok(validateConfig({ ...base, checkQuorum: false, leaseReads: false }).ok);
  assert.ok(!validateConfig({ ...base, heartbeatTicks: 10 }).ok);
  assert.ok(!validateConfig({ ...base, maxClockDriftRatio: 0.6 }).ok);
  assert.ok(
    validateConfig({ ...base, leaseTicks: 50, unsafeTestingKnobs: { skipLeaseBoundCheck: true } })
      .ok,
  );
});

test('quorum arithmetic for majority and joint configurations', () => {
  const acked = new Map([
    ['a', 5],
    ['b', 3],
    ['c', 9],
  ]);
  assert.equal(
    majorityCommitted(new Set(['a', 'b', 'c']), (id) => acked.get(id) ?? 0),
    5,
  );
  assert.equal(
    majorityCommitted(new Set(), () => 0),
    Infinity,
  );
  const votes = new Map([
    ['a', true],
    ['b', false],
  ]);
  assert.equal(majorityVote(new Set(['a', 'b', 'c']), votes), 'pending');
  votes.set('c', true);
  assert.equal(majorityVote(new Set(['a', 'b', 'c']), votes), 'won');
  votes.set('c', false);
  assert.equal(majorityVote(new Set(['a', 'b', 'c']), votes), 'lost');
});

test('memory storage: append overwrites a suffix, compaction and snapshots answer compacted', () => {
  const storage = MemoryStorage.bootstrap({ ...emptyConfState(), voters: ['1'] });
  assert.equal(storage.firstIndex(), 2);
  assert.equal(storage.lastIndex(), 1);
  const entry = (index: number, term: number) => ({
    index,
    term,
    type: 'normal' as const,
    data: bytes(`${index}`),
  });
  storage.append([entry(2, 2), entry(3, 2), entry(4, 2)]);
  storage.append([entry(3, 3)]);
  assert.equal(storage.lastIndex(), 3);
  assert.equal(storage.term(3), 3);
  const limited = storage.entries(2, 4, 1);
  assert.ok(
    Array.isArray(limited) && limited.length === 1,
    'at least one entry, then the byte limit',
  );
  const snapshot = storage.createSnapshot(
    3,
    { ...emptyConfState(), voters: ['1'] },
    bytes('image'),
  );
  assert.ok(typeof snapshot !== 'string');
  storage.compact(3);
  assert.equal(storage.firstIndex(), 3);
  assert.equal(storage.entries(2, 3, Infinity), 'compacted');
  assert.equal(storage.term(1), 'compacted');
  assert.equal(storage.term(2), 2);
});

test('proposals: typed refusals with a leader hint, and a bounded queue', () => {
  const cluster = new TestCluster(['1', '2', '3'], { maxUncommittedEntriesBytes: 10 });
  const leader = cluster.elect('1');
  const follower = cluster.member('2');
  assert.deepEqual(follower.raw.propose(bytes('x')), {
    ok: false,
    error: { code: 'notLeader', leaderHint: '1' },
  });
  // Cut the leader off so nothing commits: the uncommitted bound fills up.
  cluster.members.delete('2');
  cluster.members.delete('3');
  assert.ok(leader.raw.propose(bytes('12345678')).ok);
  const full = leader.raw.propose(bytes('12345678'));
  assert.deepEqual(full, { ok: false, error: { code: 'proposalQueueFull', leaderHint: '1' } });
});

test('committed entries survive a restart from storage; applied entries are not re-delivered', () => {
  const cluster = new TestCluster(['1', '2', '3']);
  const leader = cluster.elect('1');
  for (const word of ['a', 'b', 'c']) assert.ok(leader.raw.propose(bytes(word)).ok);
  cluster.settle();
  cluster.tick(1);
  for (const member of cluster.members.values()) assert.deepEqual(member.applied, ['a', 'b', 'c']);
  const before = cluster.member('3').raw.status();
  const restarted = cluster.start('3', cluster.member('3').storage);
  const after = restarted.raw.status();
  assert.equal(after.term, before.term);
  assert.equal(after.vote, before.vote);
  assert.equal(after.commit, before.commit);
  // applied was the snapshot index (1), so the restarted node replays the committed tail.
  cluster.settle();
  assert.deepEqual(restarted.applied, ['a', 'b', 'c']);
});

test('membership: invalid changes are refused as data; one change at a time', () => {
  const cluster = new TestCluster(['1', '2', '3']);
  const leader = cluster.elect('1');
  const leave = leader.raw.proposeConfChange({ changes: [], transition: 'auto' });
  assert.equal(leave.ok ? 'ok' : leave.error.code, 'invalidConfChange');
  const removeAll = leader.raw.proposeConfChange({
    changes: ['1', '2', '3'].map((nodeId) => ({ type: 'removeNode' as const, nodeId })),
    transition: 'auto',
  });
  assert.equal(removeAll.ok ? 'ok' : removeAll.error.code, 'invalidConfChange');
  assert.ok(
    leader.raw.proposeConfChange({
      changes: [{ type: 'addLearner', nodeId: '4' }],
      transition: 'auto',
    }).ok,
  );
  const second = leader.raw.proposeConfChange({
    changes: [{ type: 'addLearner', nodeId: '5' }],
    transition: 'auto',
  });
  assert.equal(second.ok ? 'ok' : second.error.code, 'confChangeInProgress');
});

test('a leader that removes itself steps down and the rest elect a new one', () => {
  const cluster = new TestCluster(['1', '2', '3']);
  const leader = cluster.elect('1');
  assert.ok(
    leader.raw.proposeConfChange({
      changes: [{ type: 'removeNode', nodeId: '1' }],
      transition: 'auto',
    }).ok,
  );
  cluster.settle();
  assert.notEqual(leader.raw.status().role, 'leader');
  cluster.members.delete('1');
  cluster.tick(40);
  const leaders = [...cluster.members.values()].filter((m) => m.raw.status().role === 'leader');
  assert.equal(leaders.length, 1);
});

test('reads: ReadIndex needs a round, then the lease serves them at once; a bounded queue', () => {
  const cluster = new TestCluster(['1', '2', '3'], { maxPendingReads: 1 });
  const leader = cluster.elect('1');
  assert.ok(leader.raw.readIndex(bytes('r1')).ok);
  assert.equal(leader.readStates.length, 0, 'nothing before the round is confirmed');
  cluster.settle();
  assert.deepEqual(
    leader.readStates.map((r) => r.viaLease),
    [false],
  );
  assert.ok(leader.raw.status().leaseValid);
  assert.ok(leader.raw.readIndex(bytes('r2')).ok);
  cluster.settle();
  assert.deepEqual(
    leader.readStates.map((r) => r.viaLease),
    [false, true],
  );
  // Partitioned and past the lease, reads queue up to the bound and then are refused.
  cluster.members.delete('2');
  cluster.members.delete('3');
  for (let i = 0; i < 8; i++) leader.raw.tick();
  assert.equal(leader.raw.status().leaseValid, false);
  assert.ok(leader.raw.readIndex(bytes('r3')).ok);
  const refused = leader.raw.readIndex(bytes('r4'));
  assert.equal(refused.ok ? 'ok' : refused.error.code, 'readQueueFull');
});

test('a leadership transfer ends the lease for the rest of the term', () => {
  const cluster = new TestCluster(['1', '2', '3']);
  const leader = cluster.elect('1');
  assert.ok(leader.raw.readIndex(bytes('r')).ok);
  cluster.settle();
  assert.ok(leader.raw.status().leaseValid);
  // Hold back delivery so the transfer is in flight.
  assert.ok(leader.raw.transferLeadership('2').ok);
  assert.equal(leader.raw.status().leaseValid, false);
  cluster.settle();
  assert.equal(cluster.member('2').raw.status().role, 'leader');
});
