/** The stateless request routers: a Deployment and the client Service (DynamoDB endpoint). */
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
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

/**
 * Seconds a terminating router keeps serving, so that Service endpoints drop it before
 * it stops accepting connections (it then drains in-flight requests on SIGTERM).
 */
export const routerPreStopSleepSeconds = 5;

/** Grace period of a router pod: preStop delay, then draining requests in flight. */
export const routerTerminationGraceSeconds = 30;

/** Builds the router Deployment: surge one new pod before removing an old one. */
export function buildRouterDeployment(context: BuildContext): V1Deployment {
  const { names, spec } = context;
  const labels = componentLabels(names.cluster, 'router', spec.version);
  const affinity = zoneAffinity(context);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(context, names.router, labels),
    spec: {
      replicas: spec.router.replicas,
      selector: { matchLabels: selectorLabels(names.cluster, 'router') },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: routerTerminationGraceSeconds,
          topologySpreadConstraints: topologySpread(context, 'router'),
          ...(affinity ? { affinity } : {}),
          containers: [
            {
              ...baseContainer(context, 'router', 'router'),
              ports: [
                { name: 'http', containerPort: ports.routerHttp },
                { name: 'grpc', containerPort: ports.routerGrpc },
                { name: 'admin', containerPort: ports.admin },
              ],
              env: [
                ...commonEnv(
                  context,
                  (routerTerminationGraceSeconds - routerPreStopSleepSeconds - 5) * 1000,
                ),
                { name: 'TESSERA_HTTP_HOST', value: '0.0.0.0' },
                { name: 'TESSERA_HTTP_PORT', value: String(ports.routerHttp) },
                { name: 'TESSERA_GRPC_PORT', value: String(ports.routerGrpc) },
                { name: 'TESSERA_CONTROL_PLANE_ADDRESS', value: controlPlaneAddress(names) },
                ...(spec.router.authSecretName
                  ? [
                      {
                        name: 'TESSERA_AUTH_KEYS',
                        valueFrom: {
                          secretKeyRef: { name: spec.router.authSecretName, key: 'authKeys' },
                        },
                      },
                    ]
                  : []),
              ],
              resources: spec.router.resources,
              lifecycle: {
                preStop: { exec: { command: ['sleep', String(routerPreStopSleepSeconds)] } },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

/** The client Service: DynamoDB HTTP on 8000 and gRPC on 8001. */
export function buildRouterService(context: BuildContext): V1Service {
  const { names, spec } = context;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(
      context,
      names.router,
      componentLabels(names.cluster, 'router', spec.version),
    ),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(names.cluster, 'router'),
      ports: [
        { name: 'http', port: ports.routerHttp, targetPort: 'http' },
        { name: 'grpc', port: ports.routerGrpc, targetPort: 'grpc' },
        { name: 'admin', port: ports.admin, targetPort: 'admin' },
      ],
    },
  };
}
