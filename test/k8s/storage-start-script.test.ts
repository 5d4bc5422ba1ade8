// The storage container's start script (operator/builders/storage.ts), run with /bin/sh as the
// pod runs it, with a stand-in `tessera` on PATH: a fresh volume draws `<pod>.<8 hex digits>`,
// a restart on the same volume keeps it, and a new volume gets a new one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { clusterNames, storageOrdinal } from '../../operator/api/names.js';
import type { TesseraCluster } from '../../operator/api/types.js';
import { resolveSpec } from '../../operator/api/types.js';
import { buildStorageStatefulSet } from '../../operator/builders/storage.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-start-'));
after(() => rmSync(directory, { recursive: true, force: true }));

const cluster: TesseraCluster = {
  apiVersion: 'tessera.dev/v1alpha1',
  kind: 'TesseraCluster',
  metadata: { name: 'demo', namespace: 'db', uid: 'uid-1' },
  spec: { version: '1', storage: { replicas: 4 } },
};
const names = clusterNames('demo', 'db');
const container = buildStorageStatefulSet({ cluster, names, spec: resolveSpec(cluster.spec) }, 4, 0)
  .spec?.template.spec?.containers[0];

/** Runs the container's command and args as the kubelet would, on the volume `volume`. */
function start(volume: string): string {
  assert.ok(container?.command && container.args);
  const [shell, ...rest] = container.command;
  assert.equal(shell, '/bin/sh');
  return execFileSync('sh', [...rest, ...container.args], {
    env: {
      PATH: `${join(directory, 'bin')}:/usr/bin:/bin`,
      TESSERA_NODE_ID: 'demo-storage-3',
      TESSERA_DATA_DIR: volume,
    },
    encoding: 'utf8',
    timeout: 10_000,
  }).trim();
}

test('a volume keeps the node id it drew; a new volume draws a new one', () => {
  const bin = join(directory, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'tessera'), '#!/bin/sh\necho "$TESSERA_NODE_ID $*"\n');
  chmodSync(join(bin, 'tessera'), 0o755);
  const script = container?.command?.[2] ?? '';
  assert.ok(!script.includes('$('), 'no $( for Kubernetes to expand');

  const volume = join(directory, 'volume-1');
  mkdirSync(volume);
  const first = start(volume);
  assert.match(first, /^demo-storage-3\.[0-9a-f]{8} storage-node$/);
  const nodeId = first.split(' ')[0] ?? '';
  assert.equal(storageOrdinal(names, nodeId), 3);
  assert.equal(start(volume), first, 'a restart on the same volume keeps the id');

  const fresh = join(directory, 'volume-2');
  mkdirSync(fresh);
  const second = start(fresh);
  assert.match(second, /^demo-storage-3\.[0-9a-f]{8} storage-node$/);
  assert.notEqual(second, first, 'a new volume is a new node');
});
