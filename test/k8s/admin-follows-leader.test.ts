// The operator's admin client pointed at a control-plane FOLLOWER, as it is when the control
// plane's Kubernetes Service picks any replica: three real control-plane processes
// (services/control-plane/main.ts); the follower answers UNAVAILABLE with the leader's address
// in a trailer and the client follows it. When the leader is killed, the client's next calls
// find the new leader through the address it was configured with.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createGrpcControlPlaneAdmin } from '../../operator/control/grpc-admin.js';
import type { GrpcControlPlaneAdmin } from '../../operator/control/grpc-admin.js';
import { pollUntil } from '../helpers/poll.js';
import { TesseraProcesses, findLeader } from './tessera-processes.js';

const processes = new TesseraProcesses();
let admin: GrpcControlPlaneAdmin | undefined;
after(async () => {
  admin?.close();
  await processes.stopAll();
});

test('the admin client reaches the leader through a follower, and again after the leader dies', async () => {
  const ids = ['control-0', 'control-1', 'control-2'];
  const replicas = await processes.startControlPlane(ids, await processes.ports(3), [
    '--storage-actions=false',
  ]);
  const leader = await findLeader(replicas);
  const follower = replicas.find((replica) => replica !== leader);
  assert.ok(follower);
  admin = createGrpcControlPlaneAdmin(follower.address);

  const status = await admin.clusterStatus();
  assert.ok(status.ok, status.ok ? '' : `${status.code}: ${status.error}`);
  assert.equal(admin.currentAddress, leader.address, 'the follower named the leader');
  // A logged command through the follower reaches the leader's state machine: the leader
  // refuses to drain a node it has never seen, with the control plane's typed error.
  const refused = await admin.drainNode('demo-storage-9');
  assert.equal(refused.ok, false);
  assert.equal(refused.ok ? '' : refused.code, 'rejected');
  assert.match(refused.ok ? '' : refused.error, /^NodeNotFound: /);

  leader.process.signal('SIGKILL');
  await leader.process.exited;
  const survivors = replicas.filter((replica) => replica !== leader);
  const next = await findLeader(survivors);
  // The remembered leader is gone: the client starts again from the follower it was given
  // (which may itself have become leader) and follows it to the new leader.
  const after = await pollUntil(
    async () => {
      const answer = await admin?.clusterStatus();
      return answer?.ok === true ? answer.value : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, description: 'the new leader through the client' },
  );
  assert.equal(after.nodes.length, 0);
  assert.equal(admin.currentAddress, next.address);
});
