/**
 * Names and labels of every object the operator creates for a TesseraCluster. One place,
 * so that builders, the reconciler and the status agree, and names stay within 63
 * characters (checked by a test for the longest allowed cluster name).
 */
import { clusterNameLengthMax } from './types.js';

/** The three components of a cluster. */
export type Component = 'storage' | 'control-plane' | 'router';

/** Names derived from one cluster's name. */
export interface ClusterNames {
  cluster: string;
  namespace: string;
  storage: string;
  controlPlane: string;
  router: string;
  config: string;
  serviceMonitor: string;
}

/** Derives every object name from the cluster's name. */
export function clusterNames(cluster: string, namespace: string): ClusterNames {
  if (cluster.length > clusterNameLengthMax) {
    throw new Error(`cluster name ${cluster} is longer than ${clusterNameLengthMax} characters`);
  }
  return {
    cluster,
    namespace,
    storage: `${cluster}-storage`,
    controlPlane: `${cluster}-control`,
    router: `${cluster}-router`,
    config: `${cluster}-config`,
    serviceMonitor: cluster,
  };
}

/**
 * The pod name of a storage ordinal. A storage node's id is this name, or this name followed by
 * `.` and the incarnation its volume drew (see `builders/storage.ts`): a pod re-created on a new
 * volume registers as a new node.
 */
export function storageNodeId(names: ClusterNames, ordinal: number): string {
  return `${names.storage}-${ordinal}`;
}

/** The ordinal of a storage node id, or undefined if the id is not one of this cluster's. */
export function storageOrdinal(names: ClusterNames, nodeId: string): number | undefined {
  const prefix = `${names.storage}-`;
  if (!nodeId.startsWith(prefix)) return undefined;
  const match = /^(0|[1-9][0-9]{0,8})(\.[0-9a-f]{1,16})?$/.exec(nodeId.slice(prefix.length));
  return match ? Number(match[1]) : undefined;
}

/** Name of the PersistentVolumeClaim a storage pod gets from the StatefulSet's claim template. */
export function storageClaimName(names: ClusterNames, ordinal: number): string {
  return `data-${names.storage}-${ordinal}`;
}

/** Labels that select a component's pods (never change after creation). */
export function selectorLabels(cluster: string, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'tessera',
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/component': component,
  };
}

/** Every standard label of a component's objects. */
export function componentLabels(
  cluster: string,
  component: Component,
  version: string,
): Record<string, string> {
  return {
    ...selectorLabels(cluster, component),
    'app.kubernetes.io/part-of': 'tessera',
    'app.kubernetes.io/managed-by': 'tessera-operator',
    'app.kubernetes.io/version': version,
  };
}

/** Labels of objects that belong to the cluster as a whole (ConfigMap, ServiceMonitor). */
export function clusterLabels(cluster: string, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'tessera',
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/part-of': 'tessera',
    'app.kubernetes.io/managed-by': 'tessera-operator',
    'app.kubernetes.io/version': version,
  };
}

/** Formats labels as a selector string (`a=b,c=d`), as the scale subresource wants. */
export function labelSelectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
