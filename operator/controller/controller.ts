/**
 * The controller: informers on TesseraClusters and on the StatefulSets the operator owns
 * feed one work queue; workers take keys and run the reconciler. Results decide what
 * happens to a key: done → forget; requeue → come back after the asked delay; error →
 * rate-limited retry. A key is never reconciled by two workers at once.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { clusterApiVersion, clusterKind } from '../api/types.js';
import type { KubeClient } from '../kube/client.js';
import type { ReconcileResult } from '../reconcile/pass.js';
import { Informer, createWatchSource, namespacedKey } from './informer.js';
import type { ListWatchSource } from './informer.js';
import type { Timers } from './timers.js';
import { WorkQueue } from './work-queue.js';

/** Reconciles one cluster by namespace and name. */
export type ReconcileFunction = (namespace: string, name: string) => Promise<ReconcileResult>;

/** What one reconcile produced, for logs and metrics. */
export interface ReconcileReport {
  key: string;
  durationMs: number;
  outcome: ReconcileResult | { result: 'error'; error: unknown; retryInMs: number };
}

/** Settings of a {@link ClusterController}. */
export interface ControllerOptions {
  timers: Timers;
  reconcile: ReconcileFunction;
  clusterSource: ListWatchSource;
  statefulSetSource?: ListWatchSource;
  resyncMs?: number;
  workers?: number;
  onReport?: (report: ReconcileReport) => void;
  onError?: (error: unknown) => void;
  restartDelayMinMs?: number;
}

/** Label the operator puts on everything it manages. */
export const managedByLabel = 'app.kubernetes.io/managed-by=tessera-operator';

/** The controller. */
export class ClusterController {
  readonly queue: WorkQueue;
  private readonly informers: Informer[] = [];
  private workers: Promise<void>[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.queue = new WorkQueue(options.timers);
    const common = {
      resyncMs: options.resyncMs ?? 30_000,
      onChange: (key: string) => this.queue.add(key),
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.restartDelayMinMs !== undefined
        ? { restartDelayMinMs: options.restartDelayMinMs }
        : {}),
    };
    this.informers.push(
      new Informer(options.clusterSource, options.timers, { ...common, keyOf: namespacedKey }),
    );
    if (options.statefulSetSource) {
      this.informers.push(
        new Informer(options.statefulSetSource, options.timers, {
          ...common,
          // A StatefulSet change (pods becoming ready) wakes its cluster, not itself.
          resyncMs: 24 * 3_600_000,
          keyOf: owningClusterKey,
        }),
      );
    }
  }

  /** Starts informers and workers; resolves once every informer has listed. */
  async start(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.start()));
    const count = this.options.workers ?? 2;
    this.workers = Array.from({ length: count }, () => this.work());
  }

  /** Stops informers, lets workers finish their current key, and waits for them. */
  async stop(): Promise<void> {
    for (const informer of this.informers) informer.stop();
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const startMs = this.options.timers.nowMs();
    let outcome: ReconcileReport['outcome'];
    try {
      outcome = await this.options.reconcile(namespace, name);
      this.queue.forget(key);
      if (outcome.result === 'requeue') this.queue.addAfter(key, outcome.afterMs);
    } catch (error) {
      outcome = { result: 'error', error, retryInMs: this.queue.addRateLimited(key) };
    } finally {
      this.queue.done(key);
    }
    this.options.onReport?.({ key, durationMs: this.options.timers.nowMs() - startMs, outcome });
  }
}

/** The cluster key of an object the operator owns, from its instance label. */
function owningClusterKey(object: KubernetesObject): string | undefined {
  const instance = object.metadata?.labels?.['app.kubernetes.io/instance'];
  if (!instance) return undefined;
  return `${object.metadata?.namespace ?? ''}/${instance}`;
}

/** Sources for TesseraClusters and owned StatefulSets, in one namespace or all. */
export function createSources(
  kube: KubeClient,
  config: KubeConfig,
  namespace: string | undefined,
): { clusterSource: ListWatchSource; statefulSetSource: ListWatchSource } {
  const scope = namespace ? `/namespaces/${namespace}` : '';
  return {
    clusterSource: createWatchSource(kube, config, {
      apiVersion: clusterApiVersion,
      kind: clusterKind,
      path: `/apis/${clusterApiVersion}${scope}/tesseraclusters`,
      ...(namespace ? { namespace } : {}),
    }),
    statefulSetSource: createWatchSource(kube, config, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      path: `/apis/apps/v1${scope}/statefulsets`,
      labelSelector: managedByLabel,
      ...(namespace ? { namespace } : {}),
    }),
  };
}
