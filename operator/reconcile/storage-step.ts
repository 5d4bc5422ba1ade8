/**
 * The storage step of the reconcile chain: applies {@link planStorage}'s decision —
 * drains through the control plane, volume clean-up as the retention policy says, and
 * the StatefulSet's replicas, update partition and pod template.
 */
import type {
  KubernetesObject,
  V1PersistentVolumeClaim,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { labelSelectorString, selectorLabels, storageClaimName } from '../api/names.js';
import { buildStorageStatefulSet } from '../builders/storage.js';
import type { BuildContext } from '../builders/common.js';
import { hashOf } from './apply.js';
import type { Pass, ReconcilerDeps, Step } from './pass.js';
import { next } from './pass.js';
import type { ObservedStorageSet, StoragePlan } from './storage-plan.js';
import { planStorage } from './storage-plan.js';

/** Annotation with the hash of the storage pod template the operator last applied. */
export const templateHashAnnotation = 'tessera.dev/template-hash';
/** Label put on a retained volume of a removed storage node. */
export const retiredClaimLabel = 'tessera.dev/retired';

/** The hash of everything in the storage StatefulSet except replicas and partition. */
export function storageTemplateHash(context: BuildContext): string {
  return hashOf(buildStorageStatefulSet(context, 0, 0));
}

/** Plans and applies the next storage change. */
export const ensureStorage: Step = async (pass, deps) => {
  const { context } = pass;
  const templateHash = storageTemplateHash(context);
  const existing = pass.storageSet ? observeStorageSet(pass.storageSet) : undefined;
  const plan = planStorage({
    names: context.names,
    desiredReplicas: context.spec.storage.replicas,
    desiredTemplateHash: templateHash,
    existing,
    clusterStatus: pass.clusterStatus,
  });
  if (plan.progress) pass.progress = plan.progress;
  pass.drainingNodes = plan.draining;
  await callAdmin(pass, deps, plan);
  if (plan.growOnlyWithoutClaims.length > 0) {
    const stale = await releaseClaims(pass, deps, plan.growOnlyWithoutClaims, 'Delete');
    if (stale.length > 0) {
      pass.progress = {
        reason: 'ScalingUp',
        message: `waiting for stale volumes ${stale.join(', ')} to be deleted before adding storage nodes`,
      };
      return next;
    }
  }
  pass.storageSet = await writeStorageSet(pass, deps, plan, existing, templateHash);
  if (existing && plan.replicas < existing.replicas) {
    await releaseClaims(
      pass,
      deps,
      plan.releaseClaimOrdinals,
      context.spec.pvcRetentionPolicy.whenScaled,
    );
  }
  return next;
};

/** Reads the fields {@link planStorage} needs from a StatefulSet. */
export function observeStorageSet(set: V1StatefulSet): ObservedStorageSet {
  return {
    replicas: set.spec?.replicas ?? 0,
    partition: set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0,
    templateHash: set.metadata?.annotations?.[templateHashAnnotation] ?? '',
    generation: set.metadata?.generation ?? 0,
    observedGeneration: set.status?.observedGeneration ?? 0,
    readyReplicas: set.status?.readyReplicas ?? 0,
    updatedReplicas: set.status?.updatedReplicas ?? 0,
  };
}

async function callAdmin(pass: Pass, deps: ReconcilerDeps, plan: StoragePlan): Promise<void> {
  if (plan.drain.length === 0 && plan.cancelDrain.length === 0) return;
  const admin = deps.adminFor(pass.context.names.namespace, pass.context.names.cluster);
  for (const nodeId of plan.cancelDrain) {
    const result = await admin.cancelDrain(nodeId);
    if (!result.ok) {
      pass.adminError = `cancel drain of ${nodeId}: ${result.error}`;
      pass.adminErrorCode = result.code;
    }
  }
  for (const nodeId of plan.drain) {
    const result = await admin.drainNode(nodeId);
    if (!result.ok) {
      pass.adminError = `drain of ${nodeId}: ${result.error}`;
      pass.adminErrorCode = result.code;
      pass.progress = {
        reason: 'Draining',
        message: `the control plane refused to drain ${nodeId}: ${result.error}`,
      };
    }
  }
}

async function writeStorageSet(
  pass: Pass,
  deps: ReconcilerDeps,
  plan: StoragePlan,
  existing: ObservedStorageSet | undefined,
  templateHash: string,
): Promise<V1StatefulSet> {
  const desired = buildStorageStatefulSet(pass.context, plan.replicas, plan.partition);
  desired.metadata = {
    ...desired.metadata,
    annotations: { ...desired.metadata?.annotations, [templateHashAnnotation]: templateHash },
  };
  if (!existing) return deps.kube.create(desired);
  const current = pass.storageSet as V1StatefulSet;
  const meta = {
    name: desired.metadata.name,
    namespace: desired.metadata.namespace,
    resourceVersion: current.metadata?.resourceVersion,
  };
  if (plan.applyTemplate) {
    return deps.kube.mergePatch<V1StatefulSet>({
      ...desired,
      metadata: { ...desired.metadata, ...meta },
    });
  }
  if (plan.replicas === existing.replicas && plan.partition === existing.partition) return current;
  const patch = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta,
    spec: {
      replicas: plan.replicas,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: plan.partition } },
    },
  };
  return deps.kube.mergePatch<V1StatefulSet>(patch as KubernetesObject);
}

/**
 * Deletes (or, under `Retain`, labels as retired) the volumes of the given ordinals.
 * Returns the names of those that still exist after a delete (still terminating).
 */
async function releaseClaims(
  pass: Pass,
  deps: ReconcilerDeps,
  ordinals: number[],
  policy: 'Delete' | 'Retain',
): Promise<string[]> {
  const { names } = pass.context;
  const wanted = new Set(ordinals.map((ordinal) => storageClaimName(names, ordinal)));
  const claims = await deps.kube.list<V1PersistentVolumeClaim>(
    'v1',
    'PersistentVolumeClaim',
    names.namespace,
    labelSelectorString(selectorLabels(names.cluster, 'storage')),
  );
  const remaining: string[] = [];
  for (const claim of claims.items) {
    const name = claim.metadata?.name ?? '';
    if (!wanted.has(name)) continue;
    const ref = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: names.namespace,
      name,
    };
    if (policy === 'Retain') {
      await deps.kube.mergePatch({
        ...ref,
        metadata: { name, namespace: names.namespace, labels: { [retiredClaimLabel]: 'true' } },
      } as KubernetesObject);
      continue;
    }
    await deps.kube.delete(ref);
    if (await deps.kube.get(ref)) remaining.push(name);
  }
  return remaining;
}
