#!/usr/bin/env node
// Runs the whole test suite on node's test runner through tsx.
//
// Node 20's `--test` takes no globs, so this script finds every `*.test.ts` file under the
// code folders and passes the list. Arguments narrow the run: each one is a path prefix
// (`npm test -- lib/raft services/router`). The reporter is TAP so that CI reads the counts.
// Long soaks and benchmarks are not `*.test.ts` files; they have their own npm scripts.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const roots = ['lib', 'services', 'operator', 'bench', 'test', 'scripts', 'helm'];
const skippedFolders = new Set(['node_modules', 'gen', 'dist', 'data', '.git']);
const rootDirectory = process.cwd();

/** Collects test files below `directory`, depth-first, in a stable order. */
function findTests(directory, found) {
  let names;
  try {
    names = readdirSync(directory).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) {
      if (!skippedFolders.has(name)) findTests(path, found);
    } else if (name.endsWith('.test.ts')) {
      found.push(relative(rootDirectory, path).split(sep).join('/'));
    }
  }
}

const prefixes = process.argv.slice(2).filter((argument) => !argument.startsWith('--'));
const passThrough = process.argv.slice(2).filter((argument) => argument.startsWith('--'));
const files = [];
for (const root of roots) findTests(join(rootDirectory, root), files);
const selected =
  prefixes.length === 0 ? files : files.filter((file) => prefixes.some((p) => file.startsWith(p)));
if (selected.length === 0) {
  console.error(`run-tests: no test files match ${prefixes.join(' ') || '(all)'}`);
  process.exit(1);
}

// Two files at a time fits the 2-core machines; many tests wait on sockets and processes.
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// A hung test fails after this long instead of hanging CI.
const testTimeoutMs = process.env.TEST_TIMEOUT_MS ?? '300000';
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=tap',
  `--test-concurrency=${concurrency}`,
  `--test-timeout=${testTimeoutMs}`,
  ...passThrough,
  ...selected,
];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
