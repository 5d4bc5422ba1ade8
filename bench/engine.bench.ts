// Storage foundations throughput: the RocksDB engine (puts and gets of 1 KB values) and the
// shared Raft log with group commit at concurrency 1, 16 and 64 (appends per second, syncs per
// second, records per sync). Run with `npm run bench:engine`; figures go to docs/storage.md.
// Real files in a temporary directory, removed afterwards. Every phase is bounded by a count
// and a duration (ENGINE_BENCH_MS per phase, default 3000).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Engine, Mutation } from '../services/storage-node/engine/engine.js';
import { openRocksDbEngine } from '../services/storage-node/engine/rocksdb-engine.js';
import { openSharedLog } from '../lib/wal/open-shared-log.js';
import { defaultWalIo } from '../lib/wal/segment-files.js';
import type { WalIo } from '../lib/wal/segment-files.js';

const PHASE_MS = Number(process.env.ENGINE_BENCH_MS ?? '3000');
const VALUE_BYTES = 1024;
const KEYS = 100_000;
const ENTRY_BYTES = 256;

function key(n: number): Uint8Array {
  // Table-like prefix, then a big-endian number: keys sort like the numbers.
  const bytes = new Uint8Array(12);
  bytes.set([0x74, 0x01, 0x00, 0x2a], 0);
  new DataView(bytes.buffer).setUint32(8, n);
  return bytes;
}

/** A small seeded generator (xorshift32) for key choice. */
function seeded(seed: number): (bound: number) => number {
  let state = seed;
  return (bound) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % bound;
  };
}

/** Runs `step` until `count` operations or the phase duration; returns operations per second. */
async function timed(
  count: number,
  step: (i: number) => Promise<number>,
): Promise<{ ops: number; perSecond: number }> {
  const start = performance.now();
  let ops = 0;
  for (let i = 0; i < count && performance.now() - start < PHASE_MS;) {
    const done = await step(i);
    ops += done;
    i += done;
  }
  const seconds = (performance.now() - start) / 1000;
  return { ops, perSecond: ops / seconds };
}

function check<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function benchEngine(engine: Engine): Promise<Record<string, number>> {
  const value = new Uint8Array(VALUE_BYTES).fill(7);
  const putOne = await timed(KEYS, async (i) => {
    check(await engine.write([{ kind: 'put', key: key(i), value }]));
    return 1;
  });
  const putBatch = await timed(KEYS, async (i) => {
    const batch: Mutation[] = [];
    for (let j = 0; j < 100; j++) batch.push({ kind: 'put', key: key(i + j), value });
    check(await engine.write(batch));
    return 100;
  });
  check(await engine.flush());
  const random = seeded(42);
  const getOne = await timed(KEYS, async () => {
    check(await engine.get(key(random(KEYS))));
    return 1;
  });
  const getMany = await timed(KEYS, async () => {
    check(await engine.getMany(Array.from({ length: 100 }, () => key(random(KEYS)))));
    return 100;
  });
  const scan = await timed(KEYS, async (i) => {
    const page = check(
      await engine.scan({ gte: key(i % (KEYS - 1000)) }, { itemsMax: 1000, bytesMax: 4 << 20 }),
    );
    return page.entries.length;
  });
  return {
    'put, 1 per batch': putOne.perSecond,
    'put, 100 per batch': putBatch.perSecond,
    'get, single': getOne.perSecond,
    'get, 100 per getMany': getMany.perSecond,
    'scan, 1000 per page': scan.perSecond,
  };
}

interface LogFigures {
  concurrency: number;
  appendsPerSecond: number;
  syncsPerSecond: number;
  recordsPerSync: number;
}

/** `concurrency` writers, each its own group, each appending one entry and awaiting it. */
async function benchLog(directory: string, concurrency: number): Promise<LogFigures> {
  let syncs = 0;
  const io: WalIo = {
    datasync: async (handle) => {
      syncs++;
      await defaultWalIo.datasync(handle);
    },
    syncDirectory: defaultWalIo.syncDirectory,
  };
  const { log } = check(await openSharedLog({ directory, io }));
  const data = new Uint8Array(ENTRY_BYTES).fill(1);
  const syncsBefore = syncs;
  const start = performance.now();
  let appends = 0;
  const writer = async (group: number) => {
    for (let index = 1; index <= 1_000_000 && performance.now() - start < PHASE_MS; index++) {
      check(await log.write(group, { entries: [{ index, term: 1, type: 0, data }] }));
      appends++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, group) => writer(group)));
  const seconds = (performance.now() - start) / 1000;
  const used = syncs - syncsBefore;
  await log.close();
  return {
    concurrency,
    appendsPerSecond: appends / seconds,
    syncsPerSecond: used / seconds,
    recordsPerSync: appends / used,
  };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tessera-engine-bench-'));
  try {
    const engine = check(await openRocksDbEngine({ path: join(root, 'rocksdb') }));
    const engineFigures = await benchEngine(engine);
    await engine.close();
    console.log(`RocksDB engine, ${VALUE_BYTES}-byte values (ops/s):`);
    for (const [name, perSecond] of Object.entries(engineFigures))
      console.log(`  ${name.padEnd(24)} ${Math.round(perSecond)}`);
    console.log(`Shared Raft log, ${ENTRY_BYTES}-byte entries, one fdatasync per group commit:`);
    console.log('  concurrency  appends/s  syncs/s  records/sync');
    for (const concurrency of [1, 16, 64]) {
      const figures = await benchLog(join(root, `log-${concurrency}`), concurrency);
      console.log(
        `  ${String(concurrency).padStart(11)}  ${String(Math.round(figures.appendsPerSecond)).padStart(9)}  ${String(Math.round(figures.syncsPerSecond)).padStart(7)}  ${figures.recordsPerSync.toFixed(1).padStart(12)}`,
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
