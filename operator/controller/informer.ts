/**
 * An informer: lists a kind, then watches from the list's resourceVersion, keeps a local
 * cache, and reports changed keys. A watch that ends (API server timeout, network
 * error, 410 Gone) is restarted by a fresh list after a bounded backoff. Every
 * `resyncMs` it reports every cached key again, so a missed event or an outside change
 * (a drain finishing in the control plane) is reconciled eventually.
 */
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import type { Timers } from './timers.js';

/** A watch event type as the API server sends it. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Where an informer gets objects from. */
export interface ListWatchSource {
  list(): Promise<{ items: KubernetesObject[]; resourceVersion: string }>;
  /** Starts a watch; `onDone` is called once when it ends. Returns a stop function. */
  watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: KubernetesObject) => void,
    onDone: (error: unknown) => void,
  ): Promise<() => void>;
}

/** Settings of an {@link Informer}. */
export interface InformerOptions {
  resyncMs: number;
  /** Key of an object, or undefined to ignore it. */
  keyOf: (object: KubernetesObject) => string | undefined;
  /** Called with the key of every added, changed, deleted or resynced object. */
  onChange: (key: string) => void;
  /** Called when listing or watching fails (for logs). */
  onError?: (error: unknown) => void;
  restartDelayMinMs?: number;
  restartDelayMaxMs?: number;
}

/** The informer. */
export class Informer {
  private readonly cache = new Map<string, KubernetesObject>();
  private stopWatch: (() => void) | undefined;
  private cancelResync: (() => void) | undefined;
  private cancelRestart: (() => void) | undefined;
  private running = false;
  private failures = 0;
  private synced = false;

  constructor(
    private readonly source: ListWatchSource,
    private readonly timers: Timers,
    private readonly options: InformerOptions,
  ) {}

  /** Lists and starts watching; resolves after the first list. */
  async start(): Promise<void> {
    this.running = true;
    this.scheduleResync();
    await this.listAndWatch();
  }

  /** Stops watching and resyncing. */
  stop(): void {
    this.running = false;
    this.stopWatch?.();
    this.cancelResync?.();
    this.cancelRestart?.();
  }

  /** Whether the first list has completed. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** The cached object of a key. */
  get(key: string): KubernetesObject | undefined {
    return this.cache.get(key);
  }

  /** Every cached key. */
  keys(): string[] {
    return [...this.cache.keys()];
  }

  private async listAndWatch(): Promise<void> {
    if (!this.running) return;
    let resourceVersion: string;
    try {
      const listed = await this.source.list();
      resourceVersion = listed.resourceVersion;
      this.replace(listed.items);
      this.synced = true;
    } catch (error) {
      this.options.onError?.(error);
      return this.scheduleRestart();
    }
    let current = resourceVersion;
    try {
      this.stopWatch = await this.source.watch(
        resourceVersion,
        (type, object) => {
          current = object.metadata?.resourceVersion ?? current;
          this.onEvent(type, object);
        },
        (error) => {
          // A watch ended by stop() is not a failure.
          if (!this.running) return;
          if (error) this.options.onError?.(error);
          else this.failures = 0;
          this.scheduleRestart();
        },
      );
    } catch (error) {
      this.options.onError?.(error);
      this.scheduleRestart();
    }
  }

  private onEvent(type: WatchEventType, object: KubernetesObject): void {
    if (type === 'ERROR') {
      // 410 Gone and friends: the watch will end; the restart lists afresh.
      this.options.onError?.(new Error(`watch error: ${JSON.stringify(object)}`));
      this.stopWatch?.();
      return;
    }
    if (type === 'BOOKMARK') return;
    const key = this.options.keyOf(object);
    if (key === undefined) return;
    if (type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, object);
    this.options.onChange(key);
  }

  private replace(items: KubernetesObject[]): void {
    const seen = new Set<string>();
    for (const object of items) {
      const key = this.options.keyOf(object);
      if (key === undefined) continue;
      seen.add(key);
      const previous = this.cache.get(key);
      this.cache.set(key, object);
      if (previous?.metadata?.resourceVersion !== object.metadata?.resourceVersion)
        this.options.onChange(key);
    }
    for (const key of [...this.cache.keys()]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.options.onChange(key);
    }
  }

  private scheduleRestart(): void {
    if (!this.running) return;
    const minMs = this.options.restartDelayMinMs ?? 500;
    const maxMs = this.options.restartDelayMaxMs ?? 30_000;
    const delayMs = Math.min(maxMs, minMs * 2 ** Math.min(this.failures, 16));
    this.failures += 1;
    this.cancelRestart?.();
    this.cancelRestart = this.timers.after(delayMs, () => {
      this.listAndWatch().catch((error: unknown) => this.options.onError?.(error));
    });
  }

  private scheduleResync(): void {
    this.cancelResync = this.timers.after(this.options.resyncMs, () => {
      if (!this.running) return;
      for (const key of this.cache.keys()) this.options.onChange(key);
      this.scheduleResync();
    });
  }
}

/** `namespace/name` of an object. */
export function namespacedKey(object: KubernetesObject): string | undefined {
  const name = object.metadata?.name;
  if (!name) return undefined;
  return `${object.metadata?.namespace ?? ''}/${name}`;
}

/**
 * A list-and-watch source over client-node: `KubeClient.list` and client-node's `Watch`
 * on `path` (e.g. `/apis/tessera.dev/v1alpha1/tesseraclusters` for every namespace).
 */
export function createWatchSource(
  kube: KubeClient,
  config: KubeConfig,
  target: {
    apiVersion: string;
    kind: string;
    path: string;
    namespace?: string;
    labelSelector?: string;
  },
): ListWatchSource {
  const watch = new Watch(config);
  return {
    list: () => kube.list(target.apiVersion, target.kind, target.namespace, target.labelSelector),
    async watch(resourceVersion, onEvent, onDone) {
      const controller = await watch.watch(
        target.path,
        {
          resourceVersion,
          allowWatchBookmarks: true,
          ...(target.labelSelector ? { labelSelector: target.labelSelector } : {}),
        },
        (type: string, object: KubernetesObject) => onEvent(type as WatchEventType, object),
        onDone,
      );
      return () => controller.abort();
    },
  };
}
