import assert from 'node:assert/strict';
import { test } from 'node:test';

import { reproduceCommand, runSimulation } from './simulation.js';

test('a run is a pure function of its seed', () => {
  const first = runSimulation({ seed: 42, steps: 200, faults: true, trace: true });
  const second = runSimulation({ seed: 42, steps: 200, faults: true, trace: true });
  assert.deepEqual(second, first);
  const other = runSimulation({ seed: 43, steps: 200, faults: true, trace: true });
  assert.notDeepEqual(other.trace, first.trace);
});

test('without faults every seed is healthy and clients make progress', () => {
  for (let seed = 1; seed <= 5; seed++) {
    const result = runSimulation({ seed, steps: 200, faults: false });
    assert.deepEqual(result.violations, []);
    assert.ok(result.stats.completed > 50, `seed ${seed} completed ${result.stats.completed}`);
    assert.equal(result.stats.checkerVerdict, 'ok');
  }
});

test('the reproduce command names the seed, the length and any disabled rule', () => {
  assert.equal(
    reproduceCommand({
      seed: 7,
      steps: 300,
      faults: true,
      knobs: { disableVoteUpToDateCheck: true },
    }),
    'npm run sim -- --seed 7 --steps 300 --unsafe disableVoteUpToDateCheck --trace',
  );
});
