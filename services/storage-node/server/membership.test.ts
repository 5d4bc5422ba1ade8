// Membership against the in-process control plane: the agent registers, then heartbeats with
// the reports of the host's replicas; a control plane that forgets the node gets a new
// registration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryEngine } from '../engine/memory-engine.js';
import { StorageHost } from '../host/host.js';
import { memoryLogProvider } from '../host/log-provider.js';
import { MemoryNetwork, tickUntil } from '../host/memory-network.js';
import { buildReports } from './admin-service.js';
import { InProcessMembership, MembershipAgent } from './membership.js';
import { RequestRates } from './partition-stats.js';

test('the node registers, heartbeats its partition reports, and re-registers', async () => {
  const network = new MemoryNetwork();
  const engine = createMemoryEngine();
  const host = await StorageHost.open({
    nodeId: 'n1',
    engine,
    logs: memoryLogProvider(),
    sender: network.sender('n1'),
    seed: 1,
  });
  network.attach(host);
  await host.createReplica({
    tableId: 't1',
    tableName: 'Things',
    schema: { partitionKey: { name: 'id', type: 'S' } },
    partitionId: 'p1',
    hashStart: new Uint8Array(16),
    hashEnd: undefined,
    epoch: 3,
    members: [{ nodeId: 'n1', address: 'n1:1', learner: false }],
  });
  assert.ok(await tickUntil([host], () => host.replica('p1')?.role === 'leader', 100));
  let clock = 0;
  const rates = new RequestRates(() => clock);
  for (let i = 0; i < 10; i++) rates.record('p1', 'write');
  clock = 2_000;
  const controlPlane = new InProcessMembership(500);
  const agent = new MembershipAgent(
    controlPlane,
    { nodeId: 'n1', address: 'n1:1', zone: 'z1' },
    () => buildReports(host, engine, rates),
  );
  await agent.step();
  assert.equal(agent.heartbeatIntervalMs, 500);
  const known = controlPlane.nodes.get('n1');
  assert.equal(known?.zone, 'z1');
  assert.equal(known?.heartbeats, 1);
  const report = known?.reports[0];
  assert.equal(report?.partitionId, 'p1');
  assert.equal(report?.epoch, 3n);
  assert.equal(report?.leader, true);
  assert.equal(report?.writesPerSecond, 5);
  controlPlane.nodes.clear();
  await agent.step();
  assert.ok(agent.lastError !== undefined);
  await agent.step();
  assert.equal(controlPlane.nodes.get('n1')?.heartbeats, 1);
  host.close();
});
