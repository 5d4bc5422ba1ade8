// File-level helpers of the shared log: segment names, listing, and the sync operations, which
// are injectable so tests can count (or fail) them.
import { mkdir, open, readdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** The durability calls the log makes; injectable for tests and benchmarks. */
export interface WalIo {
  /** Makes a segment's written bytes durable (`fdatasync`). */
  datasync(handle: FileHandle): Promise<void>;
  /** Makes a directory's entries (created, truncated or deleted files) durable. */
  syncDirectory(path: string): Promise<void>;
}

/** The real thing: `fdatasync` on the file, `fsync` on the directory. */
export const defaultWalIo: WalIo = {
  datasync: (handle) => handle.datasync(),
  syncDirectory: async (path) => {
    const directory = await open(path, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  },
};

const segmentNamePattern = /^(\d{20})\.wal$/;

/** The file name of segment `sequence` (zero-padded so names sort like numbers). */
export function segmentName(sequence: number): string {
  return `${String(sequence).padStart(20, '0')}.wal`;
}

/** A segment file found on disk. */
export interface SegmentFile {
  readonly sequence: number;
  readonly path: string;
}

/** Lists the segments in `directory` (created when missing), oldest first. */
export async function listSegments(directory: string): Promise<SegmentFile[]> {
  await mkdir(directory, { recursive: true });
  const segments: SegmentFile[] = [];
  for (const name of await readdir(directory)) {
    const match = segmentNamePattern.exec(name);
    if (match !== null) segments.push({ sequence: Number(match[1]), path: join(directory, name) });
  }
  return segments.sort((a, b) => a.sequence - b.sequence);
}
