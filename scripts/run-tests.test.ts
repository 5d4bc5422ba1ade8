// The test runner's own contract: every code folder it promises to search exists, so a
// test file placed in one of them is really run.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

test('every folder the test runner searches exists', () => {
  for (const folder of ['lib', 'services', 'operator', 'bench', 'test']) {
    assert.ok(existsSync(folder), `${folder} is missing`);
  }
});
