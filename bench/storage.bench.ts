// Storage node end to end: one partition replicated on three storage-node processes (RF=3) on
// 127.0.0.1, 64 concurrent gRPC clients, 1 KB PutItem then consistent GetItem against the
// leader; reports throughput and p50/p99 latency. Run with `npx tsx bench/storage.bench.ts`;
// figures go to docs/storage.md. Bounded: STORAGE_BENCH_MS per phase (default 5000) and a cap on
// operations; the processes and their temporary directory are removed afterwards.
// `--cpu-prof-dir=DIR` profiles the storage-node processes like node's `--cpu-prof` (one
// .cpuprofile per process in DIR, written when they exit on SIGTERM; summarise them with
// `npx tsx bench/cpu-profile-summary.ts DIR/*.cpuprofile`). `--put-only` skips the read phases
// so that a profile shows the replicated write path alone. `--batch=N` (1–25, default 1) writes
// with BatchWrite calls of N items (one call, one Raft entry) instead of one PutItem per item,
// and reports items/s, calls/s, latency per call and CPU per item.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stopProcess } from '../test/helpers/process.js';
import { pollUntil } from '../test/helpers/poll.js';
import {
  createPartition,
  findLeader,
  killNode,
  startNode,
  temporaryDirectory,
  type NodeProcess,
} from '../test/storage/cluster.js';
import { createHistogram, type Histogram } from './histogram.js';

const { values: options } = parseArgs({
  options: {
    'cpu-prof-dir': { type: 'string' },
    'put-only': { type: 'boolean', default: false },
    batch: { type: 'string', default: '1' },
  },
});
const BATCH = Number(options.batch);
if (!Number.isInteger(BATCH) || BATCH < 1 || BATCH > 25)
  throw new Error('--batch must be an integer from 1 to 25');
const cpuProfileDirectory = options['cpu-prof-dir'];
if (cpuProfileDirectory !== undefined) await profileChildren(resolve(cpuProfileDirectory));
const PHASE_MS = Number(process.env.STORAGE_BENCH_MS ?? '5000');
const CLIENTS = Number(process.env.STORAGE_BENCH_CLIENTS ?? '64');
const KEYS = 10_000;
const OPERATIONS_MAX = 1_000_000;
const value = 'x'.repeat(1024);
const partition = { tableId: 'tbl-1', partitionId: 'p1', epoch: 1n };

function s(text: string) {
  return { value: { case: 's' as const, value: text } };
}

/** Runs one phase; each call handles `itemsPerCall` keys. Answers the items done. */
async function phase(
  name: string,
  leader: NodeProcess,
  operation: (node: NodeProcess, keys: readonly string[]) => Promise<boolean>,
  itemsPerCall = 1,
): Promise<number> {
  const histogram: Histogram = createHistogram();
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + PHASE_MS;
  async function client(): Promise<void> {
    while (performance.now() < deadline && next < OPERATIONS_MAX) {
      const keys = Array.from({ length: itemsPerCall }, () => `key-${next++ % KEYS}`);
      const begun = performance.now();
      const ok = await operation(leader, keys);
      if (ok) histogram.record(Math.round((performance.now() - begun) * 1000));
      else failures++;
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, () => client()));
  const seconds = (performance.now() - started) / 1000;
  const calls = histogram.summary().count;
  const ms = (us: number) => (us / 1000).toFixed(2);
  const rate =
    itemsPerCall === 1
      ? `${(calls / seconds).toFixed(0).padStart(7)} ops/s`
      : `${((calls * itemsPerCall) / seconds).toFixed(0).padStart(7)} items/s (${(calls / seconds).toFixed(0)} calls/s of ${itemsPerCall})`;
  console.log(
    `${name.padEnd(14)} ${rate}  p50 ${ms(histogram.percentile(50))} ms  p99 ${ms(histogram.percentile(99))} ms per call  failures ${failures}`,
  );
  return calls * itemsPerCall;
}

const directory = await temporaryDirectory();
const nodes: NodeProcess[] = [];
try {
  for (const id of ['b1', 'b2', 'b3'])
    nodes.push(await startNode(id, `${directory.path}/${id}`, 0, []));
  await createPartition(nodes, 'p1');
  const leader = await pollUntil(() => findLeader(nodes, 'p1'), {
    timeoutMs: 20_000,
    description: 'a leader',
  });
  console.log(
    `storage bench: RF=3, ${CLIENTS} clients, 1 KB items, ${PHASE_MS} ms per phase, batch ${BATCH}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const cpuBefore = nodes.map((node) => processCpuMs(node.process.pid));
  const generatorBefore = process.cpuUsage();
  const writes =
    BATCH === 1
      ? await phase('PutItem', leader, async (node, [key]) => {
          const answer = await node.storage.putItem({
            partition,
            request: { tableName: 'Things', item: { id: s(key!), v: s(value) } },
          });
          return answer.response !== undefined;
        })
      : await phase('BatchWrite', leader, batchWrite, BATCH);
  const generator = process.cpuUsage(generatorBefore);
  const unit = BATCH === 1 ? 'write' : 'item';
  const perWrite = (ms: number) => `${((1000 * ms) / Math.max(1, writes)).toFixed(0)} µs/${unit}`;
  for (const [i, node] of nodes.entries()) {
    const cpu = processCpuMs(node.process.pid) - cpuBefore[i]!;
    console.log(
      `${node.nodeId}${node === leader ? ' (leader)' : ''}: cpu ${perWrite(cpu)}, ${await writePathMetrics(node)}`,
    );
  }
  console.log(`load generator: cpu ${perWrite((generator.user + generator.system) / 1000)}`);
  if (!options['put-only']) await readPhases(leader);
} finally {
  await stopAll(nodes, directory);
}

/** One BatchWrite call putting every key; true when every write of it was done. */
async function batchWrite(node: NodeProcess, keys: readonly string[]): Promise<boolean> {
  const requests = keys.map((key) => ({
    request: {
      case: 'putRequest' as const,
      value: { attributes: { id: s(key), v: s(value) } },
    },
  }));
  const answer = await node.storage.batchWrite({
    partition,
    request: { requestItems: { Things: { requests } } },
  });
  return (
    answer.results.length === keys.length && answer.results.every((r) => r.error === undefined)
  );
}

/**
 * Where a write's time goes on one node, from its Prometheus metrics: log syncs (count, mean
 * duration, mean entries per sync), Raft commit and apply durations (mean), messages sent.
 */
async function writePathMetrics(node: NodeProcess): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${node.adminPort}/metrics`, {
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  const sum = (name: string): number => {
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        total += Number(line.split(' ').at(-1));
    }
    return total;
  };
  const mean = (base: string, scale: number) =>
    ((scale * sum(`${base}_sum`)) / Math.max(1, sum(`${base}_count`))).toFixed(2);
  return [
    `log syncs ${sum('tessera_storage_log_sync_duration_seconds_count')}`,
    `sync mean ${mean('tessera_storage_log_sync_duration_seconds', 1000)} ms`,
    `entries/sync ${mean('tessera_storage_log_sync_group_size', 1)}`,
    `commit mean ${mean('tessera_raft_commit_duration_seconds', 1000)} ms`,
    `apply mean ${mean('tessera_raft_apply_duration_seconds', 1000)} ms`,
    `messages sent ${sum('tessera_raft_messages_sent_total')}`,
  ].join(', ');
}

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc (Linux); NaN where
 * there is no /proc. Per-write CPU is steadier than throughput on a shared machine.
 */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and
    // stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The two GetItem phases: consistent (lease-checked on the leader) and eventual. */
async function readPhases(leader: NodeProcess): Promise<void> {
  await phase('GetItem (CR)', leader, async (node, [key]) => {
    const answer = await node.storage.getItem({
      partition,
      request: { tableName: 'Things', key: { id: s(key!) }, consistentRead: true },
    });
    return answer.response !== undefined;
  });
  await phase('GetItem (EC)', leader, async (node, [key]) => {
    const answer = await node.storage.getItem({
      partition,
      request: { tableName: 'Things', key: { id: s(key!) } },
    });
    return answer.response !== undefined;
  });
}

/**
 * Stops every node: SIGTERM first when profiling (a SIGKILLed process writes no profile), then
 * SIGKILL; removes the data directory.
 */
async function stopAll(
  all: readonly NodeProcess[],
  data: { remove: () => Promise<void> },
): Promise<void> {
  if (cpuProfileDirectory !== undefined) {
    await Promise.all(all.map((node) => stopProcess(node.process, 10_000)));
  }
  for (const node of all) await killNode(node);
  await data.remove();
}

/**
 * Node 20 refuses `--cpu-prof` in NODE_OPTIONS, and the test helper spawns `node --import tsx`
 * with our environment, so the children get an `--import` preload instead: it starts the V8
 * sampling profiler (1 ms, like `--cpu-prof`) and writes `<pid>.cpuprofile` on exit (the node's
 * SIGTERM path ends in process.exit; a same-thread inspector session answers synchronously).
 */
async function profileChildren(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const preload = join(directory, 'cpu-prof-preload.mjs');
  await writeFile(
    preload,
    `import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
const name = (process.argv.find((a) => a.startsWith('--node-id=')) ?? 'node').slice(10);
process.on('exit', () => {
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(${JSON.stringify(directory)} + '/' + name + '-' + process.pid + '.cpuprofile', JSON.stringify(result.profile));
  });
});
`,
  );
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim();
}
