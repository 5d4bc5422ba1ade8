/**
 * record-partition-stats: stores the size and item count storage leaders last reported for
 * their partitions. DescribeTable sums them (DynamoDB's own figures are approximate too). The
 * epoch guards against a report about a partition that has split since it was measured.
 */
import { lookup } from '../state.js';
import type { ControlState, PartitionRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** One partition's figures. */
export interface PartitionStatsReport {
  readonly partitionId: string;
  readonly epoch: number;
  readonly sizeBytes: number;
  readonly itemCount: number;
}

/** Record a batch of partition figures. */
export interface RecordPartitionStatsCommand extends CommandBase {
  readonly type: 'record-partition-stats';
  readonly reports: readonly PartitionStatsReport[];
}

/** Reports in one command (a limit on the command's size in the log). */
export const STATS_REPORTS_PER_COMMAND_MAX = 1_000;

/** Applies {@link RecordPartitionStatsCommand}; the result is how many reports were current. */
export function applyRecordPartitionStats(
  state: ControlState,
  command: RecordPartitionStatsCommand,
  _context: ApplyContext,
): ApplyOutcome<number> {
  if (command.reports.length > STATS_REPORTS_PER_COMMAND_MAX) {
    return rejectWith(
      state,
      'MalformedCommand',
      `${command.reports.length} reports in one command (limit ${STATS_REPORTS_PER_COMMAND_MAX})`,
    );
  }
  const partitions: Record<string, PartitionRecord> = { ...state.partitions };
  let applied = 0;
  for (const report of command.reports) {
    const partition = lookup(partitions, report.partitionId);
    // A report about an older epoch measured a range that no longer exists: drop it.
    if (partition === undefined || partition.epoch !== report.epoch) continue;
    if (!Number.isSafeInteger(report.sizeBytes) || !Number.isSafeInteger(report.itemCount))
      continue;
    if (report.sizeBytes < 0 || report.itemCount < 0) continue;
    partitions[partition.partitionId] = {
      ...partition,
      sizeBytes: report.sizeBytes,
      itemCount: report.itemCount,
    };
    applied += 1;
  }
  return accepted(applied === 0 ? state : { ...state, partitions }, applied);
}
