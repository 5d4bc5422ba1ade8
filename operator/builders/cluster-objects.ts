/**
 * Objects that protect or describe the cluster as a whole: PodDisruptionBudgets, the
 * shared ConfigMap and the Prometheus Operator ServiceMonitor.
 */
import type { KubernetesObject, V1ConfigMap, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { Component } from '../api/names.js';
import { clusterLabels, componentLabels, selectorLabels } from '../api/names.js';
import type { BuildContext } from './common.js';
import { objectMeta } from './common.js';

/**
 * At most one storage node may be voluntarily evicted at a time: with replication
 * factor 3, losing two replicas of one partition loses its quorum. The control plane
 * allows one disruption when it has three or more replicas, none when it has one.
 */
export function buildPodDisruptionBudgets(context: BuildContext): V1PodDisruptionBudget[] {
  const { names, spec } = context;
  const budget = (name: string, component: Component, maxUnavailable: number) =>
    ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: objectMeta(context, name, componentLabels(names.cluster, component, spec.version)),
      spec: {
        maxUnavailable,
        selector: { matchLabels: selectorLabels(names.cluster, component) },
      },
    }) satisfies V1PodDisruptionBudget;
  return [
    budget(names.storage, 'storage', 1),
    budget(names.controlPlane, 'control-plane', spec.controlPlane.replicas >= 3 ? 1 : 0),
    budget(names.router, 'router', 1),
  ];
}

/** Settings shared by every service, readable without restarting the operator. */
export function buildConfigMap(context: BuildContext): V1ConfigMap {
  const { names, spec } = context;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(context, names.config, clusterLabels(names.cluster, spec.version)),
    data: {
      logLevel: spec.logLevel,
      replicationFactor: String(spec.replicationFactor),
      storageReplicas: String(spec.storage.replicas),
      version: spec.version,
    },
  };
}

/** A ServiceMonitor (monitoring.coreos.com/v1) scraping `/metrics` of every component. */
export function buildServiceMonitor(context: BuildContext): KubernetesObject & {
  spec: Record<string, unknown>;
} {
  const { names, spec } = context;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: objectMeta(context, names.serviceMonitor, clusterLabels(names.cluster, spec.version)),
    spec: {
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'tessera',
          'app.kubernetes.io/instance': names.cluster,
        },
      },
      namespaceSelector: { matchNames: [names.namespace] },
      endpoints: [
        {
          port: 'admin',
          path: '/metrics',
          interval: spec.monitoring.scrapeInterval,
          relabelings: [
            {
              sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'],
              targetLabel: 'component',
            },
            // The dashboards select by cluster and component through these two labels.
            {
              sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'],
              targetLabel: 'tessera_cluster',
            },
          ],
        },
      ],
    },
  };
}
