/**
 * The steps of the reconcile chain other than storage: finalizer handling, observing
 * the running objects, refusing unsafe specs, and the objects that are simply applied.
 */
import type {
  KubernetesObject,
  V1Deployment,
  V1PersistentVolumeClaim,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { labelSelectorString } from '../api/names.js';
import { clusterFinalizer } from '../api/types.js';
import {
  buildConfigMap,
  buildPodDisruptionBudgets,
  buildServiceMonitor,
} from '../builders/cluster-objects.js';
import {
  buildControlPlaneService,
  buildControlPlaneStatefulSet,
} from '../builders/control-plane.js';
import { buildRouterDeployment, buildRouterService } from '../builders/router.js';
import { buildStorageService } from '../builders/storage.js';
import { applyObject } from './apply.js';
import type { Pass, Step } from './pass.js';
import { next } from './pass.js';
import { checkSpec } from './safety.js';

/** On deletion: release volumes as the retention policy says, then drop the finalizer. */
export const finalizeIfDeleting: Step = async (pass, deps) => {
  const { metadata } = pass.cluster;
  if (!metadata.deletionTimestamp) return next;
  if (!(metadata.finalizers ?? []).includes(clusterFinalizer)) {
    return { kind: 'stop', outcome: { result: 'deleted' } };
  }
  if (pass.context.spec.pvcRetentionPolicy.whenDeleted === 'Delete') {
    const selector = labelSelectorString({
      'app.kubernetes.io/name': 'tessera',
      'app.kubernetes.io/instance': metadata.name,
    });
    const claims = await deps.kube.list<V1PersistentVolumeClaim>(
      'v1',
      'PersistentVolumeClaim',
      metadata.namespace,
      selector,
    );
    for (const claim of claims.items) {
      await deps.kube.delete({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: metadata.namespace,
        name: claim.metadata?.name ?? '',
      });
    }
  }
  await deps.kube.mergePatch(
    clusterPatch(pass, {
      finalizers: (metadata.finalizers ?? []).filter((finalizer) => finalizer !== clusterFinalizer),
    }),
  );
  return { kind: 'stop', outcome: { result: 'deleted' } };
};

/** Adds the finalizer so that deletion waits for the cleanup above. */
export const ensureFinalizer: Step = async (pass, deps) => {
  const finalizers = pass.cluster.metadata.finalizers ?? [];
  if (finalizers.includes(clusterFinalizer)) return next;
  const updated = await deps.kube.mergePatch<KubernetesObject>(
    clusterPatch(pass, { finalizers: [...finalizers, clusterFinalizer] }),
  );
  pass.cluster.metadata.finalizers = updated.metadata?.finalizers ?? [];
  pass.cluster.metadata.resourceVersion = updated.metadata?.resourceVersion ?? '';
  return next;
};

/** Reads the running StatefulSets, the router Deployment and the control plane's view. */
export const observe: Step = async (pass, deps) => {
  const { names } = pass.context;
  const ref = (apiVersion: string, kind: string, name: string) => ({
    apiVersion,
    kind,
    namespace: names.namespace,
    name,
  });
  const storageSet = await deps.kube.get<V1StatefulSet>(
    ref('apps/v1', 'StatefulSet', names.storage),
  );
  const controlSet = await deps.kube.get<V1StatefulSet>(
    ref('apps/v1', 'StatefulSet', names.controlPlane),
  );
  const routerDeployment = await deps.kube.get<V1Deployment>(
    ref('apps/v1', 'Deployment', names.router),
  );
  if (storageSet) pass.storageSet = storageSet;
  if (controlSet) pass.controlSet = controlSet;
  if (routerDeployment) pass.routerDeployment = routerDeployment;
  if (controlSet) {
    const status = await deps.adminFor(names.namespace, names.cluster).clusterStatus();
    if (status.ok) pass.clusterStatus = status.value;
    else {
      pass.adminError = status.error;
      pass.adminErrorCode = status.code;
    }
  }
  return next;
};

/** Refuses an unsafe spec: `Degraded` says why and nothing else is changed. */
export const checkSafety: Step = (pass) => {
  const annotations = pass.storageSet?.metadata?.annotations ?? {};
  const factor = annotations['tessera.dev/replication-factor'];
  const size = annotations['tessera.dev/storage-size'];
  const refusal = checkSpec(pass.context.spec, pass.context.names, {
    ...(pass.storageSet?.spec?.replicas !== undefined
      ? { storageReplicas: pass.storageSet.spec.replicas }
      : {}),
    ...(factor !== undefined ? { appliedReplicationFactor: Number(factor) } : {}),
    ...(size !== undefined ? { appliedStorageSize: size } : {}),
    ...(pass.controlSet?.spec?.replicas !== undefined
      ? { controlPlaneReplicas: pass.controlSet.spec.replicas }
      : {}),
    ...(pass.clusterStatus ? { clusterStatus: pass.clusterStatus } : {}),
  });
  if (!refusal) return Promise.resolve(next);
  pass.degraded = refusal;
  return Promise.resolve({ kind: 'stop', outcome: { result: 'refused', reason: refusal.reason } });
};

/** The shared ConfigMap. */
export const ensureConfigMap: Step = async (pass, deps) => {
  await applyObject(deps.kube, buildConfigMap(pass.context));
  return next;
};

/** Headless Services for storage and control plane, the client Service for routers. */
export const ensureServices: Step = async (pass, deps) => {
  for (const service of [
    buildStorageService(pass.context),
    buildControlPlaneService(pass.context),
    buildRouterService(pass.context),
  ]) {
    await applyObject(deps.kube, service);
  }
  return next;
};

/** The control-plane StatefulSet (Kubernetes rolls it one pod at a time). */
export const ensureControlPlane: Step = async (pass, deps) => {
  const applied = await applyObject(deps.kube, buildControlPlaneStatefulSet(pass.context));
  pass.controlSet = applied.object;
  return next;
};

/** PodDisruptionBudgets for every component. */
export const ensureDisruptionBudgets: Step = async (pass, deps) => {
  for (const budget of buildPodDisruptionBudgets(pass.context))
    await applyObject(deps.kube, budget);
  return next;
};

/** A ServiceMonitor when wanted and when the Prometheus Operator's CRD exists. */
export const ensureServiceMonitor: Step = async (pass, deps) => {
  const apiVersion = 'monitoring.coreos.com/v1';
  if (!(await deps.kube.hasKind(apiVersion, 'ServiceMonitor'))) return next;
  if (pass.context.spec.monitoring.serviceMonitor) {
    await applyObject(deps.kube, buildServiceMonitor(pass.context));
  } else {
    const { names } = pass.context;
    await deps.kube.delete({
      apiVersion,
      kind: 'ServiceMonitor',
      namespace: names.namespace,
      name: names.serviceMonitor,
    });
  }
  return next;
};

/** The router Deployment. */
export const ensureRouters: Step = async (pass, deps) => {
  const applied = await applyObject(deps.kube, buildRouterDeployment(pass.context));
  pass.routerDeployment = applied.object;
  return next;
};

function clusterPatch(pass: Pass, metadata: Record<string, unknown>): KubernetesObject {
  const { cluster } = pass;
  return {
    apiVersion: cluster.apiVersion,
    kind: cluster.kind,
    metadata: {
      name: cluster.metadata.name,
      namespace: cluster.metadata.namespace,
      resourceVersion: cluster.metadata.resourceVersion,
      ...metadata,
    },
  } as KubernetesObject;
}

/** Whether a component with `desired` replicas has them all ready. */
export function allReady(desired: number, ready: number | undefined): boolean {
  return (ready ?? 0) >= desired;
}
