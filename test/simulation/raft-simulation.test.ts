// CI's simulator run: 1,000 seeds with faults on, every safety property checked
// continuously and every client history checked for linearizability; plus mutation
// tests proving the simulator notices when a safety rule is switched off.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { SimulationOptions } from '../../lib/raft/simulator/simulation.js';
import { reproduceCommand, runSimulation } from '../../lib/raft/simulator/simulation.js';

const CI_SEEDS = 1000;
const STEPS = 300;

test(`${CI_SEEDS} seeds × ${STEPS} ticks with faults keep every safety property`, (t) => {
  const failures: string[] = [];
  const totals: Record<string, number> = {};
  let undecided = 0;
  for (let seed = 1; seed <= CI_SEEDS; seed++) {
    const options: SimulationOptions = { seed, steps: STEPS, faults: true };
    const result = runSimulation(options);
    if (result.stats.checkerVerdict === 'unknown') undecided++;
    for (const [name, value] of Object.entries(result.stats)) {
      if (typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
    }
    if (!result.ok) {
      failures.push(
        `seed ${seed}: ${result.violations.join('; ')}\n  reproduce: ${reproduceCommand(options)}`,
      );
      if (failures.length >= 5) break;
    }
  }
  t.diagnostic(`totals over ${CI_SEEDS} seeds: ${JSON.stringify(totals)}`);
  assert.deepEqual(failures, []);
  // A run where the faults and features never happened would prove nothing: require
  // that every kind of event the checks are about actually occurred across the seeds.
  for (const name of [
    'elections',
    'faults',
    'leaseReads',
    'readIndexReads',
    'snapshotsDelivered',
    'transfers',
    'membershipChanges',
  ]) {
    assert.ok((totals[name] ?? 0) > CI_SEEDS / 10, `too few ${name}: ${totals[name]}`);
  }
  assert.ok((totals.operations ?? 0) > CI_SEEDS * 100, 'too few client operations');
  // A history the checker gave up on proves nothing; keep that rare.
  assert.ok(
    undecided <= CI_SEEDS / 100,
    `${undecided} histories exceeded the checker's work bound`,
  );
});

/** Runs seeds with a safety rule switched off until one fails; returns that seed. */
function firstFailingSeed(knobs: SimulationOptions['knobs']): number | null {
  for (let seed = 1; seed <= CI_SEEDS; seed++) {
    const result = runSimulation({ seed, steps: STEPS, faults: true, knobs });
    if (!result.ok) return seed;
  }
  return null;
}

test('mutation: granting votes without the up-to-date check is caught within the CI seeds', () => {
  const seed = firstFailingSeed({ disableVoteUpToDateCheck: true });
  assert.notEqual(seed, null, 'the simulator missed a known election-restriction bug');
});

test('mutation: a lease longer than the drift bound allows is caught within the CI seeds', () => {
  const seed = firstFailingSeed({ skipLeaseBoundCheck: true });
  assert.notEqual(seed, null, 'the simulator missed stale lease reads');
});
