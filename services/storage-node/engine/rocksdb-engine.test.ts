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
import { openRocksDbEngine } from './rocksdb-engine.js';

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
