// Runs the engine conformance suite against real RocksDB in temporary directories.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
