// Coalesced heartbeats: every group's plain heartbeats and answers to one peer travel as
// (group, term, commit, round); the receiver rebuilds exactly the messages that were sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeMessage } from '../../../lib/raft/index.js';
import { ExchangeRequestSchema } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { AddressedMessage } from '../host/host.js';
import { coalesce, expandHeartbeats, messageToProto } from './raft-codec.js';

test('plain heartbeats and answers coalesce and come back identical; others stay whole', () => {
  const sent: AddressedMessage[] = [
    {
      partitionId: 'p1',
      message: makeMessage({
        type: 'heartbeat',
        from: 'n1',
        to: 'n2',
        term: 7,
        commit: 41,
        round: 3,
      }),
    },
    {
      partitionId: 'p2',
      message: makeMessage({ type: 'heartbeatResponse', from: 'n1', to: 'n2', term: 4, round: 9 }),
    },
    {
      partitionId: 'p3',
      message: makeMessage({ type: 'append', from: 'n1', to: 'n2', term: 7, index: 5, logTerm: 7 }),
    },
    {
      // A heartbeat carrying what the coalesced form lacks travels whole.
      partitionId: 'p4',
      message: makeMessage({ type: 'heartbeat', from: 'n1', to: 'n2', term: 2, forceVote: true }),
    },
  ];
  const { heartbeats, others } = coalesce(sent);
  assert.deepEqual(
    heartbeats.map((h) => h.groupId),
    ['p1', 'p2'],
  );
  assert.deepEqual(
    others.map((m) => m.partitionId),
    ['p3', 'p4'],
  );
  // Through the wire form of one Exchange batch and back.
  const wire = toBinary(
    ExchangeRequestSchema,
    create(ExchangeRequestSchema, {
      fromNodeId: 'n1',
      messages: others.map(messageToProto),
      heartbeats,
    }),
  );
  const received = fromBinary(ExchangeRequestSchema, wire);
  const rebuilt = expandHeartbeats(received.heartbeats, received.fromNodeId, 'n2');
  assert.deepEqual(rebuilt, sent.slice(0, 2));
});
