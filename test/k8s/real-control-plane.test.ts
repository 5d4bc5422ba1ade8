// The operator against the REAL control plane: a control-plane process
// (services/control-plane/main.ts) with four storage-node processes (services/storage-node/
// main.ts) registered under node ids as the storage pods draw them (`<pod>.<incarnation>`),
// the reconciler running against the fake Kubernetes API server. A table with RF=3 puts
// replicas on every node. In order, sharing the cluster:
// 1. shrinking 4 → 3 drains demo-storage-3 through ControlAdmin.DrainNode over gRPC, waits
//    until the control plane reports it holds no replicas, and only then shrinks the set;
// 2. growing back to 4: the re-created pod joins under a new incarnation and gets replicas;
// 3. a rolling upgrade restarts one storage process at a time, each only while the control
//    plane reports every partition whole.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NodeState as WireNodeState } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { clusterNames, storageNodeId } from '../../operator/api/names.js';
import type { TesseraClusterStatus } from '../../operator/api/types.js';
import type {
  AdminResult,
  ClusterStatus,
  ControlPlaneAdmin,
  NodeStatus,
} from '../../operator/control/admin.js';
import type { GrpcControlPlaneAdmin } from '../../operator/control/grpc-admin.js';
import { createGrpcControlPlaneAdmin } from '../../operator/control/grpc-admin.js';
import { createKubeClient, kubeConfigFor } from '../../operator/kube/client.js';
import type { ReconcilerDeps } from '../../operator/reconcile/pass.js';
import { reconcileCluster } from '../../operator/reconcile/reconciler.js';
import type { FakeApiServer } from '../../operator/testing/fake-api-server.js';
import { startFakeApiServer } from '../../operator/testing/fake-api-server.js';
import { settleDeployment, settleStatefulSet } from '../../operator/testing/simulate.js';
import { pollUntil } from '../helpers/poll.js';
import type { TestProcess } from '../helpers/process.js';
import { stopProcess } from '../helpers/process.js';
import { TesseraProcesses, findLeader, tableRequest } from './tessera-processes.js';
import type { ControlReplica } from './tessera-processes.js';

const namespace = 'db';
const cluster = 'demo';
const names = clusterNames(cluster, namespace);
const storageReplicas = 4;
/** Partitions of the test table: 4 × RF 3 = 12 replicas, so every node holds some. */
const partitions = 4;

/** Records what the reconciler saw and asked, passing every call to the real client. */
class RecordingAdmin implements ControlPlaneAdmin {
  readonly statuses: ClusterStatus[] = [];
  readonly drains: string[] = [];
  readonly cancels: string[] = [];

  constructor(private readonly inner: ControlPlaneAdmin) {}

  async clusterStatus(): Promise<AdminResult<ClusterStatus>> {
    const answer = await this.inner.clusterStatus();
    if (answer.ok) this.statuses.push(answer.value);
    return answer;
  }

  drainNode(nodeId: string): Promise<AdminResult<void>> {
    this.drains.push(nodeId);
    return this.inner.drainNode(nodeId);
  }

  cancelDrain(nodeId: string): Promise<AdminResult<void>> {
    this.cancels.push(nodeId);
    return this.inner.cancelDrain(nodeId);
  }
}

const processes = new TesseraProcesses();
/** The storage process playing each pod, by ordinal, with what a restart needs. */
const pods = new Map<number, { nodeId: string; port: number; process: TestProcess }>();
let api: FakeApiServer;
let grpcAdmin: GrpcControlPlaneAdmin | undefined;
let controlReplica: ControlReplica | undefined;
let controlAddress = '';

before(async () => {
  api = await startFakeApiServer();
});

after(async () => {
  grpcAdmin?.close();
  await processes.stopAll();
  await api.close();
});

function storageSetReplicas(): number {
  return (api.get('StatefulSet', namespace, names.storage)?.spec as { replicas: number }).replicas;
}

function settle(): void {
  settleStatefulSet(api, namespace, names.storage);
  settleStatefulSet(api, namespace, names.controlPlane);
  settleDeployment(api, namespace, names.router);
}

/**
 * A storage node id as a pod's start script draws it: the pod name and the incarnation of its
 * volume (fixed here, random in a pod; see operator/builders/storage.ts).
 */
function nodeIdOf(ordinal: number, incarnation: number): string {
  return `${storageNodeId(names, ordinal)}.${incarnation.toString(16).padStart(8, '0')}`;
}

/** Starts the storage process of pod `ordinal` (again, on the same data, for a restart). */
function startPod(ordinal: number, nodeId: string, port: number): TestProcess {
  const process = processes.startStorageNode(nodeId, port, controlAddress);
  pods.set(ordinal, { nodeId, port, process });
  return process;
}

function nodeIn(status: ClusterStatus | undefined, nodeId: string): NodeStatus | undefined {
  return status?.nodes.find((node) => node.nodeId === nodeId);
}

/**
 * Starts the control plane and one storage node per pod ordinal, creates the test table and
 * resolves, once it is ACTIVE, with the operator's admin client for that control plane.
 */
async function startCluster(): Promise<RecordingAdmin> {
  const ports = await processes.ports(1 + storageReplicas);
  // Heartbeats every 200 ms and suspicion after 1 s, so a storage pod's restart during the
  // rolling upgrade shows in the control plane's partition health (the operator's gate).
  const [control] = await processes.startControlPlane(['control-1'], ports.slice(0, 1), [
    `--initial-partitions=${partitions}`,
    '--heartbeat-interval-ms=200',
    '--suspect-after-ms=1000',
  ]);
  assert.ok(control);
  await findLeader([control]);
  controlReplica = control;
  controlAddress = control.address;
  grpcAdmin = createGrpcControlPlaneAdmin(control.address);
  const admin = new RecordingAdmin(grpcAdmin);
  for (let ordinal = 0; ordinal < storageReplicas; ordinal += 1) {
    const nodeId = nodeIdOf(ordinal, 1);
    startPod(ordinal, nodeId, ports[1 + ordinal] ?? 0);
  }
  // Up, not just joining (the operator's 'alive' covers both): CreateTable needs three up.
  await pollUntil(
    async () => {
      const status = await control.admin.getClusterStatus({});
      const up = status.nodes.filter((node) => node.state === WireNodeState.UP);
      return up.length === storageReplicas ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'four storage nodes up' },
  );
  assert.equal((await control.catalog.createTable(tableRequest('Music'))).error, undefined);
  await pollUntil(
    async () => {
      const described = await control.catalog.describeTable({ request: { tableName: 'Music' } });
      return described.response?.table?.tableStatus === 'ACTIVE' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'Music ACTIVE' },
  );
  return admin;
}

/** Reconciles and settles until a pass ends `done` (bounded). */
async function reconcileUntilDone(deps: ReconcilerDeps, description: string): Promise<void> {
  await pollUntil(
    async () => {
      const outcome = await reconcileCluster(deps, namespace, cluster);
      settle();
      return outcome.result === 'done' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, description },
  );
}

/**
 * Rethrows a failure with what the control plane reports now (nodes, moves in flight) and its
 * last warnings, so a stuck drain says where it stuck.
 */
async function explainFailure<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const status = await controlReplica?.admin.getClusterStatus({}).catch(() => undefined);
    const nodes = status?.nodes.map((n) => `${n.nodeId}:${n.state}/${n.replicaCount}`).join(' ');
    const moves = status?.moves.map(
      (m) => `${m.partitionId} ${m.fromNodeId}→${m.toNodeId} ${m.step}`,
    );
    const warnings = (controlReplica?.process.stdout ?? [])
      .filter((line) => /"level":"(warn|error)"/.test(line))
      .slice(-5);
    throw new Error(
      `${String(error)}\nnodes: ${nodes}\nmoves: ${JSON.stringify(moves)}\nunder-replicated: ${status?.underReplicatedPartitions}\ncontrol-plane warnings:\n${warnings.join('\n')}`,
      { cause: error },
    );
  }
}

function clusterStatusOf(): TesseraClusterStatus | undefined {
  return api.get('TesseraCluster', namespace, cluster)?.status as TesseraClusterStatus | undefined;
}

test('scale down 4 → 3 drains demo-storage-3 on the real control plane, then shrinks', async (t) => {
  const admin = await startCluster();
  const deps: ReconcilerDeps = {
    kube: createKubeClient(kubeConfigFor(api.url, namespace)),
    adminFor: () => admin,
    nowMs: () => Date.now(),
  };
  api.seed('TesseraCluster', {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name: cluster, namespace },
    spec: { version: '1', replicationFactor: 3, storage: { replicas: storageReplicas } },
  });
  await reconcileUntilDone(deps, 'the new cluster Ready');
  const leaving = nodeIdOf(storageReplicas - 1, 1);
  const before = admin.statuses.at(-1);
  const holdingBefore = nodeIn(before, leaving)?.replicas ?? 0;
  assert.ok(holdingBefore > 0, `${leaving} holds ${holdingBefore} replicas before the scale-down`);
  assert.equal(before?.underReplicatedPartitions, 0);

  api.update('TesseraCluster', namespace, cluster, (object) => {
    (object.spec as { storage: { replicas: number } }).storage.replicas = storageReplicas - 1;
  });
  const drainStartedMs = Date.now();
  // Pass after pass, as the work queue would requeue it, until the StatefulSet shrinks. The
  // status each pass saw is recorded: the shrinking pass must have seen the node empty.
  let passesWhileHolding = 0;
  let sawDrainingCondition = false;
  const shrinkingStatus = await explainFailure(
    pollUntil(
      async () => {
        await reconcileCluster(deps, namespace, cluster);
        settle();
        const seen = admin.statuses.at(-1);
        if (storageSetReplicas() === storageReplicas - 1) return seen ?? null;
        if ((nodeIn(seen, leaving)?.replicas ?? 0) > 0) passesWhileHolding += 1;
        const progressing = clusterStatusOf()?.conditions?.find((c) => c.type === 'Progressing');
        if (
          progressing?.reason === 'Draining' &&
          clusterStatusOf()?.drainingNodes?.includes(leaving)
        )
          sawDrainingCondition = true;
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: `${leaving} drained and the set shrunk` },
    ),
  );
  t.diagnostic(
    `${leaving} held ${holdingBefore} replicas; drained and removed in ${Date.now() - drainStartedMs} ms, ${passesWhileHolding} passes waited`,
  );
  assert.ok(shrinkingStatus, 'the shrinking pass read the cluster status');
  // Drained (empty, still draining) or already decommissioned by the control plane.
  const seenLeaving = nodeIn(shrinkingStatus, leaving);
  assert.deepEqual(
    [seenLeaving?.replicas, seenLeaving?.leaders],
    [0, 0],
    'the StatefulSet shrank only once the control plane reported the node empty',
  );
  assert.ok(seenLeaving?.state === 'drained' || seenLeaving?.state === 'decommissioned');
  assert.ok(passesWhileHolding > 0, 'the operator waited while the node still held replicas');
  assert.ok(sawDrainingCondition, 'Progressing/Draining named the node while it drained');
  assert.ok(admin.drains.length > 0 && admin.drains.every((nodeId) => nodeId === leaving));
  assert.deepEqual(admin.cancels, []);
  const leavingClaim = `data-${storageNodeId(names, storageReplicas - 1)}`;
  assert.equal(api.get('PersistentVolumeClaim', namespace, leavingClaim), undefined);

  // Kubernetes now stops the pod; the remaining three nodes hold every replica.
  const leavingPod = pods.get(storageReplicas - 1);
  assert.ok(leavingPod);
  await stopProcess(leavingPod.process);
  const after = await pollUntil(
    async () => {
      const status = await admin.clusterStatus();
      return status.ok &&
        status.value.underReplicatedPartitions === 0 &&
        status.value.leaderlessPartitions === 0
        ? status.value
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'every partition fully replicated' },
  );
  const staying = after.nodes.filter((node) => node.nodeId !== leaving);
  assert.equal(
    staying.reduce((sum, node) => sum + node.replicas, 0),
    partitions * 3,
    'the three staying nodes hold all replicas',
  );
  await reconcileUntilDone(deps, 'the shrunk cluster Ready');
  const ready = clusterStatusOf()?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  assert.equal(storageSetReplicas(), storageReplicas - 1);
});

/** Reconciler dependencies over the admin client the first test created. */
function depsFor(admin: ControlPlaneAdmin): ReconcilerDeps {
  return {
    kube: createKubeClient(kubeConfigFor(api.url, namespace)),
    adminFor: () => admin,
    nowMs: () => Date.now(),
  };
}

test('scale back up 3 → 4: the re-created pod joins under a new incarnation and takes replicas', async (t) => {
  assert.ok(grpcAdmin, 'the scale-down test ran first');
  const admin = new RecordingAdmin(grpcAdmin);
  const deps = depsFor(admin);
  api.update('TesseraCluster', namespace, cluster, (object) => {
    (object.spec as { storage: { replicas: number } }).storage.replicas = storageReplicas;
  });
  await reconcileCluster(deps, namespace, cluster);
  settle();
  assert.equal(storageSetReplicas(), storageReplicas, 'the StatefulSet grew back');
  // The pod comes back on a fresh volume (the old claim was deleted), so it draws a new
  // incarnation: the control plane never lets the decommissioned id register again.
  const retired = nodeIdOf(storageReplicas - 1, 1);
  const returning = nodeIdOf(storageReplicas - 1, 2);
  const [port] = await processes.ports(1);
  startPod(storageReplicas - 1, returning, port ?? 0);
  const joinedMs = Date.now();
  const rebalanced = await explainFailure(
    pollUntil(
      async () => {
        const outcome = await reconcileCluster(deps, namespace, cluster);
        settle();
        const node = nodeIn(admin.statuses.at(-1), returning);
        return outcome.result === 'done' && node?.state === 'alive' && node.replicas > 0
          ? admin.statuses.at(-1)
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: `${returning} holding replicas` },
    ),
  );
  t.diagnostic(
    `${returning} holds ${nodeIn(rebalanced, returning)?.replicas} replicas ${Date.now() - joinedMs} ms after it started`,
  );
  assert.equal(nodeIn(rebalanced, retired)?.state, 'decommissioned');
  assert.deepEqual(admin.cancels, [], 'no cancel of a drain the control plane already finished');
  assert.equal(clusterStatusOf()?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

function storageSetPartition(): number {
  const spec = api.get('StatefulSet', namespace, names.storage)?.spec as {
    updateStrategy: { rollingUpdate: { partition: number } };
  };
  return spec.updateStrategy.rollingUpdate.partition;
}

/** What one pod's restart showed about the operator's gates. */
interface RollReport {
  /** Passes that moved the partition while they should have waited. */
  violations: string[];
  /** Whether the pass with every pod ready but the node silent waited for partition health. */
  waitedForHealth: boolean;
}

/** One reconcile pass; records a violation if it moved the update partition. */
async function passMustHold(deps: ReconcilerDeps, why: string, report: RollReport): Promise<void> {
  const before = storageSetPartition();
  await reconcileCluster(deps, namespace, cluster);
  if (storageSetPartition() !== before)
    report.violations.push(`partition ${before} → ${storageSetPartition()} while ${why}`);
}

/**
 * Plays the StatefulSet controller for a lowered update partition: the pod at that ordinal is
 * stopped and started again on its volume (same id, same data). While it is down one pass
 * must hold the partition (a pod is not ready). Then, once the control plane has noticed the
 * node's silence, the pod is reported ready before its process is back (a readiness probe
 * that passes before the node re-registers): that pass must hold too, because the control
 * plane reports under-replicated partitions. Resolves once the process listens again.
 */
async function rollPod(deps: ReconcilerDeps, ordinal: number, report: RollReport): Promise<void> {
  const pod = pods.get(ordinal);
  if (!pod) throw new Error(`no process for ordinal ${ordinal}`);
  await stopProcess(pod.process);
  settleStatefulSet(api, namespace, names.storage, { ready: storageReplicas - 1 });
  await passMustHold(deps, `pod ${ordinal} was not ready`, report);
  await pollUntil(
    async () => {
      const status = await grpcAdmin?.clusterStatus();
      return status?.ok && nodeIn(status.value, pod.nodeId)?.state === 'suspect' ? true : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100, description: `${pod.nodeId} suspect` },
  );
  settle();
  await passMustHold(deps, `${pod.nodeId} was silent`, report);
  const progressing = clusterStatusOf()?.conditions?.find((c) => c.type === 'Progressing');
  if (/fully replicated/.test(progressing?.message ?? '')) report.waitedForHealth = true;
  const restarted = startPod(ordinal, pod.nodeId, pod.port);
  await restarted.waitForLine((line) => line.includes('"msg":"listening"'), 30_000);
}

test('rolling upgrade: one storage pod at a time, each only while every partition is healthy', async (t) => {
  assert.ok(grpcAdmin, 'the earlier tests ran first');
  const admin = new RecordingAdmin(grpcAdmin);
  const deps = depsFor(admin);
  api.update('TesseraCluster', namespace, cluster, (object) => {
    (object.spec as { version: string }).version = '2';
  });
  await reconcileCluster(deps, namespace, cluster);
  settle();
  assert.equal(storageSetPartition(), storageReplicas, 'the new template holds every pod back');
  const startedMs = Date.now();
  const rolled: number[] = [];
  // Collected, not asserted inside the poll: pollUntil retries a check that throws.
  const reports: RollReport[] = [];
  await explainFailure(
    pollUntil(
      async () => {
        const before = storageSetPartition();
        await reconcileCluster(deps, namespace, cluster);
        const after = storageSetPartition();
        const seen = admin.statuses.at(-1);
        if (after < before) {
          // The pass that let the next pod go must have seen every partition healthy.
          const health = [seen?.underReplicatedPartitions, seen?.leaderlessPartitions];
          const report: RollReport = { violations: [], waitedForHealth: false };
          if (after !== before - 1 || health[0] !== 0 || health[1] !== 0)
            report.violations.push(
              `partition ${before} → ${after} with health ${health.join('/')}`,
            );
          rolled.push(after);
          reports.push(report);
          await rollPod(deps, after, report);
        }
        settle();
        return after === 0 && clusterStatusOf()?.currentVersion === '2' ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200, description: 'every storage pod upgraded' },
    ),
  );
  t.diagnostic(`4 storage pods restarted one at a time in ${Date.now() - startedMs} ms`);
  assert.deepEqual(
    reports.flatMap((report) => report.violations),
    [],
  );
  assert.deepEqual(rolled, [3, 2, 1, 0]);
  // After the last pod (ordinal 0) there is no next one to hold back.
  assert.deepEqual(
    reports.map((report) => report.waitedForHealth),
    [true, true, true, false],
    'with every pod ready but a node silent, the operator waited for partition health',
  );
  await reconcileUntilDone(deps, 'the upgraded cluster Ready');
  const healthy = admin.statuses.at(-1);
  assert.deepEqual([healthy?.underReplicatedPartitions, healthy?.leaderlessPartitions], [0, 0]);
});
