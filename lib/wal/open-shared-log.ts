// Opening the shared log: read every segment, replay it, cut a torn tail, and hand the
// recovered state to a new SharedLog together with a report for the host.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSegmentHeader, segmentHeaderBytes } from './codec.js';
import { LogReplay } from './replay.js';
import { defaultWalIo, listSegments, segmentName } from './segment-files.js';
import type { WalIo } from './segment-files.js';
import { SharedLog } from './shared-log.js';
import type { Limits } from './shared-log.js';
import { walError, walOk } from './types.js';
import type { CorruptionLocation, WalError, WalResult } from './types.js';

/** Options of the shared log. Every limit has a default. */
export interface SharedLogOptions {
  /** Directory holding the segment files (created when missing). */
  readonly directory: string;
  /** A segment rolls over once the next record would take it past this size. */
  readonly segmentBytesMax?: number;
  /** Largest single record (one group's entries, snapshot or hard state). */
  readonly recordBytesMax?: number;
  /** Most records queued and not yet written. */
  readonly queueRecordsMax?: number;
  /** Most bytes queued and not yet written. */
  readonly queueBytesMax?: number;
  /** Most groups the log tracks. */
  readonly groupsMax?: number;
  /** Most entry payload bytes kept in memory across all groups (the host must compact). */
  readonly retainedBytesMax?: number;
  /**
   * Largest snapshot payload (membership plus any data) kept in the log; checkpoints restate
   * it in every segment, so partition data must not travel this way.
   */
  readonly snapshotPayloadBytesMax?: number;
  /** Sync calls; tests inject counting or failing ones. */
  readonly io?: WalIo;
}

/** What recovery found, for the host's logs and decisions. */
export interface RecoveryReport {
  readonly segments: number;
  readonly groups: number;
  /** Groups stopped by corruption (each error names the file, offset and group). */
  readonly corrupted: readonly WalError[];
  /** Corrupted regions whose group could not be read. */
  readonly unattributed: readonly CorruptionLocation[];
  /** Where a torn tail was cut off, if one was. */
  readonly truncatedTail: CorruptionLocation | undefined;
}

/** The largest segment size accepted (1 GiB). */
const segmentBytesCeiling = 1024 * 1024 * 1024;

/** Opens the log in `options.directory`: replays it, cuts a torn tail, and reports. */
export async function openSharedLog(
  options: SharedLogOptions,
): Promise<WalResult<{ log: SharedLog; report: RecoveryReport }>> {
  const limits: Limits = {
    segmentBytesMax: options.segmentBytesMax ?? 64 * 1024 * 1024,
    recordBytesMax: options.recordBytesMax ?? 16 * 1024 * 1024,
    queueRecordsMax: options.queueRecordsMax ?? 100_000,
    queueBytesMax: options.queueBytesMax ?? 256 * 1024 * 1024,
    groupsMax: options.groupsMax ?? 100_000,
    retainedBytesMax: options.retainedBytesMax ?? 1024 * 1024 * 1024,
    snapshotPayloadBytesMax: options.snapshotPayloadBytesMax ?? 1024 * 1024,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      return walError('invalid-argument', `${name} must be a positive integer`);
    }
  }
  // Recovery reads a segment whole, so segments stay well inside one buffer.
  if (limits.segmentBytesMax > segmentBytesCeiling) {
    return walError('invalid-argument', `segmentBytesMax may not exceed ${segmentBytesCeiling}`);
  }
  const io = options.io ?? defaultWalIo;
  try {
    return walOk(await recoverAndOpen(options.directory, limits, io));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return walError('io', `cannot open the log in ${options.directory}: ${message}`);
  }
}

async function recoverAndOpen(
  directory: string,
  limits: Limits,
  io: WalIo,
): Promise<{ log: SharedLog; report: RecoveryReport }> {
  const files = await listSegments(directory);
  const replay = new LogReplay();
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const bytes = await readFile(file.path);
    // A plain view, so that recovered entry data is a Uint8Array rather than a Buffer.
    replay.segment(
      { ...file, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) },
      i === files.length - 1,
    );
  }
  const result = replay.finish();
  const segments = result.segments;
  let truncatedTail: CorruptionLocation | undefined;
  if (segments.length === 0) {
    const path = join(directory, segmentName(1));
    segments.push({
      sequence: 1,
      path,
      size: 0,
      maxEntryIndex: new Map(),
      validStart: true,
    });
  }
  const current = segments.at(-1)!;
  if (result.truncateAt !== undefined)
    truncatedTail = { file: current.path, offset: result.truncateAt };
  const handle = await open(current.path, current.size === 0 && files.length === 0 ? 'w+' : 'r+');
  try {
    if (current.size < segmentHeaderBytes) {
      // A new log, or a segment whose header itself was torn: start it afresh.
      await handle.truncate(0);
      await handle.write(encodeSegmentHeader(), 0, segmentHeaderBytes, 0);
      current.size = segmentHeaderBytes;
    } else if (result.truncateAt !== undefined) {
      await handle.truncate(result.truncateAt);
    }
    await io.datasync(handle);
    await io.syncDirectory(directory);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const log = new SharedLog(directory, handle, current.size, result, limits, io);
  log.rollBeforeNextRecord = !current.validStart;
  const report: RecoveryReport = {
    segments: segments.length,
    groups: result.groups.size,
    corrupted: [...result.corrupted.values()],
    unattributed: result.unattributed,
    truncatedTail,
  };
  return { log, report };
}
