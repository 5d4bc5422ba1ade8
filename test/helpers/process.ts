// Child processes for tests: start a TypeScript entry point under tsx, read its output
// line by line, wait for a line with a deadline, and stop it by PID.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A running child process and what it has printed so far. */
export interface TestProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly stdout: string[];
  /** Every stderr line so far. */
  readonly stderr: string[];
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line (past or future) that satisfies `matches`. */
  waitForLine(matches: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** Sends a signal to the process by PID. */
  signal(signal: NodeJS.Signals): void;
}

/** Starts `node --import tsx <entry> ...args`. */
export function startTypeScriptProcess(
  entry: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): TestProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${entry}`);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line);
    for (const waiter of [...waiters]) waiter(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid;
  return {
    pid,
    child,
    stdout,
    stderr,
    exited,
    signal: (signal) => process.kill(pid, signal),
    waitForLine: (matches, timeoutMs) => {
      const seen = stdout.find(matches);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const finish = (error: Error | undefined, line?: string): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (error) reject(error);
          else resolve(line!);
        };
        const waiter = (line: string): void => {
          if (matches(line)) finish(undefined, line);
        };
        const timer = setTimeout(
          () =>
            finish(
              new Error(
                `no matching line from ${entry} within ${timeoutMs} ms; stderr: ${stderr.join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.add(waiter);
        void exited.then(() =>
          finish(
            new Error(`${entry} exited before printing the line; stderr: ${stderr.join('\n')}`),
          ),
        );
      });
    },
  };
}

/** Stops a process by PID: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopProcess(handle: TestProcess, graceMs = 5_000): Promise<void> {
  if (handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  handle.signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs);
  });
  const stopped = await Promise.race([handle.exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (stopped) {
    handle.signal('SIGKILL');
    await handle.exited;
  }
}

/** Parses a JSON log line, or returns undefined for anything else. */
export function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
