/**
 * The operator process: `tessera operator` in the image. Watches TesseraClusters (one
 * namespace or all), elects a leader through a Lease so only one replica reconciles,
 * and serves its metrics and probes through the shared service runtime.
 */
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { operatorMetrics, registerMetrics } from '../lib/metrics/index.js';
import type { MetricsOf } from '../lib/metrics/index.js';
import { booleanSetting, integerSetting, runService, stringSetting } from '../lib/runtime/index.js';
import type { Logger } from '../lib/runtime/index.js';
import { ports } from './api/types.js';
import type { ControlPlaneAdminFactory } from './control/admin.js';
import type { GrpcControlPlaneAdmin } from './control/grpc-admin.js';
import { createGrpcControlPlaneAdmin } from './control/grpc-admin.js';
import type { ReconcileReport } from './controller/controller.js';
import { ClusterController, createSources } from './controller/controller.js';
import { LeaderElector } from './controller/leader-election.js';
import type { LeaderElectionOptions } from './controller/leader-election.js';
import { realTimers } from './controller/timers.js';
import { createKubeClient } from './kube/client.js';
import type { KubeClient } from './kube/client.js';
import { reconcileCluster } from './reconcile/reconciler.js';

const namePattern = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/;

/** The operator's own settings (also listed in docs/kubernetes.md). */
export const operatorSettings = {
  watchNamespace: stringSetting({
    flag: 'watch-namespace',
    env: 'TESSERA_OPERATOR_WATCH_NAMESPACE',
    default: '',
    pattern: namePattern,
    accepted: 'a namespace name, or empty for every namespace',
    description: 'namespace whose TesseraClusters are reconciled; empty: all',
  }),
  namespace: stringSetting({
    flag: 'namespace',
    env: 'TESSERA_NAMESPACE',
    default: 'default',
    pattern: namePattern,
    accepted: 'a namespace name',
    description: "the operator's own namespace, where its leader-election Lease lives",
  }),
  nodeId: stringSetting({
    flag: 'node-id',
    env: 'TESSERA_NODE_ID',
    default: hostname(),
    description: "this replica's identity in the Lease (its pod name)",
  }),
  resyncSeconds: integerSetting({
    flag: 'resync-seconds',
    env: 'TESSERA_OPERATOR_RESYNC_SECONDS',
    default: 30,
    min: 5,
    max: 3600,
    description: 'every TesseraCluster is reconciled at least this often',
  }),
  leaderElection: booleanSetting({
    flag: 'leader-election',
    env: 'TESSERA_OPERATOR_LEADER_ELECTION',
    default: true,
    description: 'elect one active replica through a coordination.k8s.io Lease',
  }),
  leaseName: stringSetting({
    flag: 'lease-name',
    env: 'TESSERA_OPERATOR_LEASE_NAME',
    default: 'tessera-operator',
    pattern: namePattern,
    accepted: 'a Lease name',
    description: 'name of the leader-election Lease',
  }),
  leaseDurationSeconds: integerSetting({
    flag: 'lease-duration-seconds',
    env: 'TESSERA_OPERATOR_LEASE_DURATION_SECONDS',
    default: 15,
    min: 5,
    max: 300,
    description: 'how long a leader that stopped renewing keeps the Lease',
  }),
};

/** Control-plane admin clients, one per cluster, reused across reconciles. */
function adminClients(): { factory: ControlPlaneAdminFactory; closeAll(): void } {
  const clients = new Map<string, GrpcControlPlaneAdmin>();
  return {
    factory: (namespace, cluster) => {
      const address = `${cluster}-control.${namespace}.svc:${ports.controlGrpc}`;
      let client = clients.get(address);
      if (!client) {
        client = createGrpcControlPlaneAdmin(address);
        clients.set(address, client);
      }
      return client;
    },
    closeAll: () => {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
  };
}

function reportTo(
  logger: Logger,
  metrics: MetricsOf<typeof operatorMetrics>,
  controller: () => ClusterController | undefined,
) {
  return (report: ReconcileReport): void => {
    const { outcome } = report;
    metrics.reconciles.inc({ result: outcome.result });
    metrics.reconcileDuration.observe(report.durationMs / 1000);
    metrics.queueDepth.set(controller()?.queue.length ?? 0);
    if (outcome.result === 'error') {
      logger.warn(
        { key: report.key, err: outcome.error, retryInMs: outcome.retryInMs },
        'reconcile failed',
      );
    } else {
      logger.debug({ key: report.key, ...outcome, durationMs: report.durationMs }, 'reconciled');
    }
  };
}

/** A Lease elector from the operator's settings; timing as client-go's defaults scale. */
function createElector(
  kube: KubeClient,
  settings: { namespace: string; leaseName: string; nodeId: string; leaseDurationSeconds: number },
  callbacks: Pick<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onError'>,
): LeaderElector {
  const leaseDurationMs = settings.leaseDurationSeconds * 1000;
  return new LeaderElector(kube, realTimers, {
    namespace: settings.namespace,
    leaseName: settings.leaseName,
    identity: settings.nodeId,
    leaseDurationMs,
    renewDeadlineMs: Math.floor((leaseDurationMs * 2) / 3),
    retryPeriodMs: 2_000,
    ...callbacks,
  });
}

await runService({
  name: 'operator',
  settings: operatorSettings,
  async start({ settings, logger, metrics: registry, setReady, setHealthy }) {
    const metrics = registerMetrics(registry, operatorMetrics);
    const config = new KubeConfig();
    config.loadFromDefault();
    const kube = createKubeClient(config);
    const admins = adminClients();
    const watchNamespace = settings.watchNamespace || undefined;
    let controller: ClusterController | undefined;
    const startController = async () => {
      controller = new ClusterController({
        timers: realTimers,
        reconcile: (namespace, name) =>
          reconcileCluster(
            { kube, adminFor: admins.factory, nowMs: () => Date.now() },
            namespace,
            name,
          ),
        ...createSources(kube, config, watchNamespace),
        resyncMs: settings.resyncSeconds * 1000,
        onReport: reportTo(logger, metrics, () => controller),
        onError: (error) => logger.warn({ err: error }, 'watch failed; restarting it'),
      });
      await controller.start();
      logger.info({ watchNamespace: watchNamespace ?? '(all)' }, 'reconciling TesseraClusters');
    };
    const stopController = async () => {
      const running = controller;
      controller = undefined;
      await running?.stop();
    };
    let elector: LeaderElector | undefined;
    if (settings.leaderElection) {
      elector = createElector(kube, settings, {
        onStartedLeading: () => {
          metrics.isLeader.set(1);
          logger.info({ identity: settings.nodeId }, 'leading');
          startController().catch((error: unknown) => {
            logger.error({ err: error }, 'controller failed to start');
            setHealthy(false);
          });
        },
        onStoppedLeading: () => {
          metrics.isLeader.set(0);
          // Another replica may already be reconciling: stop at once, and let the
          // kubelet restart this one (liveness fails) so it rejoins cleanly as a follower.
          logger.warn('lost leadership');
          stopController().catch((error: unknown) =>
            logger.error({ err: error }, 'controller failed to stop'),
          );
          setHealthy(false);
        },
        onError: (error) => logger.warn({ err: error }, 'leader election call failed'),
      });
      elector.start();
    } else {
      metrics.isLeader.set(1);
      await startController();
    }
    setReady(true);
    return {
      async stop() {
        setReady(false);
        await stopController();
        await elector?.stop();
        admins.closeAll();
        return { forced: false };
      },
    };
  },
});
