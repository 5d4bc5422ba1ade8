/**
 * Pieces shared by the object builders: owner references, the container security
 * context, probes, environment variables and topology spread. Pure functions.
 */
import type {
  V1Container,
  V1EnvVar,
  V1OwnerReference,
  V1PodSecurityContext,
  V1Probe,
  V1TopologySpreadConstraint,
  V1Affinity,
} from '@kubernetes/client-node';
import type { ClusterNames, Component } from '../api/names.js';
import { selectorLabels } from '../api/names.js';
import type { ResolvedSpec, TesseraCluster } from '../api/types.js';
import { ports } from '../api/types.js';

/** The non-root user and group the image runs as (see the Dockerfile). */
export const runAsUserId = 10001;

/** Everything a builder needs: the cluster, its names and its resolved spec. */
export interface BuildContext {
  cluster: TesseraCluster;
  names: ClusterNames;
  spec: ResolvedSpec;
}

/** The owner reference that makes an object garbage-collected with its TesseraCluster. */
export function ownerReference(cluster: TesseraCluster): V1OwnerReference {
  if (!cluster.metadata.uid) throw new Error('a TesseraCluster read from the API has a uid');
  return {
    apiVersion: cluster.apiVersion,
    kind: cluster.kind,
    name: cluster.metadata.name,
    uid: cluster.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Pod security: non-root, no privilege escalation, default seccomp. */
export function podSecurityContext(): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: runAsUserId,
    runAsGroup: runAsUserId,
    fsGroup: runAsUserId,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Liveness on `/healthz` and readiness on `/readyz` of the admin port. */
export function probes(): Pick<V1Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> {
  const probe = (path: string, periodSeconds: number, failureThreshold: number): V1Probe => ({
    httpGet: { path, port: 'admin' },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  return {
    // A storage node replaying a long log must not be killed while it starts.
    startupProbe: probe('/healthz', 5, 60),
    livenessProbe: probe('/healthz', 10, 3),
    readinessProbe: probe('/readyz', 5, 2),
  };
}

/** The container skeleton every component shares: image, command, probes, security. */
export function baseContainer(
  context: BuildContext,
  component: Component,
  service: string,
): V1Container {
  return {
    name: component,
    image: `${context.spec.image}:${context.spec.version}`,
    imagePullPolicy: context.spec.imagePullPolicy,
    args: [service],
    ...probes(),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/**
 * Environment every service receives: its identity, the admin server (bound to every
 * interface so the kubelet's probes and Prometheus reach it), log level, and the time
 * the service gets on SIGTERM — kept below the pod's termination grace period so the
 * service finishes its own shutdown before the kubelet kills it.
 */
export function commonEnv(context: BuildContext, shutdownGraceMs: number): V1EnvVar[] {
  return [
    { name: 'TESSERA_NODE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'TESSERA_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'TESSERA_CLUSTER_NAME', value: context.names.cluster },
    { name: 'TESSERA_ADMIN_HOST', value: '0.0.0.0' },
    { name: 'TESSERA_ADMIN_PORT', value: String(ports.admin) },
    { name: 'TESSERA_SHUTDOWN_GRACE_MS', value: String(shutdownGraceMs) },
    {
      name: 'TESSERA_LOG_LEVEL',
      valueFrom: { configMapKeyRef: { name: context.names.config, key: 'logLevel' } },
    },
  ];
}

/** The control plane's client address inside the cluster. */
export function controlPlaneAddress(names: ClusterNames): string {
  return `${names.controlPlane}.${names.namespace}.svc:${ports.controlGrpc}`;
}

/** Spreads a component's pods over zones and nodes. */
export function topologySpread(
  context: BuildContext,
  component: Component,
): V1TopologySpreadConstraint[] {
  const labelSelector = { matchLabels: selectorLabels(context.names.cluster, component) };
  return [
    {
      topologyKey: context.spec.topology.topologyKey,
      maxSkew: context.spec.topology.maxSkew,
      whenUnsatisfiable: context.spec.topology.whenUnsatisfiable,
      labelSelector,
    },
    {
      // Two replicas of one partition on one machine would share its failure.
      topologyKey: 'kubernetes.io/hostname',
      maxSkew: 1,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector,
    },
  ];
}

/** Restricts pods to the listed zones, if any. */
export function zoneAffinity(context: BuildContext): V1Affinity | undefined {
  if (context.spec.topology.zones.length === 0) return undefined;
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              {
                key: context.spec.topology.topologyKey,
                operator: 'In',
                values: [...context.spec.topology.zones],
              },
            ],
          },
        ],
      },
    },
  };
}

/** Standard object metadata for a component-owned object. */
export function objectMeta(
  context: BuildContext,
  name: string,
  labels: Record<string, string>,
): {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ownerReferences: V1OwnerReference[];
} {
  return {
    name,
    namespace: context.names.namespace,
    labels,
    ownerReferences: [ownerReference(context.cluster)],
  };
}
