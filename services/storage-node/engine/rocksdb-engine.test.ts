// Runs the engine conformance suite against real RocksDB in temporary directories.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { registerEngineConformance } from './conformance.js';
import type { Engine } from './engine.js';
import { pollUntil } from '../../../test/helpers/poll.js';
import { compactionsFromCfStats, openRocksDbEngine } from './rocksdb-engine.js';

async function open(path: string): Promise<Engine> {
  const opened = await openRocksDbEngine({ path });
  if (!opened.ok) assert.fail(`cannot open RocksDB: ${opened.error.message}`);
  return opened.value;
}

registerEngineConformance('rocksdb', async () => {
  const path = await mkdtemp(join(tmpdir(), 'tessera-engine-'));
  let current = await open(path);
  return {
    engine: current,
    reopen: async () => {
      await current.close();
      current = await open(path);
      return current;
    },
    dispose: async () => {
      await current.close();
      await rm(path, { recursive: true, force: true });
    },
  };
});

test('a process that dies without closing keeps every flushed write', async () => {
  const path = await mkdtemp(join(tmpdir(), 'tessera-engine-crash-'));
  try {
    const engineModule = fileURLToPath(new URL('./rocksdb-engine.ts', import.meta.url));
    // The child writes, flushes, writes again and exits without closing: a crash as far as
    // RocksDB is concerned.
    const child = `
      import { openRocksDbEngine } from ${JSON.stringify(engineModule)};
      const opened = await openRocksDbEngine({ path: ${JSON.stringify(path)} });
      if (!opened.ok) process.exit(2);
      const put = (k, v) => opened.value.write([{ kind: 'put', key: Uint8Array.of(k), value: Uint8Array.of(v) }]);
      if (!(await put(1, 10)).ok || !(await put(2, 20)).ok) process.exit(3);
      if (!(await opened.value.flush()).ok) process.exit(4);
      await put(3, 30);
      process.exit(0);`;
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', child],
      {
        timeout: 60_000,
      },
    );
    const engine = await open(path);
    const values = await engine.getMany([Uint8Array.of(1), Uint8Array.of(2)]);
    assert.ok(values.ok);
    assert.deepEqual(
      values.value.map((value) => (value === undefined ? undefined : [...value])),
      [[10], [20]],
    );
    await engine.close();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
});

test('opening a database another engine holds is a typed error, not an exception', async () => {
  const path = await mkdtemp(join(tmpdir(), 'tessera-engine-lock-'));
  try {
    const engine = await open(path);
    const second = await openRocksDbEngine({ path });
    assert.equal(second.ok ? 'ok' : second.error.code, 'io');
    assert.match(second.ok ? '' : second.error.message, /lock/i);
    await engine.close();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
});

test('stats: live SST bytes and compactions, from RocksDB itself', async () => {
  const path = await mkdtemp(join(tmpdir(), 'tessera-engine-stats-'));
  try {
    const engine = await open(path);
    const empty = await engine.stats();
    assert.deepEqual(empty, { ok: true, value: { liveSstBytes: 0, compactions: 0 } });
    // Each flush writes one L0 file; RocksDB compacts L0 into L1 once four are there.
    for (let round = 0; round < 6; round++) {
      const batch = Array.from({ length: 200 }, (_, i) => ({
        kind: 'put' as const,
        key: Uint8Array.of(1, i),
        value: new Uint8Array(256).fill(round),
      }));
      assert.ok((await engine.write(batch)).ok);
      assert.ok((await engine.flush()).ok);
    }
    const stats = await pollUntil(
      async () => {
        const read = await engine.stats();
        return read.ok && read.value.compactions > 0 ? read.value : undefined;
      },
      { timeoutMs: 20_000, description: 'a compaction' },
    );
    assert.ok(stats.liveSstBytes > 0);
    await engine.close();
    assert.equal((await engine.stats()).ok, false);
  } finally {
    await rm(path, { recursive: true, force: true });
  }
});

test('compactions are read from the Compaction Stats table, L0 (flushes) left out', () => {
  const table = [
    '** Compaction Stats [default] **',
    'Level    Files   Size     Score Read(GB)  Comp(sec) Comp(cnt) Avg(sec) KeyIn',
    '----------------------------------------------------------------------------',
    '  L0      0/0      0.00 KB   0.0      0.0       0.05         6    0.008   12K',
    '  L1      1/0     10.00 MB   0.9      0.1       0.02         3    0.010   14K',
    '  L6      1/0    422.08 KB   0.0      0.0       0.02         2    0.010   14K',
    ' Sum      2/0     10.41 MB   0.0      0.1       0.09        11    0.008   26K',
    '',
    '** Compaction Stats [default] **',
    '  L1      9/0     10.00 MB   0.9      0.1       0.02        99    0.010   14K',
  ].join('\n');
  assert.equal(compactionsFromCfStats(table), 5);
  assert.equal(compactionsFromCfStats(''), 0);
});
