#!/usr/bin/env node
// `npm run check`: typecheck, lint, format, buf lint, and the generated-code drift check.
// Each step runs even when an earlier one failed, so one run shows every problem.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
// buf finds protoc-gen-es on PATH; npm scripts add node_modules/.bin, a direct run may not.
const env = {
  ...process.env,
  PATH: `${resolve('node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
};

/** Runs one command, streaming its output; returns true when it exits 0. */
function run(label, command, args, options = {}) {
  console.log(`\n== ${label}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env, ...options });
  const ok = result.status === 0;
  console.log(ok ? `-- ${label}: ok` : `-- ${label}: FAILED`);
  return ok;
}

/** Lists every file below `directory` as paths relative to it. */
function listFiles(directory, base = directory, found = []) {
  if (!existsSync(directory)) return found;
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) listFiles(path, base, found);
    else found.push(relative(base, path));
  }
  return found.sort();
}

/** Regenerates the protobuf code into a scratch folder and compares it with lib/gen. */
function protoDrift() {
  console.log('\n== proto drift');
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-gen-'));
  try {
    const generated = spawnSync(
      bin('buf'),
      ['generate', 'proto', '--template', 'proto/buf.gen.yaml', '--output', scratch],
      { stdio: 'inherit', env },
    );
    if (generated.status !== 0) {
      console.log('-- proto drift: FAILED (buf generate failed)');
      return false;
    }
    const fresh = join(scratch, 'lib', 'gen');
    const committed = join('lib', 'gen');
    const freshFiles = listFiles(fresh);
    const committedFiles = listFiles(committed);
    const problems = [];
    for (const file of new Set([...freshFiles, ...committedFiles])) {
      const a = existsSync(join(fresh, file)) ? readFileSync(join(fresh, file), 'utf8') : null;
      const b = existsSync(join(committed, file))
        ? readFileSync(join(committed, file), 'utf8')
        : null;
      if (a === null) problems.push(`lib/gen/${file} is not generated from proto/ any more`);
      else if (b === null) problems.push(`lib/gen/${file} is missing: run npm run proto:generate`);
      else if (a !== b)
        problems.push(`lib/gen/${file} differs from proto/: run npm run proto:generate`);
    }
    for (const problem of problems) console.log(problem);
    console.log(problems.length === 0 ? '-- proto drift: ok' : '-- proto drift: FAILED');
    return problems.length === 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const results = [
  run('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']),
  run('lint', bin('eslint'), ['--max-warnings', '0', '.']),
  run('format', bin('prettier'), ['--check', '.']),
  run('buf lint', bin('buf'), ['lint', 'proto']),
  protoDrift(),
];
// The k6 scripts are typed against @types/k6, not Node, so they have their own project.
if (existsSync('test/load/k6/tsconfig.json')) {
  results.push(run('k6 typecheck', bin('tsc'), ['--noEmit', '-p', 'test/load/k6/tsconfig.json']));
}
const failed = results.filter((ok) => !ok).length;
console.log(failed === 0 ? '\ncheck: all steps passed' : `\ncheck: ${failed} step(s) failed`);
process.exit(failed === 0 ? 0 : 1);
