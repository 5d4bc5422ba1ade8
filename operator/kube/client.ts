/**
 * The operator's view of the Kubernetes API: a handful of generic calls over
 * `@kubernetes/client-node`'s KubernetesObjectApi (which discovers resource paths from
 * the API server) plus the TesseraCluster status subresource. The reconciler depends on
 * the {@link KubeClient} interface only.
 */
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { TesseraCluster, TesseraClusterStatus } from '../api/types.js';
import { apiGroup, apiVersionName, clusterPlural } from '../api/types.js';

/** Name the operator writes under in `managedFields`. */
export const fieldManager = 'tessera-operator';

/** A failed API call, with the HTTP status code (404, 409, 422, ...). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /** Converts whatever client-node threw into a KubeApiError (status 0 for network errors). */
  static from(error: unknown): KubeApiError {
    if (error instanceof KubeApiError) return error;
    if (error instanceof ApiException) {
      const body = parseStatusBody(error.body);
      return new KubeApiError(error.code, body.reason ?? 'Unknown', body.message ?? error.message);
    }
    return new KubeApiError(
      0,
      'NetworkError',
      error instanceof Error ? error.message : String(error),
    );
  }
}

/** Identifies one object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A list result with the collection's resourceVersion, from which a watch starts. */
export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
}

/** What the reconciler, informer and leader election need from the API server. */
export interface KubeClient {
  /** Reads an object; undefined when it does not exist. */
  get<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector?: string,
  ): Promise<ObjectList<T>>;
  create<T extends KubernetesObject>(object: T): Promise<T>;
  /** JSON merge patch; include `metadata.resourceVersion` to fail with 409 on a concurrent change. */
  mergePatch<T extends KubernetesObject>(object: KubernetesObject): Promise<T>;
  /** Full update; fails with 409 if `metadata.resourceVersion` is stale. */
  replace<T extends KubernetesObject>(object: T): Promise<T>;
  /** Deletes an object; false when it did not exist. */
  delete(ref: ObjectRef): Promise<boolean>;
  /** Whether the API server serves a kind (e.g. ServiceMonitor, only with the Prometheus Operator). */
  hasKind(apiVersion: string, kind: string): Promise<boolean>;
  /** Replaces the status subresource of a TesseraCluster. */
  writeClusterStatus(
    namespace: string,
    name: string,
    status: TesseraClusterStatus,
  ): Promise<TesseraCluster>;
}

/** A KubeConfig that talks plain HTTP to `server` (a test's fake API server). */
export function kubeConfigFor(server: string, namespace = 'default'): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'test', server, skipTLSVerify: true }],
    users: [{ name: 'test' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test', namespace }],
    currentContext: 'test',
  });
  return config;
}

/** KubernetesObjectApi with its discovery lookup made public, for {@link KubeClient.hasKind}. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  static forConfig(config: KubeConfig): DiscoveringObjectApi {
    const api = config.makeApiClient(DiscoveringObjectApi);
    api.setDefaultNamespace(config);
    return api;
  }

  discover(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }
}

/** Creates the client-node implementation of {@link KubeClient}. */
export function createKubeClient(config: KubeConfig): KubeClient {
  const objects = DiscoveringObjectApi.forConfig(config);
  const custom = config.makeApiClient(CustomObjectsApi);
  const header = (ref: ObjectRef) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
  });
  return {
    get: <T extends KubernetesObject>(ref: ObjectRef) =>
      unless404(async () => (await objects.read(header(ref))) as T, undefined),
    async list<T extends KubernetesObject>(
      apiVersion: string,
      kind: string,
      namespace: string | undefined,
      labelSelector?: string,
    ) {
      const none = undefined;
      const result = await call(() =>
        objects.list(apiVersion, kind, namespace, none, none, none, none, labelSelector),
      );
      return {
        items: result.items as T[],
        resourceVersion: result.metadata?.resourceVersion ?? '',
      };
    },
    create: <T extends KubernetesObject>(object: T) =>
      call(() => objects.create(object, undefined, undefined, fieldManager)),
    mergePatch: <T extends KubernetesObject>(object: KubernetesObject) =>
      call(async () => {
        const strategy = PatchStrategy.MergePatch;
        return (await objects.patch(
          object,
          undefined,
          undefined,
          fieldManager,
          undefined,
          strategy,
        )) as T;
      }),
    replace: <T extends KubernetesObject>(object: T) =>
      call(() => objects.replace(object, undefined, undefined, fieldManager)),
    delete: (ref: ObjectRef) =>
      unless404(async () => {
        await objects.delete(header(ref), undefined, undefined, undefined, undefined, 'Background');
        return true;
      }, false),
    hasKind: (apiVersion: string, kind: string) =>
      unless404(async () => (await objects.discover(apiVersion, kind)) !== undefined, false),
    writeClusterStatus: (namespace: string, name: string, status: TesseraClusterStatus) =>
      call(
        async () =>
          (await custom.patchNamespacedCustomObjectStatus({
            group: apiGroup,
            version: apiVersionName,
            namespace,
            plural: clusterPlural,
            name,
            // JSON patch is the generated client's default content type; `add` replaces.
            body: [{ op: 'add', path: '/status', value: status }],
          })) as TesseraCluster,
      ),
  };
}

/** Runs an API call, converting any failure to a {@link KubeApiError}. */
async function call<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw KubeApiError.from(error);
  }
}

/** Runs an API call; a 404 answer yields `absent` instead of an error. */
async function unless404<T, A>(action: () => Promise<T>, absent: A): Promise<T | A> {
  try {
    return await action();
  } catch (error) {
    const failure = KubeApiError.from(error);
    if (failure.statusCode === 404) return absent;
    throw failure;
  }
}

function parseStatusBody(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { message: value as string };
    }
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as { reason?: unknown; message?: unknown };
    return {
      ...(typeof record.reason === 'string' ? { reason: record.reason } : {}),
      ...(typeof record.message === 'string' ? { message: record.message } : {}),
    };
  }
  return {};
}
