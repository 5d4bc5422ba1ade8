// The peers' snapshot path: a snapshot message split into InstallSnapshot chunks and
// reassembled; damaged, oversized and foreign snapshots refused before Raft sees them; and one
// real InstallSnapshot call over 127.0.0.1 from PeerSender to peerTransportService.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGrpcServer } from '../../../lib/grpc/index.js';
import type { RaftMessage, Snapshot } from '../../../lib/raft/index.js';
import { createInitialState } from '../core/state.js';
import { encodeSnapshotImage } from '../replica/snapshot-file.js';
import {
  PeerSender,
  peerTransportService,
  receiveSnapshot,
  snapshotRequests,
} from './peer-transport.js';

function snapshotMessage(index = 40, term = 3): RaftMessage & { snapshot: Snapshot } {
  const confState = {
    voters: ['cp-1', 'cp-2', 'cp-3'],
    learners: [],
    votersOutgoing: [],
    learnersNext: [],
    autoLeave: false,
  };
  return {
    type: 'snapshot',
    from: 'cp-1',
    to: 'cp-2',
    term,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    round: 0,
    forceVote: false,
    snapshot: {
      metadata: { index, term, confState },
      data: encodeSnapshotImage(index, term, createInitialState()),
    },
  };
}

async function* stream<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

describe('control-plane snapshot transport', () => {
  it('splits a snapshot into chunks and reassembles the same message', async () => {
    const message = snapshotMessage();
    const requests = snapshotRequests('cp-1', message, 64);
    assert.ok(requests.length > 3);
    assert.equal(requests.filter((r) => r.last).length, 1);
    assert.equal(requests.filter((r) => r.metadata.length > 0).length, 1);
    const received = await receiveSnapshot(stream(requests));
    assert.ok(received.ok);
    assert.deepEqual(received.message.snapshot?.metadata, message.snapshot.metadata);
    assert.deepEqual(received.message.snapshot?.data, message.snapshot.data);
    assert.equal(received.message.to, 'cp-2');
    assert.equal(received.message.term, 3);
  });

  it('refuses damaged, mismatched, oversized and foreign snapshots', async () => {
    const message = snapshotMessage();
    const requests = snapshotRequests('cp-1', message, 64);
    const damaged = requests.map((r, i) => {
      if (i !== 2) return r;
      const chunk = r.chunk.slice();
      chunk[5] = (chunk[5] ?? 0) ^ 0xff;
      return { ...r, chunk };
    });
    const refusedDamaged = await receiveSnapshot(stream(damaged));
    assert.match(refusedDamaged.ok ? '' : refusedDamaged.reason, /checksum/);
    const mismatched = snapshotRequests('cp-1', {
      ...message,
      snapshot: { ...message.snapshot, metadata: { ...message.snapshot.metadata, index: 41 } },
    });
    const refusedMismatch = await receiveSnapshot(stream(mismatched));
    assert.match(refusedMismatch.ok ? '' : refusedMismatch.reason, /not 41/);
    const refusedSize = await receiveSnapshot(stream(requests), 100);
    assert.match(refusedSize.ok ? '' : refusedSize.reason, /over 100 bytes/);
    const malformed = requests.map((r, i) =>
      i === 0 ? { ...r, metadata: new TextEncoder().encode('{"from":"cp-1","to":"cp-2"}') } : r,
    );
    const refusedMalformed = await receiveSnapshot(stream(malformed));
    assert.match(refusedMalformed.ok ? '' : refusedMalformed.reason, /malformed snapshot metadata/);
    const foreign = requests.map((r) => ({ ...r, groupId: 'p-7' }));
    const refusedForeign = await receiveSnapshot(stream(foreign));
    assert.match(refusedForeign.ok ? '' : refusedForeign.reason, /not the control group/);
  });

  it('sends a snapshot over InstallSnapshot and reports it installed', async () => {
    const delivered: RaftMessage[] = [];
    const server = createGrpcServer([
      peerTransportService((message) => {
        delivered.push(message);
        return Promise.resolve();
      }),
    ]);
    const port = await server.listen('127.0.0.1', 0);
    const statuses: [string, boolean, string][] = [];
    let reported: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const sender = new PeerSender(
      'cp-1',
      new Map([
        ['cp-1', '127.0.0.1:1'],
        ['cp-2', `127.0.0.1:${port}`],
      ]),
      () => {},
      {
        onSnapshotStatus: (peerId, installed, reason) => {
          statuses.push([peerId, installed, reason]);
          reported();
        },
      },
    );
    try {
      const message = snapshotMessage();
      sender.send([message]);
      // A second snapshot for the same peer while one is in flight is not sent twice.
      sender.send([message]);
      await done;
      assert.deepEqual(statuses, [['cp-2', true, '']]);
      assert.equal(delivered.length, 1);
      assert.deepEqual(delivered[0]?.snapshot?.data, message.snapshot.data);
      assert.deepEqual(sender.stats, { snapshotsSent: 1, snapshotFailures: 0 });
    } finally {
      sender.close();
      await server.shutdown(1_000);
    }
  });
});
