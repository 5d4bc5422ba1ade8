// Runs every interaction script in lib/raft/testdata. To accept a behaviour change,
// regenerate the expected output and review the diff:
//
//   RAFT_REWRITE=1 npm test -- lib/raft/interaction

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parseDataDriven, renderDataDriven } from './datadriven.js';
import { InteractionEnv } from './env.js';

const testdata = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'testdata');
const rewrite = process.env.RAFT_REWRITE === '1';

for (const file of readdirSync(testdata)
  .filter((name) => name.endsWith('.txt'))
  .sort()) {
  test(`interaction script ${file}`, () => {
    const path = join(testdata, file);
    const cases = parseDataDriven(readFileSync(path, 'utf8'));
    const env = new InteractionEnv();
    const actual = cases.map((testCase) => {
      try {
        const output = env.run(testCase.command);
        return output === '' ? 'ok' : output;
      } catch (error) {
        return `panic: ${error instanceof Error ? error.message : String(error)}`;
      }
    });
    // Scripts named *-unsafe switch a safety rule off and must show the violation;
    // every other script must be free of one.
    const violated = actual.some((output) => output.includes('SAFETY VIOLATION'));
    assert.equal(
      violated,
      file.includes('-unsafe'),
      `${file}: safety violation expected = ${file.includes('-unsafe')}`,
    );
    if (rewrite) {
      writeFileSync(path, renderDataDriven(cases, actual));
      return;
    }
    cases.forEach((testCase, index) => {
      assert.equal(
        actual[index],
        testCase.expected,
        `${file}:${testCase.line}: ${testCase.command}`,
      );
    });
  });
}
