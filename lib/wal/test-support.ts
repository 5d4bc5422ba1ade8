// Helpers shared by the log's tests: temporary directories, counting I/O, entry builders and
// a way to find a given group's record on disk so a test can damage exactly that record.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameHeader } from './codec.js';
import { defaultWalIo, listSegments } from './segment-files.js';
import type { WalIo } from './segment-files.js';
import { scanSegment } from './segment-scan.js';
import { openSharedLog } from './open-shared-log.js';
import type { RecoveryReport, SharedLogOptions } from './open-shared-log.js';
import type { SharedLog } from './shared-log.js';
import type { LogEntry, WalResult } from './types.js';

/** Unwraps a result or fails the test with the typed error. */
export function unwrap<T>(result: WalResult<T>): T {
  if (!result.ok) assert.fail(`log error ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** Runs `body` with a fresh temporary directory, removed afterwards. */
export async function withDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'tessera-wal-'));
  try {
    await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Real I/O that counts data syncs. */
export function countingIo(): WalIo & { syncs: number } {
  const io = {
    syncs: 0,
    datasync: async (handle: Parameters<WalIo['datasync']>[0]) => {
      io.syncs++;
      await defaultWalIo.datasync(handle);
    },
    syncDirectory: defaultWalIo.syncDirectory,
  };
  return io;
}

/** Opens a log or fails the test. */
export async function openLog(
  directory: string,
  options: Partial<SharedLogOptions> = {},
): Promise<{ log: SharedLog; report: RecoveryReport }> {
  return unwrap(await openSharedLog({ directory, ...options }));
}

/** Entries `from..to` in `term`, each carrying a small recognisable payload. */
export function entries(from: number, to: number, term: number, bytes = 8): LogEntry[] {
  const result: LogEntry[] = [];
  for (let index = from; index <= to; index++) {
    const data = new Uint8Array(bytes).fill(index % 251);
    result.push({ index, term, type: 0, data });
  }
  return result;
}

/** A record found on disk. */
export interface RecordOnDisk {
  readonly file: string;
  readonly offset: number;
  readonly header: FrameHeader;
}

/** Every intact record in the log directory, in file order. */
export async function recordsOnDisk(directory: string): Promise<RecordOnDisk[]> {
  const found: RecordOnDisk[] = [];
  for (const segment of await listSegments(directory)) {
    const bytes = await readFile(segment.path);
    for (const item of scanSegment(bytes, false)) {
      if (item.type === 'record')
        found.push({ file: segment.path, offset: item.offset, header: item.header });
    }
  }
  return found;
}
