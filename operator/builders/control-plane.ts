/**
 * The control plane: a StatefulSet whose replicas form one Raft group (peers addressed by
 * stable DNS names), and its headless Service.
 */
import type { V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { componentLabels, selectorLabels } from '../api/names.js';
import { ports } from '../api/types.js';
import type { BuildContext } from './common.js';
import {
  baseContainer,
  commonEnv,
  objectMeta,
  podSecurityContext,
  topologySpread,
  zoneAffinity,
} from './common.js';

/** Size of the control plane's own volume: catalog, membership and its Raft log. */
export const controlPlaneVolumeSize = '1Gi';

/** Grace period for a control-plane replica to hand off leadership and flush. */
export const controlPlaneTerminationGraceSeconds = 30;

/**
 * Every control-plane replica as `id=host:port`, in ordinal order: the control plane's
 * `TESSERA_PEERS`. A replica's id is its pod name, the same one `TESSERA_REPLICA_ID` gets, and
 * its address the pod's stable DNS name under the headless Service (what a follower names in
 * its `tessera-leader-address` trailer).
 */
export function controlPlanePeers(context: BuildContext): string[] {
  const { names, spec } = context;
  return Array.from({ length: spec.controlPlane.replicas }, (_, ordinal) => {
    const pod = `${names.controlPlane}-${ordinal}`;
    return `${pod}=${pod}.${names.controlPlane}.${names.namespace}.svc:${ports.controlGrpc}`;
  });
}

/** Builds the control-plane StatefulSet. Kubernetes rolls it one pod at a time. */
export function buildControlPlaneStatefulSet(context: BuildContext): V1StatefulSet {
  const { names, spec } = context;
  const labels = componentLabels(names.cluster, 'control-plane', spec.version);
  const affinity = zoneAffinity(context);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: objectMeta(context, names.controlPlane, labels),
    spec: {
      replicas: spec.controlPlane.replicas,
      serviceName: names.controlPlane,
      selector: { matchLabels: selectorLabels(names.cluster, 'control-plane') },
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: controlPlaneTerminationGraceSeconds,
          topologySpreadConstraints: topologySpread(context, 'control-plane'),
          ...(affinity ? { affinity } : {}),
          containers: [
            {
              ...baseContainer(context, 'control-plane', 'control-plane'),
              ports: [
                { name: 'grpc', containerPort: ports.controlGrpc },
                { name: 'admin', containerPort: ports.admin },
              ],
              env: [
                ...commonEnv(context, (controlPlaneTerminationGraceSeconds - 10) * 1000),
                { name: 'TESSERA_GRPC_HOST', value: '0.0.0.0' },
                { name: 'TESSERA_GRPC_PORT', value: String(ports.controlGrpc) },
                { name: 'TESSERA_DATA_DIR', value: '/var/lib/tessera' },
                {
                  name: 'TESSERA_REPLICA_ID',
                  valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
                },
                { name: 'TESSERA_PEERS', value: controlPlanePeers(context).join(',') },
                { name: 'TESSERA_REPLICATION_FACTOR', value: String(spec.replicationFactor) },
              ],
              resources: spec.controlPlane.resources,
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/tessera' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', labels: selectorLabels(names.cluster, 'control-plane') },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: controlPlaneVolumeSize } },
            ...(spec.storage.storageClassName
              ? { storageClassName: spec.storage.storageClassName }
              : {}),
          },
        },
      ],
    },
  };
}

/** Headless Service: peer DNS names for the Raft group, and the client address of the control plane. */
export function buildControlPlaneService(context: BuildContext): V1Service {
  const { names, spec } = context;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(
      context,
      names.controlPlane,
      componentLabels(names.cluster, 'control-plane', spec.version),
    ),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(names.cluster, 'control-plane'),
      ports: [
        { name: 'grpc', port: ports.controlGrpc, targetPort: 'grpc' },
        { name: 'admin', port: ports.admin, targetPort: 'admin' },
      ],
    },
  };
}
