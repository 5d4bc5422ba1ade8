// The follower's half of the protocol: accepting appends, heartbeats and snapshots from
// the leader. Split from raft.ts to keep files small.

import { configFromConfState } from './conf-change.js';
import type { Raft } from './raft.js';
import type { RaftMessage, Snapshot } from './types.js';
import { makeMessage } from './types.js';

/** Appends a leader's entries if they connect to our log, or rejects with a hint. */
export function handleAppend(raft: Raft, m: RaftMessage): void {
  const reply = (fields: Partial<RaftMessage>): void =>
    raft.send(
      makeMessage({
        type: 'appendResponse',
        from: raft.id,
        to: m.from,
        term: raft.term,
        ...fields,
      }),
    );
  if (m.index < raft.log.committed) {
    reply({ index: raft.log.committed });
    return;
  }
  const lastNewIndex = raft.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNewIndex !== null) {
    reply({ index: lastNewIndex });
    return;
  }
  const [hintIndex, hintTerm] = raft.log.findConflictByTerm(
    Math.min(m.index, raft.log.lastIndex()),
    m.logTerm,
  );
  reply({ index: m.index, reject: true, rejectHint: hintIndex, logTerm: hintTerm });
}

/** Learns the commit index from a heartbeat and echoes its round. */
export function handleHeartbeat(raft: Raft, m: RaftMessage): void {
  // The leader sends min(match, commit), so this never commits past what we hold.
  raft.log.commitTo(Math.min(m.commit, raft.log.lastIndex()));
  raft.send(
    makeMessage({
      type: 'heartbeatResponse',
      from: raft.id,
      to: m.from,
      term: raft.term,
      round: m.round,
    }),
  );
}

/** Installs a snapshot from the leader (or fast-forwards the commit) and answers. */
export function handleSnapshot(raft: Raft, m: RaftMessage): void {
  const snapshot = m.snapshot;
  if (snapshot === undefined) throw new Error('raft: snapshot message without snapshot');
  const index = restore(raft, snapshot) ? raft.log.lastIndex() : raft.log.committed;
  raft.send(
    makeMessage({ type: 'appendResponse', from: raft.id, to: m.from, term: raft.term, index }),
  );
}

/** Installs a leader's snapshot if it is ahead of our commit; returns whether it was. */
function restore(raft: Raft, snapshot: Snapshot): boolean {
  const { index, term, confState } = snapshot.metadata;
  if (index <= raft.log.committed) return false;
  // The snapshot may predate our own addition (e.g. the bootstrap snapshot sent to a
  // new learner): we install it anyway and learn our membership from the conf-change
  // entries that follow. A node outside the configuration never campaigns.
  if (raft.log.matchTerm(index, term)) {
    // Our log already has the snapshot's last entry: just fast-forward the commit.
    raft.log.commitTo(index);
    return false;
  }
  raft.log.restore(snapshot);
  raft.switchToConfig(configFromConfState(raft.tracker, confState, raft.log.lastIndex()));
  return true;
}
