// Leader following against in-process doubles: several control-plane "replicas", of which only
// the leader answers; the others fail with UNAVAILABLE and the leader's address in a trailer,
// or are down. The agent's heartbeats land on the leader within the attempt bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { GrpcError, GrpcStatus } from '../../../lib/grpc/index.js';
import {
  InProcessMembership,
  LEADER_ADDRESS_TRAILER,
  LeaderFollowingMembership,
  MembershipAgent,
} from './membership.js';
import type { ControlPlaneMembership } from './membership.js';

/** Control-plane doubles by address: `leader` answers, `down` fail plainly, others redirect. */
class FakeControlPlanes {
  readonly backend = new InProcessMembership(250);
  leader = '';
  /** Where non-leaders point (defaults to the leader). */
  pointTo: string | undefined;
  readonly down = new Set<string>();
  readonly calls: string[] = [];
  closed = 0;

  connect = (address: string): ControlPlaneMembership & { close(): void } => ({
    registerNode: (request) => this.answer(address, () => this.backend.registerNode(request)),
    heartbeat: (request) => this.answer(address, () => this.backend.heartbeat(request)),
    close: () => {
      this.closed++;
    },
  });

  private answer<T>(address: string, call: () => Promise<T>): Promise<T> {
    this.calls.push(address);
    if (this.down.has(address))
      return Promise.reject(new GrpcError(GrpcStatus.UNAVAILABLE, `${address} is down`));
    if (address === this.leader) return call();
    const metadata = new Metadata();
    metadata.set(LEADER_ADDRESS_TRAILER, this.pointTo ?? this.leader);
    return Promise.reject(new GrpcError(GrpcStatus.UNAVAILABLE, 'not the leader', metadata));
  }
}

const node = { nodeId: 's1', address: '127.0.0.1:1', zone: '' };
const noReports = () => Promise.resolve([]);

test('heartbeats follow the leader trailer and stick to the leader', async () => {
  const planes = new FakeControlPlanes();
  planes.leader = 'c:3';
  const membership = new LeaderFollowingMembership(['a:1', 'b:2', 'c:3'], planes.connect);
  const agent = new MembershipAgent(membership, node, noReports);
  await agent.step();
  assert.equal(agent.lastError, undefined);
  assert.equal(agent.heartbeatIntervalMs, 250);
  assert.equal(planes.backend.nodes.get('s1')?.heartbeats, 1);
  // register: a (redirect) then c; heartbeat: straight to c.
  assert.deepEqual(planes.calls, ['a:1', 'c:3', 'c:3']);
  assert.equal(membership.currentAddress, 'c:3');
  // Leadership moves to b: one redirect, then b.
  planes.leader = 'b:2';
  planes.calls.length = 0;
  await agent.step();
  assert.equal(agent.lastError, undefined);
  assert.deepEqual(planes.calls, ['c:3', 'b:2']);
  assert.equal(membership.lastAttempts, 2);
  assert.equal(planes.backend.nodes.get('s1')?.heartbeats, 2);
  membership.close();
  assert.equal(planes.closed, 3);
});

test('a down replica is skipped for the next configured one', async () => {
  const planes = new FakeControlPlanes();
  planes.leader = 'b:2';
  planes.down.add('a:1');
  const membership = new LeaderFollowingMembership(['a:1', 'b:2', 'c:3'], planes.connect);
  const agent = new MembershipAgent(membership, node, noReports);
  await agent.step();
  assert.equal(agent.lastError, undefined);
  assert.deepEqual(planes.calls, ['a:1', 'b:2', 'b:2']);
});

test('a leader named outside the list is followed', async () => {
  const planes = new FakeControlPlanes();
  planes.leader = 'new:9';
  const membership = new LeaderFollowingMembership(['a:1'], planes.connect);
  await membership.registerNode(node);
  assert.deepEqual(planes.calls, ['a:1', 'new:9']);
  assert.equal(membership.currentAddress, 'new:9');
});

test('redirect loops and a cluster without a leader stop after list length + 1 attempts', async () => {
  const planes = new FakeControlPlanes();
  planes.leader = 'nowhere:0';
  planes.down.add('nowhere:0');
  planes.pointTo = 'b:2';
  const membership = new LeaderFollowingMembership(['a:1', 'b:2'], planes.connect);
  const agent = new MembershipAgent(membership, node, noReports);
  await agent.step();
  assert.match(agent.lastError ?? '', /not the leader/);
  assert.equal(planes.calls.length, 3);
  assert.equal(membership.lastAttempts, 3);
  // Every replica down: the same bound, and the error says why.
  planes.calls.length = 0;
  planes.down.add('a:1');
  planes.down.add('b:2');
  await agent.step();
  assert.match(agent.lastError ?? '', /is down/);
  assert.equal(planes.calls.length, 3);
  assert.equal(planes.backend.nodes.size, 0);
});
