// Report figures: request rates over windows no caller can cut short, and partition sizes
// measured (a scan) at most once per interval or when the epoch changes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryEngine } from '../engine/memory-engine.js';
import type { Engine } from '../engine/engine.js';
import type { PartitionMeta } from '../host/partition-meta.js';
import { RequestRates, SizeCache } from './partition-stats.js';

const meta = (epoch: number): PartitionMeta => ({
  partitionId: 'p1',
  groupNumber: 1,
  tableId: 't1',
  tableName: 'Things',
  schema: { partitionKey: { name: 'id', type: 'S' } },
  hashStart: new Uint8Array(16),
  hashEnd: undefined,
  epoch,
  initialVoters: ['n1'],
  addresses: {},
});

/** An engine that counts its scans. */
function countingEngine(): { engine: Engine; scans: () => number } {
  const inner = createMemoryEngine();
  let scans = 0;
  const engine = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'scan' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        scans += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { engine, scans: () => scans };
}

describe('partition report figures', () => {
  test('a take() inside the minimum window answers the previous rates', () => {
    let nowMs = 0;
    const rates = new RequestRates(() => nowMs, 500);
    for (let i = 0; i < 10; i++) rates.record('p1', 'write');
    nowMs = 1_000;
    assert.equal(rates.take().get('p1')?.writesPerSecond, 10);
    rates.record('p1', 'write');
    nowMs = 1_100;
    // Asked again 100 ms later (a move step's report): the heartbeat's window is not cut.
    assert.equal(rates.take().get('p1')?.writesPerSecond, 10);
    nowMs = 2_000;
    assert.equal(rates.take().get('p1')?.writesPerSecond, 1);
  });

  test('sizes are measured once per interval, and again when the epoch changes', async () => {
    let nowMs = 0;
    const { engine, scans } = countingEngine();
    const sizes = new SizeCache(() => nowMs, 10_000);
    await sizes.measure(engine, meta(1));
    const first = scans();
    assert.ok(first > 0);
    nowMs = 5_000;
    await sizes.measure(engine, meta(1));
    assert.equal(scans(), first, 'measured again inside the interval');
    await sizes.measure(engine, meta(2));
    assert.equal(scans(), 2 * first, 'a split (new epoch) is measured at once');
    nowMs = 16_000;
    await sizes.measure(engine, meta(2));
    assert.equal(scans(), 3 * first);
    sizes.retain(new Set());
    await sizes.measure(engine, meta(2));
    assert.equal(scans(), 4 * first, 'a forgotten partition is measured afresh');
  });
});

test('requests sample the keys they address: one in eight is hashed, weighted by how often', () => {
  let nowMs = 0;
  const rates = new RequestRates(() => nowMs, 500);
  let hashed = 0;
  const hot = new Uint8Array(16).fill(0xaa);
  const cold = new Uint8Array(16).fill(0x11);
  for (let i = 0; i < 160; i++) {
    // Two thirds of the requests address the hot key.
    const key = i % 3 === 0 ? cold : hot;
    rates.record('p1', 'write', () => {
      hashed += 1;
      return key;
    });
  }
  assert.equal(hashed, 20, 'only sampled requests compute their hash');
  nowMs = 1_000;
  const samples = rates.take().get('p1')?.samples ?? [];
  const weights = samples.map((s) => [Buffer.from(s.hash).toString('hex').slice(0, 2), s.weight]);
  assert.equal(weights[0]?.[0], 'aa', 'the hot key weighs most, and comes first');
  assert.equal(
    samples.reduce((sum, s) => sum + s.weight, 0),
    20,
  );
  assert.ok((weights[0]?.[1] as number) > (weights[1]?.[1] as number));
});
