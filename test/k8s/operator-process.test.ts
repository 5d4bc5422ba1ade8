import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FakeApiServer } from '../../operator/testing/fake-api-server.js';
import { startFakeApiServer } from '../../operator/testing/fake-api-server.js';

let api: FakeApiServer;
let directory: string;
let child: ChildProcess | undefined;
let output = '';

/** Polls until `condition` holds or the deadline passes. */
async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 30_000,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end)
      assert.fail(`timed out waiting for ${what}; output:\n${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  api = await startFakeApiServer();
  directory = mkdtempSync(join(tmpdir(), 'tessera-operator-'));
  writeFileSync(
    join(directory, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: fake, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: fake, user: {}}]',
      'contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: ops}}]',
      'current-context: fake',
    ].join('\n'),
  );
});

after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await api.close();
  rmSync(directory, { recursive: true, force: true });
});

test('the operator process elects itself, reconciles a new cluster, serves metrics and stops on SIGTERM', async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'operator/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: join(directory, 'kubeconfig'),
      TESSERA_ADMIN_PORT: '0',
      TESSERA_NAMESPACE: 'ops',
      TESSERA_NODE_ID: 'operator-0',
      TESSERA_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child?.on('exit', (code) => resolve(code)),
  );

  await eventually(() => /"adminPort":\d+/.test(output), 'the admin server');
  const adminPort = Number(/"adminPort":(\d+)/.exec(output)?.[1]);
  await eventually(
    () => api.get('Lease', 'ops', 'tessera-operator') !== undefined,
    'the leader Lease',
  );
  assert.equal(
    (api.get('Lease', 'ops', 'tessera-operator')?.spec as { holderIdentity: string })
      .holderIdentity,
    'operator-0',
  );

  api.seed('TesseraCluster', {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name: 'demo', namespace: 'apps' },
    spec: { version: '0.1.0', storage: { replicas: 3 } },
  });
  await eventually(
    () => api.get('StatefulSet', 'apps', 'demo-storage') !== undefined,
    'the storage StatefulSet',
  );
  await eventually(async () => {
    const metrics = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then((response) =>
      response.text(),
    );
    // The runtime labels every series with service="operator".
    return (
      /tessera_operator_reconciles_total\{[^}]*result="requeue"[^}]*\} [1-9]/.test(metrics) &&
      /tessera_operator_is_leader\{[^}]*\} 1/.test(metrics)
    );
  }, 'reconcile metrics');
  assert.equal((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status, 200);

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(
    (api.get('Lease', 'ops', 'tessera-operator')?.spec as { holderIdentity: string })
      .holderIdentity,
    '',
    'the Lease is released for a successor',
  );
});
