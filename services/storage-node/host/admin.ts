// Partition lifecycle operations the control plane drives: membership changes through learners,
// leadership transfer, splits, dropping a table, and the reports it places partitions by.
import type { ConfChangeSingle } from '../../../lib/raft/index.js';
import { compareBytes } from '../engine/bytes.js';
import type { StorageHost } from './host.js';
import { hashHex, type PartitionMeta } from './partition-meta.js';
import type { Replica } from './replica.js';
import { routed, type HostAnswer, type PartitionAddress } from './routing.js';
import type { SplitApplied } from './state-machine.js';

/** A learner within this many entries of the leader's commit index counts as caught up. */
export const caughtUpLagMax = 64;

async function changeMembership(
  host: StorageHost,
  replica: Replica,
  change: ConfChangeSingle,
): Promise<HostAnswer<null>> {
  const answer = await replica.proposeConfChange({ changes: [change], transition: 'auto' });
  return answer.kind === 'done' ? { kind: 'ok', value: null } : host.refusal(answer);
}

/** Adds a learner (sent to the leader): records its address, then the membership change. */
export async function addLearner(
  host: StorageHost,
  address: PartitionAddress,
  nodeId: string,
  nodeAddress: string,
): Promise<HostAnswer<null>> {
  const resolved = host.resolve(address);
  if (resolved.kind !== 'ok') return resolved;
  host.addresses.set(nodeId, nodeAddress);
  const recorded = await resolved.value.propose({
    kind: 'addresses',
    addresses: { [nodeId]: nodeAddress },
  });
  if (recorded.kind !== 'done') return host.refusal(recorded);
  return changeMembership(host, resolved.value, { type: 'addLearner', nodeId });
}

/**
 * Whether a member's log is within {@link caughtUpLagMax} of the leader's commit. The member
 * must have acknowledged something (match > 0): a learner that has received nothing yet would
 * otherwise pass while the group's log is shorter than the lag bound, and promoting it would
 * add an empty voter.
 */
export function caughtUp(replica: Replica, nodeId: string): boolean {
  const status = replica.status();
  const progress = status.progress[nodeId];
  return (
    progress !== undefined && progress.match > 0 && progress.match + caughtUpLagMax >= status.commit
  );
}

/** Promotes a caught-up learner to voter; `false` when it is not caught up yet. */
export async function promoteLearner(
  host: StorageHost,
  address: PartitionAddress,
  nodeId: string,
): Promise<HostAnswer<boolean>> {
  const resolved = host.resolve(address);
  if (resolved.kind !== 'ok') return resolved;
  const replica = resolved.value;
  if (replica.role !== 'leader') return host.refusal(notLeader(replica));
  if (!caughtUp(replica, nodeId)) return { kind: 'ok', value: false };
  const changed = await changeMembership(host, replica, { type: 'addVoter', nodeId });
  return changed.kind === 'ok' ? { kind: 'ok', value: true } : changed;
}

function notLeader(replica: Replica) {
  return { kind: 'not-leader' as const, leaderId: replica.leaderId, term: replica.status().term };
}

/** Removes a member from the group (sent to the leader). */
export async function removeReplica(
  host: StorageHost,
  address: PartitionAddress,
  nodeId: string,
): Promise<HostAnswer<null>> {
  const resolved = host.resolve(address);
  if (resolved.kind !== 'ok') return resolved;
  return changeMembership(host, resolved.value, { type: 'removeNode', nodeId });
}

/** Starts a leadership transfer to another voter. */
export function transferLeadership(
  host: StorageHost,
  address: PartitionAddress,
  toNodeId: string,
): HostAnswer<null> {
  const resolved = host.resolve(address);
  if (resolved.kind !== 'ok') return resolved;
  const answer = resolved.value.transferLeadership(toNodeId);
  return answer.kind === 'done' ? { kind: 'ok', value: null } : host.refusal(answer);
}

/** Splits a partition at `splitHash` through the log; answers the new epoch. */
export async function splitPartition(
  host: StorageHost,
  address: PartitionAddress,
  splitHash: Uint8Array,
  newPartitionId: string,
): Promise<HostAnswer<number>> {
  const resolved = host.resolve(address);
  if (resolved.kind !== 'ok') return resolved;
  const replica = resolved.value;
  const meta = replica.meta;
  const inside =
    splitHash.length === 16 &&
    compareBytes(splitHash, meta.hashStart) > 0 &&
    (meta.hashEnd === undefined || compareBytes(splitHash, meta.hashEnd) < 0);
  if (!inside || newPartitionId === '' || host.replica(newPartitionId) !== undefined)
    return routed({
      kind: 'unavailable',
      reason: 'invalid split: point outside the range or id in use',
    });
  const answer = await replica.propose({
    kind: 'split',
    splitHash: hashHex(splitHash),
    newPartitionId,
    epoch: meta.epoch + 1,
  });
  if (answer.kind !== 'done') return host.refusal(answer);
  const applied = answer.value as SplitApplied;
  if (applied.kind === 'refused') return routed({ kind: 'unavailable', reason: applied.reason });
  return { kind: 'ok', value: replica.meta.epoch };
}

/**
 * Drops this node's replica of a partition the control plane no longer places here: one removed
 * from its group that never learned it (the leader stops talking to a removed member once the
 * removal commits). Refused while the replica leads (it may not be stray after all) or when its
 * epoch is not the caller's (a split the caller has not seen).
 */
export async function dropReplica(
  host: StorageHost,
  address: PartitionAddress,
): Promise<{ dropped: boolean; reason: string }> {
  // A replica that could not restart (a corrupted log) is forgotten whatever its epoch: it
  // serves nothing, and the partition can then be re-created here from its peers.
  if (await host.forgetBroken(address.partitionId)) return { dropped: true, reason: '' };
  const replica = host.replica(address.partitionId);
  if (replica === undefined) return { dropped: false, reason: 'not hosted here' };
  if (replica.meta.tableId !== address.tableId) return { dropped: false, reason: 'another table' };
  if (replica.meta.epoch !== address.epoch)
    return { dropped: false, reason: `replica at epoch ${replica.meta.epoch}` };
  if (replica.role === 'leader') return { dropped: false, reason: 'the replica leads its group' };
  await host.destroyReplica(address.partitionId);
  return { dropped: true, reason: '' };
}

/** Drops every replica of a table on this node; answers how many. */
export async function dropTable(host: StorageHost, tableId: string): Promise<number> {
  const doomed = host.allReplicas().filter((replica) => replica.meta.tableId === tableId);
  for (const replica of doomed) await host.destroyReplica(replica.meta.partitionId);
  let broken = 0;
  for (const { meta } of host.brokenReplicas()) {
    if (meta.tableId === tableId && (await host.forgetBroken(meta.partitionId))) broken += 1;
  }
  return doomed.length + broken;
}

/** What one replica reports to the control plane. */
export interface ReplicaReport {
  readonly meta: PartitionMeta;
  readonly leader: boolean;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly caughtUpNodeIds: readonly string[];
  readonly stoppedReason: string | undefined;
}

/** Reports of every replica on this node, those that could not restart included (stopped). */
export function partitionReports(host: StorageHost): ReplicaReport[] {
  const broken = host.brokenReplicas().map(({ meta, reason }) => ({
    meta,
    leader: false,
    term: 0,
    commitIndex: 0,
    appliedIndex: 0,
    caughtUpNodeIds: [],
    stoppedReason: reason,
  }));
  return [
    ...broken,
    ...host.allReplicas().map((replica) => {
      const status = replica.status();
      const leader = replica.role === 'leader';
      const members = [...status.confState.voters, ...status.confState.learners];
      return {
        meta: replica.meta,
        leader,
        term: status.term,
        commitIndex: status.commit,
        appliedIndex: replica.applied,
        caughtUpNodeIds: leader ? members.filter((nodeId) => caughtUp(replica, nodeId)) : [],
        stoppedReason: replica.stopped,
      };
    }),
  ];
}
