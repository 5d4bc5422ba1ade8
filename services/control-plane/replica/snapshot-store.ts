// Snapshot images on disk, one file per snapshot in `<data dir>/snapshots`. A file appears
// whole or not at all: written to a temporary name, fsynced, renamed, and the directory fsynced,
// so a crash leaves either the old set of files or the new one (plus, at worst, a temporary file
// the next start removes).
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A value or an I/O failure described in words (naming the file). */
export type StoreResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** Where snapshot images live. */
export interface SnapshotStore {
  /** The full path of `name`, for error messages. */
  path(name: string): string;
  /** Writes `bytes` as `name` durably (temporary file, fsync, rename, fsync directory). */
  write(name: string, bytes: Uint8Array): Promise<StoreResult<void>>;
  /** Reads `name` whole, refusing files larger than `bytesMax`. */
  read(name: string, bytesMax: number): Promise<StoreResult<Uint8Array>>;
  /** Every file name in the store (temporary files included). */
  list(): Promise<StoreResult<string[]>>;
  /** Deletes `name` (absent is fine) and makes the deletion durable. */
  remove(names: readonly string[]): Promise<StoreResult<void>>;
}

/** Files whose name ends with this are half-written images; a start deletes them. */
export const TEMPORARY_SUFFIX = '.tmp';

/** The snapshot store in a directory (created on first write). */
export class FileSnapshotStore implements SnapshotStore {
  constructor(private readonly directory: string) {}

  path(name: string): string {
    return join(this.directory, name);
  }

  async write(name: string, bytes: Uint8Array): Promise<StoreResult<void>> {
    const target = this.path(name);
    const temporary = target + TEMPORARY_SUFFIX;
    try {
      await mkdir(this.directory, { recursive: true });
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, target);
      await this.syncDirectory();
      return { ok: true, value: undefined };
    } catch (error) {
      return { ok: false, message: `writing snapshot ${target} failed: ${describe(error)}` };
    }
  }

  async read(name: string, bytesMax: number): Promise<StoreResult<Uint8Array>> {
    const target = this.path(name);
    try {
      const handle = await open(target, 'r');
      try {
        const { size } = await handle.stat();
        if (size > bytesMax)
          return { ok: false, message: `snapshot ${target} has ${size} bytes, over ${bytesMax}` };
        return { ok: true, value: new Uint8Array(await readFile(handle)) };
      } finally {
        await handle.close();
      }
    } catch (error) {
      return { ok: false, message: `reading snapshot ${target} failed: ${describe(error)}` };
    }
  }

  async list(): Promise<StoreResult<string[]>> {
    try {
      await mkdir(this.directory, { recursive: true });
      return { ok: true, value: (await readdir(this.directory)).sort() };
    } catch (error) {
      return { ok: false, message: `listing ${this.directory} failed: ${describe(error)}` };
    }
  }

  async remove(names: readonly string[]): Promise<StoreResult<void>> {
    if (names.length === 0) return { ok: true, value: undefined };
    try {
      for (const name of names) await rm(this.path(name), { force: true });
      await this.syncDirectory();
      return { ok: true, value: undefined };
    } catch (error) {
      return { ok: false, message: `removing old snapshots failed: ${describe(error)}` };
    }
  }

  private async syncDirectory(): Promise<void> {
    const handle = await open(this.directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
