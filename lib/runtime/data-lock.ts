// One process per data directory. Two processes writing one Raft log or one engine would
// corrupt both silently, so a service takes `<dir>/LOCK` before it opens anything there: the
// file is created exclusively and holds the owner's pid. A lock whose pid is no longer alive
// (the owner was killed) is taken over; one held by a live process is refused with a message
// naming the directory and the pid. The lock is released when the service stops.
import { constants } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A held lock. */
export interface DataLock {
  readonly path: string;
  /** Removes the lock file (only if it is still ours). */
  release(): Promise<void>;
}

/** The outcome of taking a lock: held, or refused with why. */
export type DataLockResult =
  { readonly ok: true; readonly lock: DataLock } | { readonly ok: false; readonly reason: string };

/** Attempts at taking over a stale lock before giving up (another process may race us). */
const TAKEOVER_ATTEMPTS_MAX = 3;

/** Whether a process with `pid` exists (signal 0 checks without signalling). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock of `directory` for this process (the directory is created if missing). */
export async function lockDataDirectory(
  directory: string,
  pid: number = process.pid,
): Promise<DataLockResult> {
  await mkdir(directory, { recursive: true });
  const path = join(directory, 'LOCK');
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS_MAX; attempt++) {
    try {
      const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
      try {
        await handle.writeFile(`${pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        ok: true,
        lock: {
          path,
          release: async () => {
            if ((await readOwner(path)) === pid) await unlink(path).catch(() => undefined);
          },
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && owner !== pid && isAlive(owner)) {
      return {
        ok: false,
        reason: `data directory ${directory} is in use by process ${owner} (${path}); stop it first`,
      };
    }
    // The owner is gone (killed, or the file is unreadable): take the lock over.
    await unlink(path).catch(() => undefined);
  }
  return { ok: false, reason: `could not take ${path}: other processes keep racing for it` };
}
