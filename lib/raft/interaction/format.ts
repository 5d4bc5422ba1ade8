// Compact, stable text renderings of Raft data for interaction test output.

import type { Ready } from '../raw-node.js';
import type { ConfState, Entry, RaftMessage } from '../types.js';
import { decodeConfChange } from '../types.js';

const decoder = new TextDecoder();

/** `index/term kind data`, e.g. `3/2 normal "x=1"`. */
export function formatEntry(entry: Entry): string {
  if (entry.type === 'confChange') {
    const change = decodeConfChange(entry.data);
    const parts = change.changes.map(
      (c) => `${c.type === 'addVoter' ? 'v' : c.type === 'addLearner' ? 'l' : 'r'}${c.nodeId}`,
    );
    const transition = change.transition === 'explicit' ? ' explicit' : '';
    return `${entry.index}/${entry.term} confChange [${parts.join(' ')}]${transition}`;
  }
  return `${entry.index}/${entry.term} normal ${JSON.stringify(decoder.decode(entry.data))}`;
}

/** One line per message, showing only the fields its type uses. */
export function formatMessage(message: RaftMessage): string {
  const head = `${message.from}->${message.to} ${message.type} term=${message.term}`;
  switch (message.type) {
    case 'append': {
      const entries = message.entries.map(formatEntry).join(', ');
      return `${head} log=${message.index}/${message.logTerm} commit=${message.commit} entries=[${entries}]`;
    }
    case 'appendResponse':
      return message.reject
        ? `${head} rejected index=${message.index} hint=${message.rejectHint}/${message.logTerm}`
        : `${head} index=${message.index}`;
    case 'vote':
    case 'preVote':
      return `${head} last=${message.index}/${message.logTerm}${message.forceVote ? ' forced' : ''}`;
    case 'voteResponse':
    case 'preVoteResponse':
      return `${head}${message.reject ? ' rejected' : ' granted'}`;
    case 'heartbeat':
      return `${head} commit=${message.commit} round=${message.round}`;
    case 'heartbeatResponse':
      return `${head} round=${message.round}`;
    case 'snapshot': {
      const metadata = message.snapshot?.metadata;
      return `${head} snapshot=${metadata?.index ?? 0}/${metadata?.term ?? 0} ${formatConfState(metadata?.confState)}`;
    }
    case 'timeoutNow':
      return head;
  }
}

/** `voters=(1 2 3) learners=(4)`, with the outgoing half while joint. */
export function formatConfState(confState: ConfState | undefined): string {
  if (confState === undefined) return 'voters=()';
  let text = `voters=(${confState.voters.join(' ')})`;
  if (confState.votersOutgoing.length > 0) text += `&&(${confState.votersOutgoing.join(' ')})`;
  if (confState.learners.length > 0) text += ` learners=(${confState.learners.join(' ')})`;
  if (confState.learnersNext.length > 0)
    text += ` learners_next=(${confState.learnersNext.join(' ')})`;
  if (confState.autoLeave) text += ' autoleave';
  return text;
}

/** The parts of a Ready worth showing, indented under a header line. */
export function formatReady(id: string, ready: Ready): string[] {
  const lines = [`> ${id} handling Ready`];
  if (ready.softState !== null) {
    lines.push(`  Lead:${ready.softState.leader || '-'} State:${ready.softState.role}`);
  }
  if (ready.hardState !== null) {
    const hs = ready.hardState;
    lines.push(`  HardState Term:${hs.term} Vote:${hs.vote || '-'} Commit:${hs.commit}`);
  }
  if (ready.snapshot !== null) {
    const metadata = ready.snapshot.metadata;
    lines.push(
      `  Snapshot ${metadata.index}/${metadata.term} ${formatConfState(metadata.confState)}`,
    );
  }
  if (ready.entries.length > 0) {
    lines.push('  Entries:');
    for (const entry of ready.entries) lines.push(`    ${formatEntry(entry)}`);
  }
  if (ready.committedEntries.length > 0) {
    lines.push('  CommittedEntries:');
    for (const entry of ready.committedEntries) lines.push(`    ${formatEntry(entry)}`);
  }
  if (ready.messages.length > 0) {
    lines.push('  Messages:');
    for (const message of ready.messages) lines.push(`    ${formatMessage(message)}`);
  }
  for (const readState of ready.readStates) {
    const how = readState.viaLease ? 'lease' : 'round';
    lines.push(
      `  ReadState index=${readState.index} context=${decoder.decode(readState.context)} via=${how}`,
    );
  }
  return lines;
}
