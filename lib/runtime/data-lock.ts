// One process per data directory. Two processes writing one Raft log or one engine would
// corrupt both silently, so a service takes `<dir>/LOCK` before it opens anything there: the
// file is created exclusively and holds the owner's pid and, on Linux, the process's start time
// (from /proc) — in a restarted container the old pid may well belong to another live process
// (the pod's shell), so a pid alone would lock the volume out forever. A lock whose owner is no
// longer alive (killed) is taken over; one held by a live owner is refused with a message naming
// the directory and the pid. The lock is released when the service stops.
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

/** A lock's owner: its pid and, where /proc exists, when that process started. */
interface Owner {
  readonly pid: number;
  readonly startTime: string;
}

/** The start time of process `pid` in clock ticks since boot (Linux), or '' when unknown. */
async function startTimeOf(pid: number): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are
    // fixed: the start time is field 22, the 20th after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** Whether the process `owner` names still runs (the same process, not a reused pid). */
async function isAlive(owner: Owner): Promise<boolean> {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTime === '') return true;
  return (await startTimeOf(owner.pid)) === owner.startTime;
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    const [pidText = '', startTime = ''] = (await readFile(path, 'utf8')).trim().split(/\s+/);
    const pid = Number.parseInt(pidText, 10);
    return Number.isSafeInteger(pid) && pid > 0 ? { pid, startTime } : undefined;
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
        await handle.writeFile(`${pid} ${await startTimeOf(pid)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        ok: true,
        lock: {
          path,
          release: async () => {
            if ((await readOwner(path))?.pid === pid) await unlink(path).catch(() => undefined);
          },
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && owner.pid !== pid && (await isAlive(owner))) {
      return {
        ok: false,
        reason: `data directory ${directory} is in use by process ${owner.pid} (${path}); stop it first`,
      };
    }
    // The owner is gone (killed, or the file is unreadable): take the lock over.
    await unlink(path).catch(() => undefined);
  }
  return { ok: false, reason: `could not take ${path}: other processes keep racing for it` };
}
