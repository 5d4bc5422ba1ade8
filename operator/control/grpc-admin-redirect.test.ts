// Leader following in the gRPC admin client, against in-process ControlAdmin servers over
// 127.0.0.1 that play control-plane replicas: a leader that answers, and followers that end
// every call with UNAVAILABLE and the leader named in trailers, as the real control plane does.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { ControlAdmin } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { GrpcError, GrpcStatus, bindService, createGrpcServer } from '../../lib/grpc/index.js';
import type { GrpcServer } from '../../lib/grpc/index.js';
import type { GrpcControlPlaneAdmin } from './grpc-admin.js';
import {
  adminRedirectsMax,
  createGrpcControlPlaneAdmin,
  leaderAddressTrailer,
  leaderIdTrailer,
} from './grpc-admin.js';

/** One stand-in replica: leads, or redirects to `leader` (an address; '' for none known). */
interface ReplicaDouble {
  address: string;
  server: GrpcServer;
  calls: number;
  /** undefined: this replica leads. */
  redirectTo: string | undefined;
}

const servers: GrpcServer[] = [];
const clients: GrpcControlPlaneAdmin[] = [];
after(async () => {
  for (const client of clients) client.close();
  await Promise.all(servers.map((server) => server.shutdown(0)));
});

async function startReplica(redirectTo?: string): Promise<ReplicaDouble> {
  const replica: ReplicaDouble = {
    address: '',
    server: undefined as unknown as GrpcServer,
    calls: 0,
    redirectTo,
  };
  const answer = <T>(value: T): Promise<T> => {
    replica.calls += 1;
    if (replica.redirectTo === undefined) return Promise.resolve(value);
    const trailers = new Metadata();
    trailers.set(leaderIdTrailer, replica.redirectTo === '' ? '' : 'some-leader');
    if (replica.redirectTo !== '') trailers.set(leaderAddressTrailer, replica.redirectTo);
    return Promise.reject(
      new GrpcError(GrpcStatus.UNAVAILABLE, 'not the control-plane leader', trailers),
    );
  };
  replica.server = createGrpcServer([
    bindService(ControlAdmin, {
      getClusterStatus: () => answer({ partitionCount: 7, controlPlaneId: replica.address }),
      drainNode: () => answer({}),
      cancelDrain: () => answer({}),
      getNode: () => answer({}),
      getPartition: () => answer({}),
    }),
  ]);
  servers.push(replica.server);
  replica.address = `127.0.0.1:${await replica.server.listen('127.0.0.1', 0)}`;
  return replica;
}

function client(address: string, redirectsMax?: number): GrpcControlPlaneAdmin {
  const admin = createGrpcControlPlaneAdmin(address, {
    callTimeoutMs: 2_000,
    ...(redirectsMax === undefined ? {} : { redirectsMax }),
  });
  clients.push(admin);
  return admin;
}

test('a call to a follower is redirected to the leader, which later calls go to directly', async () => {
  const leader = await startReplica();
  const follower = await startReplica(leader.address);
  const admin = client(follower.address);
  const status = await admin.clusterStatus();
  assert.ok(status.ok);
  assert.equal(status.value.partitions, 7);
  assert.equal(admin.currentAddress, leader.address);
  assert.deepEqual([follower.calls, leader.calls], [1, 1]);
  assert.deepEqual(await admin.drainNode('demo-storage-3'), { ok: true, value: undefined });
  assert.deepEqual([follower.calls, leader.calls], [1, 2], 'the follower is not asked again');
});

test('followers pointing at each other end in a typed redirect-limit error, bounded', async () => {
  const first = await startReplica();
  const second = await startReplica(first.address);
  first.redirectTo = second.address;
  const admin = client(first.address);
  const status = await admin.clusterStatus();
  assert.equal(status.ok, false);
  assert.equal(status.ok ? '' : status.code, 'redirect-limit');
  assert.match(status.ok ? '' : status.error, /after 3 redirects/);
  assert.equal(first.calls + second.calls, adminRedirectsMax + 1);
  assert.equal(admin.currentAddress, first.address);
  const strict = client(first.address, 0);
  const once = await strict.drainNode('demo-storage-3');
  assert.equal(once.ok ? '' : once.code, 'redirect-limit');
  assert.equal(first.calls + second.calls, adminRedirectsMax + 2);
});

test('a follower that knows no leader yet is a no-leader error, not a redirect', async () => {
  const electing = await startReplica('');
  const admin = client(electing.address);
  const status = await admin.clusterStatus();
  assert.equal(status.ok ? '' : status.code, 'no-leader');
  assert.equal(electing.calls, 1);
});

test('when the remembered leader is gone, the next call starts again from the Service address', async () => {
  const oldLeader = await startReplica();
  const service = await startReplica(oldLeader.address);
  const admin = client(service.address);
  assert.ok((await admin.clusterStatus()).ok);
  assert.equal(admin.currentAddress, oldLeader.address);
  await oldLeader.server.shutdown(0);
  const newLeader = await startReplica();
  service.redirectTo = newLeader.address;
  const status = await admin.clusterStatus();
  assert.ok(status.ok, status.ok ? '' : status.error);
  assert.equal(admin.currentAddress, newLeader.address);
  assert.deepEqual([service.calls, newLeader.calls], [2, 1]);
});
