/**
 * The storage nodes: a StatefulSet with one PersistentVolumeClaim per pod, and the
 * headless Service that gives every pod a stable DNS name for Raft traffic.
 */
import type {
  V1Container,
  V1PersistentVolumeClaim,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { componentLabels, selectorLabels } from '../api/names.js';
import { ports } from '../api/types.js';
import type { BuildContext } from './common.js';
import {
  baseContainer,
  commonEnv,
  controlPlaneAddress,
  objectMeta,
  podSecurityContext,
  topologySpread,
  zoneAffinity,
} from './common.js';

/** Where storage nodes keep their Raft log and RocksDB. */
export const storageDataPath = '/var/lib/tessera';
/** Grace period for a storage node to finish in-flight writes and hand off leadership. */
export const storageTerminationGraceSeconds = 60;

/**
 * Builds the storage StatefulSet. `replicas` and `partition` are decided by the
 * reconciler (scale-down waits for drains, upgrades move the partition one pod at a time),
 * so they are inputs rather than read from the spec.
 */
export function buildStorageStatefulSet(
  context: BuildContext,
  replicas: number,
  partition: number,
): V1StatefulSet {
  const { names, spec } = context;
  const labels = componentLabels(names.cluster, 'storage', spec.version);
  const selector = selectorLabels(names.cluster, 'storage');
  const affinity = zoneAffinity(context);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      ...objectMeta(context, names.storage, labels),
      annotations: {
        'tessera.dev/replication-factor': String(spec.replicationFactor),
        'tessera.dev/storage-size': spec.storage.size,
      },
    },
    spec: {
      replicas,
      serviceName: names.storage,
      selector: { matchLabels: selector },
      // Pods start in parallel: membership is handled by the control plane, not by order.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition } },
      // The operator deletes or retains claims itself after a drain (see reconcile/storage.ts).
      persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain', whenDeleted: 'Retain' },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: storageTerminationGraceSeconds,
          topologySpreadConstraints: topologySpread(context, 'storage'),
          ...(affinity ? { affinity } : {}),
          containers: [storageContainer(context)],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
      volumeClaimTemplates: [storageClaimTemplate(context)],
    },
  };
}

/** File on the storage volume that holds the node id the volume was first started under. */
export const nodeIdFile = 'tessera-node-id';

/**
 * The storage container's start script (run by `/bin/sh -c`, then `exec tessera storage-node`).
 *
 * A storage node's id is `<pod name>.<8 hex digits>`, drawn the first time a volume is used and
 * kept in {@link nodeIdFile} on it. A restarted or upgraded pod keeps its volume, so it keeps
 * its id and its replicas. A pod re-created on a fresh volume after a scale-down gets a new id:
 * the control plane never lets a decommissioned id register again (its replicas are gone, and
 * stale ones must not be mistaken for live), and a StatefulSet pod always has the same name.
 * No `$(` anywhere: Kubernetes would try to expand it as a variable reference.
 */
export const storageStartScript = [
  'set -eu',
  `file="$TESSERA_DATA_DIR/${nodeIdFile}"`,
  'if [ ! -s "$file" ]; then',
  '  suffix=`od -An -N4 -tx1 /dev/urandom | tr -d " \n"`',
  '  printf "%s.%s\n" "$TESSERA_NODE_ID" "$suffix" > "$file.tmp"',
  '  mv "$file.tmp" "$file"',
  'fi',
  'TESSERA_NODE_ID=`cat "$file"`',
  'export TESSERA_NODE_ID',
  'exec tessera "$@"',
].join('\n');

/** The storage node container: gRPC and admin ports, its identity and peers, the data volume. */
function storageContainer(context: BuildContext): V1Container {
  const { names, spec } = context;
  return {
    ...baseContainer(context, 'storage', 'storage-node'),
    // `args` (the service name) follow the script's name and reach it as "$@".
    command: ['/bin/sh', '-c', storageStartScript, 'tessera-storage-start'],
    ports: [
      { name: 'grpc', containerPort: ports.storageGrpc },
      { name: 'admin', containerPort: ports.admin },
    ],
    env: [
      ...commonEnv(context, (storageTerminationGraceSeconds - 10) * 1000),
      { name: 'TESSERA_GRPC_HOST', value: '0.0.0.0' },
      { name: 'TESSERA_GRPC_PORT', value: String(ports.storageGrpc) },
      { name: 'TESSERA_DATA_DIR', value: storageDataPath },
      { name: 'TESSERA_CONTROL_PLANE_ADDRESS', value: controlPlaneAddress(names) },
      {
        name: 'TESSERA_ADVERTISE_ADDRESS',
        // Expanded by the kubelet from the pod name (TESSERA_NODE_ID before the script runs).
        value: `$(TESSERA_NODE_ID).${names.storage}.${names.namespace}.svc:${ports.storageGrpc}`,
      },
      {
        name: 'TESSERA_ZONE',
        valueFrom: {
          fieldRef: { fieldPath: "metadata.labels['topology.kubernetes.io/zone']" },
        },
      },
    ],
    resources: spec.storage.resources,
    volumeMounts: [
      { name: 'data', mountPath: storageDataPath },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

/** The per-pod volume claim: a storage node's Raft log and RocksDB. */
function storageClaimTemplate(context: BuildContext): V1PersistentVolumeClaim {
  const { names, spec } = context;
  const selector = selectorLabels(names.cluster, 'storage');
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', labels: { ...selector } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: spec.storage.size } },
      ...(spec.storage.storageClassName ? { storageClassName: spec.storage.storageClassName } : {}),
    },
  };
}

/** Headless Service: stable per-pod DNS names, published before pods are ready so Raft can bootstrap. */
export function buildStorageService(context: BuildContext): V1Service {
  const { names, spec } = context;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(
      context,
      names.storage,
      componentLabels(names.cluster, 'storage', spec.version),
    ),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(names.cluster, 'storage'),
      ports: [
        { name: 'grpc', port: ports.storageGrpc, targetPort: 'grpc' },
        { name: 'admin', port: ports.admin, targetPort: 'admin' },
      ],
    },
  };
}
