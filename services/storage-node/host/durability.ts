// What a replica's log holds durably while several of its log writes are in flight, and which
// Raft messages may therefore leave before the write of their own Ready is durable.
//
// The replica hands Ready after Ready to the shared log without waiting for each sync (the
// log's group commit makes them durable in the order they were queued). Everything that
// promises durable state — an acknowledgement, a vote, an applied entry — waits for the
// watermark below instead. Pure bookkeeping: no clock, no I/O of its own.
import type { HardState, RaftMessage } from '../../../lib/raft/index.js';
import type { LogResult } from './log-provider.js';

/** One queued log write, until it is durable. */
interface InFlightWrite {
  /** Index of its first entry (it may replace the log's suffix from there); undefined: none. */
  readonly firstNew: number | undefined;
  /** The log's last index once it was queued. */
  readonly lastIndex: number;
  readonly hardState: HardState | null;
}

/** Term and vote of a hard state (what a message must never get ahead of). */
interface TermVote {
  readonly term: number;
  readonly vote: string;
}

/** The durable prefix of one replica's log, and its durable term and vote. */
export class DurableWatermark {
  /** Every entry up to here is on disk and stays in the log after the writes in flight. */
  index: number;
  /** Term and vote as durable on disk. */
  durable: TermVote;
  /** Term and vote as last handed to the log (durable or not). */
  private issued: TermVote;
  private readonly inFlight: InFlightWrite[] = [];
  private tail: Promise<LogResult<void>> = Promise.resolve({ ok: true, value: undefined });

  constructor(lastIndex: number, hardState: TermVote) {
    this.index = lastIndex;
    this.durable = { term: hardState.term, vote: hardState.vote };
    this.issued = this.durable;
  }

  /** Log writes queued and not yet durable. */
  get writesInFlight(): number {
    return this.inFlight.length;
  }

  /**
   * Records a log write just queued (`lastIndex`: the log's last index after queueing it) and
   * returns a promise that resolves, in queue order, once it and every write before it are
   * durable and the watermark says so; with the first failure otherwise.
   */
  issue(
    write: { firstNew: number | undefined; hardState: HardState | null; lastIndex: number },
    persisted: Promise<LogResult<void>>,
  ): Promise<LogResult<void>> {
    const record: InFlightWrite = { ...write };
    // Entries from firstNew on are being replaced: the old ones no longer count as durable.
    if (record.firstNew !== undefined) this.index = Math.min(this.index, record.firstNew - 1);
    if (record.hardState !== null) this.issued = record.hardState;
    this.inFlight.push(record);
    const done = this.tail.then(async (before): Promise<LogResult<void>> => {
      const result = await persisted.catch((error: unknown) => ({
        ok: false as const,
        reason: error instanceof Error ? error.message : String(error),
      }));
      this.inFlight.shift();
      if (!before.ok) return before;
      if (!result.ok) return result;
      let index = record.lastIndex;
      for (const later of this.inFlight)
        if (later.firstNew !== undefined) index = Math.min(index, later.firstNew - 1);
      this.index = index;
      if (record.hardState !== null) this.durable = record.hardState;
      return result;
    });
    this.tail = done;
    return done;
  }

  /** Resolves once every write queued so far is durable (or one failed). */
  idle(): Promise<LogResult<void>> {
    return this.tail;
  }

  /** Whether the term and vote last handed to the log are durable. */
  termVoteDurable(): boolean {
    return this.issued.term === this.durable.term && this.issued.vote === this.durable.vote;
  }
}

/**
 * Which of a Ready's messages may leave before its log write is durable: a leader's appends and
 * heartbeats, once its term and vote are durable (a new term or a vote must be on disk before
 * anyone hears of it), with their commit index lowered to what its durable log covers (a
 * follower must not apply an entry that only a minority may hold on disk; a lower commit index
 * is always safe, the next message carries more). Raft thesis §10.2.1: the leader writes its log
 * in parallel with replicating it. Everything else (votes, acknowledgements, snapshots) waits.
 */
export function splitMessages(
  messages: readonly RaftMessage[],
  leading: boolean,
  durableIndex: number,
): { early: RaftMessage[]; late: RaftMessage[] } {
  const early: RaftMessage[] = [];
  const late: RaftMessage[] = [];
  for (const message of messages) {
    if (!leading || (message.type !== 'append' && message.type !== 'heartbeat')) {
      late.push(message);
    } else if (message.commit <= durableIndex) {
      early.push(message);
    } else {
      early.push({ ...message, commit: durableIndex });
    }
  }
  return { early, late };
}
