// The leader's half of the protocol: sending appends, snapshots and heartbeats under
// flow control, and handling the followers' answers. Split from raft.ts to keep files
// small; these functions operate on a Raft that is leader.

import type { Raft } from './raft.js';
import type { NodeId, RaftMessage } from './types.js';
import { entrySizeBytes, makeMessage } from './types.js';

/**
 * Sends the follower `to` what it is missing, if flow control allows. With
 * `sendIfEmpty` false nothing is sent when there are no new entries. Returns whether a
 * message was sent (callers loop on it to fill the in-flight window).
 */
export function maybeSendAppend(raft: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = raft.tracker.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = raft.log.term(prevIndex);
  const lastIndex = raft.log.lastIndex();
  if (!sendIfEmpty && pr.next > lastIndex) return false;
  const entries =
    typeof prevTerm === 'number'
      ? raft.log.entriesFrom(pr.next, raft.config.maxSizePerMessageBytes)
      : prevTerm;
  if (typeof prevTerm !== 'number' || typeof entries === 'string') {
    return sendSnapshot(raft, to);
  }
  let bytes = 0;
  for (const entry of entries) bytes += entrySizeBytes(entry);
  raft.send(
    makeMessage({
      type: 'append',
      from: raft.id,
      to,
      term: raft.term,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: raft.log.committed,
    }),
  );
  const last = entries.length > 0 ? (entries[entries.length - 1] as { index: number }).index : 0;
  pr.sentEntries(entries.length, last, bytes);
  return true;
}

function sendSnapshot(raft: Raft, to: NodeId): boolean {
  const pr = raft.tracker.progress.get(to);
  // Snapshots are expensive: only send one to a follower known to be alive.
  if (pr === undefined || !pr.recentActive) return false;
  const snapshot = raft.log.snapshot();
  if (typeof snapshot === 'string') return false;
  pr.becomeSnapshot(snapshot.metadata.index);
  raft.send(makeMessage({ type: 'snapshot', from: raft.id, to, term: raft.term, snapshot }));
  return true;
}

/** Sends appends to every follower (empty ones too, to carry the commit index). */
export function broadcastAppend(raft: Raft): void {
  for (const id of raft.tracker.memberIds()) if (id !== raft.id) maybeSendAppend(raft, id, true);
}

/** Opens a heartbeat round and sends it to every follower. */
export function sendHeartbeats(raft: Raft): void {
  const round = raft.reads.nextRound(raft.tickCount, raft.config.electionTicks * 2);
  for (const id of raft.tracker.memberIds()) {
    if (id === raft.id) continue;
    const pr = raft.tracker.progress.get(id);
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(pr?.match ?? 0, raft.log.committed);
    raft.send(
      makeMessage({ type: 'heartbeat', from: raft.id, to: id, term: raft.term, commit, round }),
    );
  }
  // A lone voter confirms its own rounds.
  raft.readStates.push(
    ...raft.reads.acknowledge(raft.id, round, (acked) => raft.tracker.quorumValue(acked), raft.id),
  );
}

/** Handles a message addressed to a leader of the current term. */
export function handleLeaderMessage(raft: Raft, m: RaftMessage): void {
  const pr = raft.tracker.progress.get(m.from);
  if (pr === undefined) return;
  if (m.type === 'appendResponse') {
    pr.recentActive = true;
    handleAppendResponse(raft, m);
  } else if (m.type === 'heartbeatResponse') {
    pr.recentActive = true;
    if (pr.state === 'replicate' && pr.inflights.full()) {
      // Appends in the window may have been lost: free one slot so replication cannot
      // stall forever (the follower rejects a gap and we fall back to probing).
      pr.inflights.freeFirst();
    }
    pr.paused = pr.state === 'replicate' ? pr.inflights.full() : false;
    if (pr.match < raft.log.lastIndex()) maybeSendAppend(raft, m.from, true);
    if (m.round > 0 && raft.tracker.isVoter(m.from)) {
      const released = raft.reads.acknowledge(
        m.from,
        m.round,
        (acked) => raft.tracker.quorumValue(acked),
        raft.id,
      );
      raft.readStates.push(...released);
    }
  }
}

function handleAppendResponse(raft: Raft, m: RaftMessage): void {
  const pr = raft.tracker.progress.get(m.from);
  if (pr === undefined) return;
  if (m.reject) {
    let nextProbeIndex = m.rejectHint;
    if (m.logTerm > 0) {
      // Skip over the follower's conflicting term in one step (etcd's optimisation).
      nextProbeIndex = raft.log.findConflictByTerm(m.rejectHint, m.logTerm)[0];
    }
    if (pr.maybeDecrTo(m.index, nextProbeIndex)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      maybeSendAppend(raft, m.from, true);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) return;
  if (pr.state === 'probe') {
    pr.becomeReplicate();
  } else if (pr.state === 'snapshot' && pr.match + 1 >= raft.log.firstIndex()) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === 'replicate') {
    pr.inflights.freeLE(m.index);
    pr.paused = pr.inflights.full();
  }
  if (raft.maybeCommit()) {
    broadcastAppend(raft);
  } else if (wasPaused) {
    // The follower was waiting on us: send at least an empty append carrying the commit.
    maybeSendAppend(raft, m.from, true);
  }
  while (maybeSendAppend(raft, m.from, false));
  if (m.from === raft.leadTransferee && pr.match === raft.log.lastIndex()) {
    raft.sendTimeoutNow(m.from);
  }
}
