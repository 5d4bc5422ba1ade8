// The CI smoke test: real runs against dynalite started by the tests (in-process session and
// the side-by-side command line with two dynalites), each a few seconds long, every process
// stopped by PID. Only 127.0.0.1 is contacted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseBenchArguments } from './cli-options.js';
import type { BenchOptions } from './cli-options.js';
import { createDynamoClient } from './dynamo-client.js';
import { tableRequest } from './dynamo-requests.js';
import { createCommandLauncher, createDynaliteLauncher } from './launchers.js';
import { runSession } from './session.js';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-bench-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function options(argv: string[]): BenchOptions {
  const parsed = parseBenchArguments([...argv, '--out', scratch, '--no-progress'], {}, tmpdir());
  assert.equal(parsed.ok, true);
  if (parsed.ok !== true) throw new Error('unreachable');
  return parsed.options;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('workload a runs against a dynalite it starts, and dynalite is stopped by PID', async () => {
  const launched = await createDynaliteLauncher().start();
  assert.equal(launched.ok, true, launched.ok ? '' : launched.message);
  if (!launched.ok) return;
  const { target } = launched;
  assert.match(target.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  try {
    const unsigned = createDynamoClient({
      endpoint: target.endpoint,
      connections: 1,
      requestTimeoutMs: 5000,
    });
    const refused = await unsigned.send(tableRequest('DescribeTable', 'usertable'));
    await unsigned.close();
    assert.equal(refused.ok || refused.errorType, 'MissingAuthenticationTokenException');

    const session = await runSession(
      options([
        '--workload',
        'a',
        '--records',
        '300',
        '--concurrency',
        '4',
        '--duration-seconds',
        '2',
      ]),
      target,
    );
    assert.equal(session.ok, true, session.ok ? '' : session.message);
    if (!session.ok) return;
    const [load, run] = session.result.phases;
    assert.equal(load?.phase, 'load');
    assert.equal(load.operations, 300);
    assert.equal(load.errors, 0);
    assert.equal(run?.phase, 'run');
    assert.equal(run.stopReason, 'duration');
    assert.ok(run.operations > 50, `only ${run.operations} operations`);
    assert.equal(run.errors, 0, JSON.stringify(run.errorsByType));
    assert.deepEqual(Object.keys(run.byOperation).sort(), ['read', 'update']);
    for (const report of Object.values(run.byOperation)) {
      assert.ok(report.p50Ms > 0 && report.p50Ms <= report.p99Ms && report.p99Ms <= report.maxMs);
    }
    assert.ok(run.timeline.length >= 2);
  } finally {
    await target.stop();
  }
  assert.equal(isAlive(target.pid!), false, 'dynalite is still running');
});

test('side by side against two dynalites prints ratios and writes the result', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/main.ts',
      '--side-by-side',
      '--targets',
      'dynalite,dynalite',
      '--rounds',
      '2',
      '--duration-seconds',
      '2',
      '--records',
      '200',
      '--concurrency',
      '4',
      '--workload',
      'b',
      '--out',
      scratch,
      '--no-progress',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /ratios \(target \/ baseline\)/);
  assert.match(stdout, /dynalite#2 \/ dynalite\s+all\s+\d+\.\d\dx/);
  assert.match(stdout, /dynalite#2 \/ dynalite\s+read\s+\d+\.\d\dx\s+\d+\.\d\dx\s+\d+\.\d\dx/);
  const file = readdirSync(scratch).find((name) => name.endsWith('-b-side-by-side.json'));
  assert.ok(file !== undefined, 'no result file');
  const json = JSON.parse(readFileSync(join(scratch, file), 'utf8'));
  assert.equal(json.targets.length, 2);
  assert.equal(json.targets[0].rounds.length, 2);
  assert.ok(json.ratios.length >= 2);
  assert.ok(readdirSync(scratch).some((name) => name.endsWith('-b-side-by-side.svg')));
});

test('Ctrl-C ends the run early, prints the report and stops dynalite', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/main.ts',
      '--workload',
      'c',
      '--records',
      '100',
      '--concurrency',
      '2',
      '--duration-seconds',
      '120',
      '--out',
      scratch,
      '--no-svg',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const running = new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // The progress line of the run phase: the run is under way.
      if (stderr.includes('[run]')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await Promise.race([running, exited]);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 0, stderr);
  assert.match(stdout, /stopped: aborted/);
  const endpoint = /against dynalite \((http:\/\/127\.0\.0\.1:\d+)\)/.exec(stdout)?.[1];
  assert.ok(endpoint !== undefined, stdout);
  const client = createDynamoClient({ endpoint, connections: 1, requestTimeoutMs: 2000 });
  const after = await client.send(tableRequest('DescribeTable', 'usertable'));
  await client.close();
  assert.equal(after.ok || after.errorType, 'ECONNREFUSED', 'dynalite still answers');
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

test('a cluster command that exits fails with a clear message', async () => {
  const launcher = createCommandLauncher({
    name: 'tessera',
    command: 'echo "npm error Missing script: start" >&2; exit 3',
    endpoint: `http://127.0.0.1:${await freePort()}`,
    readyTimeoutMs: 10_000,
  });
  const launched = await launcher.start();
  assert.equal(launched.ok, false);
  if (launched.ok) return;
  assert.match(launched.message, /exited \(3\)/);
  assert.match(launched.message, /--tessera-command/);
  assert.match(launched.message, /Missing script: start/);
});
