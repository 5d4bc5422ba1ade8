// The alternation plan and the ratio arithmetic, without any process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHistogram } from './histogram.js';
import { formatPhase, phaseReport } from './report.js';
import type { PhaseStats } from './runner.js';
import {
  addRound,
  alternationPlan,
  computeRatios,
  createTargetTotals,
  formatRatios,
} from './side-by-side.js';

test('the plan alternates ABBA so every target runs first and last equally often', () => {
  const plan = alternationPlan(2, 4).map((slot) => `${slot.round}:${slot.target}`);
  assert.deepEqual(plan, ['0:0', '0:1', '1:1', '1:0', '2:0', '2:1', '3:1', '3:0']);
  const three = alternationPlan(3, 2).map((slot) => slot.target);
  assert.deepEqual(three, [0, 1, 2, 2, 1, 0]);
  // Each target's mean position in the sequence is the same: drift cancels.
  const positions = (target: number): number =>
    alternationPlan(2, 4).reduce(
      (sum, slot, index) => sum + (slot.target === target ? index : 0),
      0,
    );
  assert.equal(positions(0), positions(1));
});

function stats(operations: number, elapsedMs: number, latencyUs: number): PhaseStats {
  const histogram = createHistogram();
  for (let i = 0; i < operations; i += 1) histogram.record(latencyUs);
  return {
    startedAtMs: 0,
    elapsedMs,
    operations,
    errors: 0,
    byKind: new Map([['read', { histogram, operations, errors: 0 }]]),
    errorsByType: new Map(),
    timeline: [],
    stopReason: 'duration',
  };
}

test('ratios compare merged rounds against the first target', () => {
  const a = createTargetTotals('dynalite');
  const b = createTargetTotals('tessera');
  for (const round of [stats(1000, 1000, 2000), stats(1000, 1000, 2000)])
    addRound(a, round, phaseReport('run', round));
  for (const round of [stats(3000, 1000, 1000), stats(1000, 1000, 1000)])
    addRound(b, round, phaseReport('run', round));
  const rows = computeRatios([a, b]);
  assert.deepEqual(
    rows.map((row) => [row.operation, row.throughputRatio, row.p50Ratio, row.p99Ratio]),
    [
      ['all', 2, Number.NaN, Number.NaN],
      ['read', 2, 0.5, 0.5],
    ],
  );
  assert.equal(b.rounds.length, 2);
  const printed = formatRatios(rows).join('\n');
  assert.match(printed, /tessera \/ dynalite\s+read\s+2\.00x\s+0\.50x\s+0\.50x/);
  assert.deepEqual(computeRatios([]), []);
});

test('the phase table prints every operation and error type', () => {
  const phase = phaseReport('run', {
    ...stats(10, 1000, 1500),
    errors: 2,
    errorsByType: new Map([['read: ThrottlingException', 2]]),
  });
  const lines = formatPhase(phase).join('\n');
  assert.match(lines, /read\s+10\s+10\s+1\.5/);
  assert.match(lines, /read: ThrottlingException: 2/);
  assert.doesNotMatch(lines, /load generator CPU/);
  const measured = formatPhase(phaseReport('run', stats(10, 1000, 1500), 250)).join('\n');
  assert.match(measured, /load generator CPU: 25% of one core, 25000 µs per operation/);
});
