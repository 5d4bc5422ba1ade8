/**
 * Reconciles one TesseraCluster: an ordered chain of idempotent steps over the pure
 * builders, then a status write. A step stops the chain to refuse an unsafe spec or
 * when the cluster is being deleted; API errors propagate to the controller, which
 * requeues the key with backoff.
 */
import { clusterNames, labelSelectorString, selectorLabels } from '../api/names.js';
import type { TesseraCluster } from '../api/types.js';
import { clusterApiVersion, clusterKind, clusterNameLengthMax, resolveSpec } from '../api/types.js';
import { isClusterHealthy } from '../control/admin.js';
import { hashOf } from './apply.js';
import type { Pass, ReconcileResult, ReconcilerDeps, Step } from './pass.js';
import { eventsFor, recordEvents } from './events.js';
import { buildStatus } from './status.js';
import { storagePollIntervalMs } from './storage-plan.js';
import { ensureStorage } from './storage-step.js';
import {
  checkSafety,
  ensureConfigMap,
  ensureControlPlane,
  ensureDisruptionBudgets,
  ensureFinalizer,
  ensureRouters,
  ensureServiceMonitor,
  ensureServices,
  finalizeIfDeleting,
  observe,
} from './steps.js';

/** The chain, in order. Names appear in logs. */
export const reconcileSteps: readonly (readonly [string, Step])[] = [
  ['finalize', finalizeIfDeleting],
  ['add-finalizer', ensureFinalizer],
  ['observe', observe],
  ['check-safety', checkSafety],
  ['config-map', ensureConfigMap],
  ['services', ensureServices],
  ['control-plane', ensureControlPlane],
  ['disruption-budgets', ensureDisruptionBudgets],
  ['service-monitor', ensureServiceMonitor],
  ['storage', ensureStorage],
  ['routers', ensureRouters],
];

/** How soon to look again when the control plane could not be asked. */
export const adminRetryMs = 10_000;

/** Reconciles the TesseraCluster `namespace/name`. */
export async function reconcileCluster(
  deps: ReconcilerDeps,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  // Custom resources come back as plain JSON (client-node has no model for them).
  const cluster = (await deps.kube.get({
    apiVersion: clusterApiVersion,
    kind: clusterKind,
    namespace,
    name,
  })) as TesseraCluster | undefined;
  if (!cluster) return { result: 'gone' };
  const invalid = invalidShape(cluster);
  if (invalid) {
    await writeRefusal(deps, cluster, invalid);
    return { result: 'refused', reason: invalid.reason };
  }
  const spec = resolveSpec(cluster.spec);
  const pass: Pass = { cluster, context: { cluster, names: clusterNames(name, namespace), spec } };
  let outcome: ReconcileResult | undefined;
  for (const [, step] of reconcileSteps) {
    const result = await step(pass, deps);
    if (result.kind === 'stop') {
      outcome = result.outcome;
      break;
    }
  }
  if (outcome?.result === 'deleted') return outcome;
  await writeStatus(deps, pass);
  if (outcome) return outcome;
  if (pass.progress) {
    return { result: 'requeue', afterMs: storagePollIntervalMs, reason: pass.progress.reason };
  }
  if (pass.adminError)
    return { result: 'requeue', afterMs: adminRetryMs, reason: adminErrorReason(pass) };
  // Not Ready until the control plane reports every partition whole: look again soon.
  if (pass.clusterStatus && !isClusterHealthy(pass.clusterStatus))
    return { result: 'requeue', afterMs: storagePollIntervalMs, reason: 'PartitionsUnhealthy' };
  return { result: 'done' };
}

/** Checks what the CRD schema would have rejected, in case it was installed without it. */
function invalidShape(cluster: TesseraCluster): { reason: string; message: string } | undefined {
  if (cluster.metadata.name.length > clusterNameLengthMax) {
    return {
      reason: 'InvalidName',
      message: `metadata.name must be at most ${clusterNameLengthMax} characters`,
    };
  }
  const storage = cluster.spec?.storage as { replicas?: unknown } | undefined;
  if (typeof storage?.replicas !== 'number' || typeof cluster.spec.version !== 'string') {
    return {
      reason: 'InvalidSpec',
      message: 'spec.version and spec.storage.replicas are required',
    };
  }
  return undefined;
}

async function writeRefusal(
  deps: ReconcilerDeps,
  cluster: TesseraCluster,
  degraded: { reason: string; message: string },
): Promise<void> {
  const status = buildStatus({
    generation: cluster.metadata.generation ?? 0,
    version: String(cluster.spec?.version ?? ''),
    previous: cluster.status,
    nowIso: new Date(deps.nowMs()).toISOString(),
    labelSelector: '',
    storageReplicas: cluster.status?.replicas ?? 0,
    storageReadyReplicas: cluster.status?.readyReplicas ?? 0,
    desiredStorageReplicas: 0,
    componentsReady: false,
    drainingNodes: [],
    degraded,
  });
  if (hashOf(status) !== hashOf(cluster.status ?? {})) {
    await deps.kube.writeClusterStatus(cluster.metadata.namespace, cluster.metadata.name, status);
    await recordEvents(deps.kube, cluster, eventsFor(cluster.status, status), deps.nowMs());
  }
}

/** The condition reason for a failed admin call: refused by the leader, or not answered. */
function adminErrorReason(pass: Pass): string {
  return pass.adminErrorCode === 'rejected' ? 'ControlPlaneRefused' : 'ControlPlaneUnreachable';
}

async function writeStatus(deps: ReconcilerDeps, pass: Pass): Promise<void> {
  const { cluster, context } = pass;
  const { spec, names } = context;
  const storage = pass.storageSet;
  const storageReady = storage?.status?.readyReplicas ?? 0;
  const componentsReady =
    storageReady >= spec.storage.replicas &&
    (storage?.status?.updatedReplicas ?? 0) >= spec.storage.replicas &&
    (pass.controlSet?.status?.readyReplicas ?? 0) >= spec.controlPlane.replicas &&
    (pass.routerDeployment?.status?.availableReplicas ?? 0) >= spec.router.replicas;
  const drainingNodes = pass.drainingNodes ?? [];
  // While the control plane is still starting, not reaching it is expected, not degraded.
  const controlPlaneUp = (pass.controlSet?.status?.readyReplicas ?? 0) > 0;
  const degraded =
    pass.degraded ??
    (pass.adminError && controlPlaneUp
      ? { reason: adminErrorReason(pass), message: pass.adminError }
      : undefined);
  const status = buildStatus({
    generation: cluster.metadata.generation ?? 0,
    version: spec.version,
    previous: cluster.status,
    nowIso: new Date(deps.nowMs()).toISOString(),
    labelSelector: labelSelectorString(selectorLabels(names.cluster, 'storage')),
    storageReplicas: storage?.status?.replicas ?? 0,
    storageReadyReplicas: storageReady,
    desiredStorageReplicas: spec.storage.replicas,
    componentsReady,
    drainingNodes,
    ...(pass.clusterStatus
      ? {
          unhealthyPartitions: {
            underReplicated: pass.clusterStatus.underReplicatedPartitions,
            leaderless: pass.clusterStatus.leaderlessPartitions,
            lagging: pass.clusterStatus.laggingPartitions,
          },
        }
      : {}),
    ...(pass.progress ? { progress: pass.progress } : {}),
    ...(degraded ? { degraded } : {}),
  });
  if (hashOf(status) !== hashOf(cluster.status ?? {})) {
    await deps.kube.writeClusterStatus(names.namespace, names.cluster, status);
    await recordEvents(deps.kube, cluster, eventsFor(cluster.status, status), deps.nowMs());
  }
}
