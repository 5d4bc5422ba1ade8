// Child processes of the local cluster: start each with its output in a log file, wait for
// its /readyz, and stop them all by PID — SIGTERM first, SIGKILL after a grace period.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessPlan } from './plan.js';

/** A started process of the cluster. */
export interface Supervised {
  readonly plan: ProcessPlan;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process exits, however it exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts one process of the plan under tsx, appending its output to `<logDir>/<name>.log`. */
export function startSupervised(plan: ProcessPlan, rootDir: string, logDir: string): Supervised {
  const logPath = join(logDir, `${plan.name}.log`);
  const logFd = openSync(logPath, 'a');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', plan.entry, ...plan.args], {
      cwd: rootDir,
      stdio: ['ignore', logFd, logFd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${plan.name}`);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return { plan, child, pid: child.pid, logPath, exited };
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(logFd);
  }
}

/** Whether the process has exited. */
export function hasExited(supervised: Supervised): boolean {
  return supervised.child.exitCode !== null || supervised.child.signalCode !== null;
}

/**
 * Polls the process's /readyz until it answers 200. Resolves 'ready', 'exited' (the process
 * died first) or 'timeout'.
 */
export async function waitReady(
  supervised: Supervised,
  host: string,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  const url = `http://${host}:${supervised.plan.adminPort}/readyz`;
  while (Date.now() < deadline) {
    if (hasExited(supervised)) return 'exited';
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 200) return 'ready';
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 'timeout';
}

/** Stops one process: SIGTERM, then SIGKILL if it is still running after `graceMs`. */
export async function stopSupervised(supervised: Supervised, graceMs: number): Promise<void> {
  if (hasExited(supervised)) return;
  supervised.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs);
  });
  const killed = await Promise.race([supervised.exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (killed) {
    supervised.child.kill('SIGKILL');
    await supervised.exited;
  }
}

/** The last lines of a process's log, for a failure message. */
export function logTail(supervised: Supervised, lines: number): string {
  try {
    return readFileSync(supervised.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
