/**
 * Plays the parts of Kubernetes' own controllers for tests against the fake API server:
 * the StatefulSet controller (status, per-pod volume claims) and the Deployment
 * controller (status). Each call settles the objects instantly.
 */
import type { FakeApiServer, StoredObject } from './fake-api-server.js';

interface SetSpec {
  replicas?: number;
  updateStrategy?: { rollingUpdate?: { partition?: number } };
  volumeClaimTemplates?: { metadata: { name: string; labels?: Record<string, string> } }[];
}

/** Options for {@link settleStatefulSet}. */
export interface SettleOptions {
  /** Ready pods; defaults to all. */
  ready?: number;
}

/**
 * Settles a StatefulSet as its controller would: pods at ordinals at or above the update
 * partition run the new template, every claim template gets a claim per pod.
 */
export function settleStatefulSet(
  api: FakeApiServer,
  namespace: string,
  name: string,
  options: SettleOptions = {},
): void {
  const set = api.get('StatefulSet', namespace, name);
  if (!set) return;
  const spec = set.spec as SetSpec;
  const replicas = spec.replicas ?? 1;
  const partition = Math.min(spec.updateStrategy?.rollingUpdate?.partition ?? 0, replicas);
  for (const template of spec.volumeClaimTemplates ?? []) {
    for (let ordinal = 0; ordinal < replicas; ordinal += 1) {
      const claimName = `${template.metadata.name}-${name}-${ordinal}`;
      if (api.get('PersistentVolumeClaim', namespace, claimName)) continue;
      api.seed('PersistentVolumeClaim', {
        metadata: { name: claimName, namespace, labels: { ...(template.metadata.labels ?? {}) } },
        spec: {},
      });
    }
  }
  api.update('StatefulSet', namespace, name, (object: StoredObject) => {
    object.status = {
      observedGeneration: object.metadata.generation,
      replicas,
      readyReplicas: options.ready ?? replicas,
      updatedReplicas: replicas - partition,
      currentReplicas: partition,
      availableReplicas: options.ready ?? replicas,
    };
  });
}

/** Settles a Deployment: every replica available. */
export function settleDeployment(api: FakeApiServer, namespace: string, name: string): void {
  if (!api.get('Deployment', namespace, name)) return;
  api.update('Deployment', namespace, name, (object: StoredObject) => {
    const replicas = (object.spec as { replicas?: number }).replicas ?? 1;
    object.status = {
      observedGeneration: object.metadata.generation,
      replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      updatedReplicas: replicas,
    };
  });
}
