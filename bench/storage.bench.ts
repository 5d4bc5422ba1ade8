// Storage node end to end: one partition replicated on three storage-node processes (RF=3) on
// 127.0.0.1, 64 concurrent gRPC clients, 1 KB PutItem then consistent GetItem against the
// leader; reports throughput and p50/p99 latency. Run with `npx tsx bench/storage.bench.ts`;
// figures go to docs/storage.md. Bounded: STORAGE_BENCH_MS per phase (default 5000) and a cap on
// operations; the processes and their temporary directory are removed afterwards.
import { performance } from 'node:perf_hooks';
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

const PHASE_MS = Number(process.env.STORAGE_BENCH_MS ?? '5000');
const CLIENTS = Number(process.env.STORAGE_BENCH_CLIENTS ?? '64');
const KEYS = 10_000;
const OPERATIONS_MAX = 1_000_000;
const value = 'x'.repeat(1024);
const partition = { tableId: 'tbl-1', partitionId: 'p1', epoch: 1n };

function s(text: string) {
  return { value: { case: 's' as const, value: text } };
}

async function phase(
  name: string,
  leader: NodeProcess,
  operation: (node: NodeProcess, key: string) => Promise<boolean>,
): Promise<void> {
  const histogram: Histogram = createHistogram();
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + PHASE_MS;
  async function client(): Promise<void> {
    while (performance.now() < deadline && next < OPERATIONS_MAX) {
      const key = `key-${next++ % KEYS}`;
      const begun = performance.now();
      const ok = await operation(leader, key);
      if (ok) histogram.record(Math.round((performance.now() - begun) * 1000));
      else failures++;
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, () => client()));
  const seconds = (performance.now() - started) / 1000;
  const count = histogram.summary().count;
  const ms = (us: number) => (us / 1000).toFixed(2);
  console.log(
    `${name.padEnd(14)} ${(count / seconds).toFixed(0).padStart(7)} ops/s  p50 ${ms(histogram.percentile(50))} ms  p99 ${ms(histogram.percentile(99))} ms  failures ${failures}`,
  );
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
  console.log(`storage bench: RF=3, ${CLIENTS} clients, 1 KB items, ${PHASE_MS} ms per phase`);
  await phase('PutItem', leader, async (node, key) => {
    const answer = await node.storage.putItem({
      partition,
      request: { tableName: 'Things', item: { id: s(key), v: s(value) } },
    });
    return answer.response !== undefined;
  });
  await phase('GetItem (CR)', leader, async (node, key) => {
    const answer = await node.storage.getItem({
      partition,
      request: { tableName: 'Things', key: { id: s(key) }, consistentRead: true },
    });
    return answer.response !== undefined;
  });
  await phase('GetItem (EC)', leader, async (node, key) => {
    const answer = await node.storage.getItem({
      partition,
      request: { tableName: 'Things', key: { id: s(key) } },
    });
    return answer.response !== undefined;
  });
} finally {
  for (const node of nodes) await killNode(node);
  await directory.remove();
}
