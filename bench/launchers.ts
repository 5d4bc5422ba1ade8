// Launchers start a target for the benchmark and stop it afterwards, by PID: dynalite (an
// in-memory child process on a free 127.0.0.1 port), a command such as Tessera's local
// cluster (`npm start`), or an endpoint that is already running.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { request } from 'undici';

/** A started target. */
export interface RunningTarget {
  readonly name: string;
  readonly endpoint: string;
  /** The PID of the process the launcher started, if any. */
  readonly pid: number | undefined;
  /** Stops what the launcher started (nothing for an external endpoint). */
  stop(): Promise<void>;
}

/** The outcome of starting a target. */
export type LaunchResult =
  | { readonly ok: true; readonly target: RunningTarget }
  | { readonly ok: false; readonly message: string };

/** Something that can start a target. */
export interface Launcher {
  readonly name: string;
  start(): Promise<LaunchResult>;
}

/** How long a stopped process gets to exit on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;
/** Lines of a failed process's output kept for the error message. */
const OUTPUT_LINES_KEPT = 20;

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Sends SIGTERM to the PID (or its process group), then SIGKILL if it does not exit. */
async function stopByPid(child: ChildProcess, processGroup: boolean): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(processGroup ? -pid : pid, name);
    } catch {
      // Already gone: nothing to stop.
    }
  };
  signal('SIGTERM');
  if (!(await waitForExit(child, STOP_GRACE_MS))) {
    signal('SIGKILL');
    await waitForExit(child, STOP_GRACE_MS);
  }
}

function keepOutput(child: ChildProcess): () => string {
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== ''),
    );
    lines.splice(0, Math.max(0, lines.length - OUTPUT_LINES_KEPT));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => lines.join('\n');
}

/**
 * Starts dynalite in memory in a child process. It listens on port 0 (a free port the
 * kernel picks) on 127.0.0.1 and prints the port, so there is no race for a port. Table
 * creation is instant (createTableMs 0) so the benchmark does not wait on CREATING.
 */
export function createDynaliteLauncher(name = 'dynalite', startupTimeoutMs = 20_000): Launcher {
  return {
    name,
    async start() {
      const modulePath = createRequire(import.meta.url).resolve('dynalite');
      const script = [
        `const server = require(${JSON.stringify(modulePath)})({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });`,
        `server.listen(0, '127.0.0.1', () => console.log('DYNALITE_PORT=' + server.address().port));`,
        `process.on('SIGTERM', () => server.close(() => process.exit(0)));`,
        // If the benchmark dies without stopping it, dynalite must not outlive it.
        `const parent = process.ppid;`,
        `setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000).unref();`,
      ].join('\n');
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      const output = keepOutput(child);
      const port = await new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), startupTimeoutMs);
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /DYNALITE_PORT=(\d+)/.exec(chunk.toString('utf8'));
          if (match !== null) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      if (port === undefined) {
        await stopByPid(child, false);
        return {
          ok: false,
          message: `dynalite did not start within ${startupTimeoutMs} ms:\n${output()}`,
        };
      }
      const target: RunningTarget = {
        name,
        endpoint: `http://127.0.0.1:${port}`,
        pid: child.pid,
        stop: () => stopByPid(child, false),
      };
      return { ok: true, target };
    },
  };
}

/** An endpoint that is already running; the benchmark neither starts nor stops it. */
export function createEndpointLauncher(name: string, endpoint: string): Launcher {
  return {
    name,
    start: () =>
      Promise.resolve({
        ok: true,
        target: { name, endpoint, pid: undefined, stop: () => Promise.resolve() },
      }),
  };
}

/** What a command launcher runs and where it expects the DynamoDB endpoint. */
export interface CommandLauncherOptions {
  readonly name: string;
  /** A shell command, e.g. `npm start`; run in its own process group. */
  readonly command: string;
  /** Where the started command serves DynamoDB, e.g. `http://127.0.0.1:8000`. */
  readonly endpoint: string;
  readonly readyTimeoutMs: number;
  readonly cwd?: string;
}

/** Answers true once anything answers HTTP at the endpoint (even with an error status). */
async function answersHttp(endpoint: string): Promise<boolean> {
  try {
    const response = await request(endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
      headersTimeout: 1000,
      bodyTimeout: 1000,
    });
    await response.body.dump();
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a command (such as Tessera's local cluster) and waits until its endpoint answers.
 * Fails with the command's last output when it exits first or never answers.
 */
export function createCommandLauncher(options: CommandLauncherOptions): Launcher {
  return {
    name: options.name,
    async start() {
      if (await answersHttp(options.endpoint)) {
        return {
          ok: false,
          message: `${options.endpoint} already answers before \`${options.command}\` ran: stop what is running there first, or use --endpoint to benchmark it as is.`,
        };
      }
      const child = spawn('sh', ['-c', options.command], {
        cwd: options.cwd,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = keepOutput(child);
      const deadlineMs = performance.now() + options.readyTimeoutMs;
      while (performance.now() < deadlineMs) {
        if (child.exitCode !== null || child.signalCode !== null) {
          return {
            ok: false,
            message:
              `the ${options.name} command \`${options.command}\` exited (${child.exitCode ?? child.signalCode}) ` +
              `before ${options.endpoint} answered. Is the local cluster implemented yet? ` +
              `Set another command with --tessera-command.\n${output()}`,
          };
        }
        if (await answersHttp(options.endpoint)) {
          const target: RunningTarget = {
            name: options.name,
            endpoint: options.endpoint,
            pid: child.pid,
            stop: () => stopByPid(child, true),
          };
          return { ok: true, target };
        }
        await waitForExit(child, 250);
      }
      await stopByPid(child, true);
      return {
        ok: false,
        message: `${options.endpoint} did not answer within ${options.readyTimeoutMs} ms of \`${options.command}\`:\n${output()}`,
      };
    },
  };
}
