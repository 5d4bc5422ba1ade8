/**
 * A fake Kubernetes API server for tests, served over HTTP on 127.0.0.1 so that the real
 * `@kubernetes/client-node` code runs against it: discovery, create, get, list, watch,
 * merge and JSON patches, replace, delete with finalizers and owner-reference garbage
 * collection, status and scale subresources, 404 and 409 answers, resourceVersion
 * checks. Tests drive the parts a real cluster's controllers would (StatefulSet status)
 * through {@link FakeApiServer.update}.
 *
 * Not a conformance-grade server: no admission, no schema validation, equality-only
 * label selectors, and an event log of bounded length for watches.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, ResourceType, StoredObject } from './api-helpers.js';
import {
  apiVersionOf,
  failure,
  key,
  matchesSelector,
  parseBody,
  parseSelector,
  patchObject,
  readBody,
  sendJson,
  sendStatus,
  statusBody,
  withoutMeta,
  writeEvent,
} from './api-helpers.js';

export type { RecordedRequest, ResourceType, StoredObject } from './api-helpers.js';

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resourceVersion: number;
  resource: ResourceType;
  object: StoredObject;
}

interface Watcher {
  resource: ResourceType;
  namespace?: string;
  selector: Record<string, string>;
  response: ServerResponse;
}

interface Fault {
  method: string;
  pathIncludes: string;
  status: number;
  remaining: number;
}

/** The resource types a Tessera operator uses. */
export const defaultResourceTypes: ResourceType[] = [
  resource('', 'v1', 'Service', 'services', false),
  resource('', 'v1', 'ConfigMap', 'configmaps', false),
  resource('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true),
  resource('', 'v1', 'Pod', 'pods', true),
  resource('', 'v1', 'Event', 'events', false),
  resource('apps', 'v1', 'StatefulSet', 'statefulsets', true),
  resource('apps', 'v1', 'Deployment', 'deployments', true),
  resource('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true),
  resource('coordination.k8s.io', 'v1', 'Lease', 'leases', false),
  resource('tessera.dev', 'v1alpha1', 'TesseraCluster', 'tesseraclusters', true),
];

/** The Prometheus Operator's ServiceMonitor, present only when a test says so. */
export const serviceMonitorType = resource(
  'monitoring.coreos.com',
  'v1',
  'ServiceMonitor',
  'servicemonitors',
  false,
);

function resource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  statusSubresource: boolean,
): ResourceType {
  return { group, version, kind, plural, namespaced: true, statusSubresource };
}

const eventLogLengthMax = 2000;

/** The fake API server. Start with {@link startFakeApiServer}. */
export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly objects = new Map<string, StoredObject>();
  private readonly events: WatchEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly faults: Fault[] = [];
  private resourceVersion = 100;
  private uidCounter = 0;

  constructor(
    private readonly types: ResourceType[],
    private readonly server: Server,
  ) {}

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Stops the server and ends every open watch. */
  async close(): Promise<void> {
    this.closeWatches();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Ends every open watch stream, as an API server does on timeout or restart. */
  closeWatches(): void {
    for (const watcher of this.watchers) watcher.response.end();
    this.watchers.clear();
  }

  /** Answers the next `times` requests matching method and path with `status`. */
  injectFault(method: string, pathIncludes: string, status: number, times = 1): void {
    this.faults.push({ method, pathIncludes, status, remaining: times });
  }

  /** Reads a stored object (a deep copy), or undefined. */
  get(kind: string, namespace: string, name: string): StoredObject | undefined {
    const type = this.typeOfKind(kind);
    const stored = this.objects.get(key(type, namespace, name));
    return stored ? structuredClone(stored) : undefined;
  }

  /** Lists stored objects of a kind in a namespace. */
  list(kind: string, namespace: string): StoredObject[] {
    const type = this.typeOfKind(kind);
    const prefix = key(type, namespace, '');
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, object]) => structuredClone(object));
  }

  /** Changes a stored object as a controller would (status included), emitting a watch event. */
  update(
    kind: string,
    namespace: string,
    name: string,
    change: (object: StoredObject) => void,
  ): void {
    const type = this.typeOfKind(kind);
    const k = key(type, namespace, name);
    const stored = this.objects.get(k);
    if (!stored) throw new Error(`no ${kind} ${namespace}/${name}`);
    const next = structuredClone(stored);
    change(next);
    this.store(type, next, 'MODIFIED');
  }

  /** Creates an object directly (test setup), as `kubectl apply` would. */
  seed(kind: string, object: StoredObject): StoredObject {
    const type = this.typeOfKind(kind);
    const created = this.prepareCreate(
      type,
      structuredClone(object),
      object.metadata.namespace ?? 'default',
    );
    if (type.statusSubresource) delete created.status;
    return structuredClone(this.store(type, created, 'ADDED'));
  }

  /** Deletes an object directly (as `kubectl delete` would): finalizers are honoured. */
  remove(kind: string, namespace: string, name: string): void {
    this.deleteObject(this.typeOfKind(kind), namespace, name);
  }

  /** Adds a resource type at run time (e.g. installing the ServiceMonitor CRD). */
  addType(type: ResourceType): void {
    this.types.push(type);
  }

  /** Handles one HTTP request. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const record = (status: number, subresource?: string) =>
      this.requests.push({
        method,
        path: url.pathname,
        status,
        ...(subresource ? { subresource } : {}),
      });
    const fault = this.takeFault(method, url.pathname);
    if (fault !== undefined) {
      record(fault);
      return sendStatus(
        response,
        fault,
        fault === 409 ? 'Conflict' : 'InternalError',
        'injected fault',
      );
    }
    const discovery = this.discovery(url.pathname);
    if (discovery) {
      record(200);
      return sendJson(response, 200, discovery);
    }
    const route = this.route(url.pathname);
    if (!route) {
      record(404);
      return sendStatus(response, 404, 'NotFound', `the server could not find ${url.pathname}`);
    }
    const body = method === 'GET' || method === 'DELETE' ? undefined : await readBody(request);
    const { status, payload } = this.dispatch(method, route, url, body, request, response);
    record(status === 0 ? 200 : status, route.subresource);
    if (status === 0) return; // a watch: the response stays open

    sendJson(response, status, payload);
  }

  private dispatch(
    method: string,
    route: Route,
    url: URL,
    body: string | undefined,
    request: IncomingMessage,
    response: ServerResponse,
  ): { status: number; payload: unknown } {
    const { type, namespace, name, subresource } = route;
    if (name === undefined) {
      if (method === 'GET' && url.searchParams.get('watch') === 'true') {
        this.startWatch(type, namespace, url, response);
        return { status: 0, payload: undefined };
      }
      if (method === 'GET') return { status: 200, payload: this.listPayload(type, namespace, url) };
      if (method === 'POST') return this.create(type, namespace ?? 'default', parseBody(body));
      return failure(405, 'MethodNotAllowed', `${method} on a collection`);
    }
    const ns = namespace ?? 'default';
    const stored = this.objects.get(key(type, ns, name));
    if (!stored) return failure(404, 'NotFound', `${type.plural} "${name}" not found`);
    if (subresource === 'scale') return this.scale(method, type, stored, body, request);
    switch (method) {
      case 'GET':
        return { status: 200, payload: stored };
      case 'PUT':
        return this.write(type, stored, parseBody(body), subresource);
      case 'PATCH': {
        const patched = patchObject(stored, body ?? '', request.headers['content-type'] ?? '');
        if ('error' in patched) return failure(422, 'Invalid', patched.error);
        return this.write(type, stored, patched.object, subresource);
      }
      case 'DELETE':
        return { status: 200, payload: this.deleteObject(type, ns, name) };
      default:
        return failure(405, 'MethodNotAllowed', method);
    }
  }

  private create(type: ResourceType, namespace: string, object: StoredObject) {
    const name = object.metadata?.name;
    if (!name) return failure(422, 'Invalid', 'metadata.name: Required value');
    if (this.objects.has(key(type, namespace, name))) {
      return failure(409, 'AlreadyExists', `${type.plural} "${name}" already exists`);
    }
    const created = this.prepareCreate(type, object, namespace);
    if (type.statusSubresource) delete created.status;
    return { status: 201, payload: this.store(type, created, 'ADDED') };
  }

  private prepareCreate(type: ResourceType, object: StoredObject, namespace: string): StoredObject {
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    object.metadata.namespace = namespace;
    object.metadata.uid = `uid-${++this.uidCounter}`;
    object.metadata.generation = 1;
    object.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    return object;
  }

  /** Applies a PUT or PATCH result after optimistic-concurrency and subresource rules. */
  private write(
    type: ResourceType,
    stored: StoredObject,
    next: StoredObject,
    subresource?: string,
  ) {
    const expected = next.metadata?.resourceVersion;
    if (expected !== undefined && expected !== stored.metadata.resourceVersion) {
      return failure(
        409,
        'Conflict',
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    let result: StoredObject;
    if (subresource === 'status') {
      result = { ...structuredClone(stored), status: next.status };
    } else {
      result = { ...next, metadata: { ...next.metadata } };
      if (type.statusSubresource) result.status = structuredClone(stored.status);
      // Clients cannot change identity or deletion fields.
      for (const field of [
        'uid',
        'namespace',
        'name',
        'creationTimestamp',
        'deletionTimestamp',
        'generation',
      ] as const) {
        if (stored.metadata[field] === undefined) delete result.metadata[field];
        else (result.metadata as Record<string, unknown>)[field] = stored.metadata[field];
      }
      if (JSON.stringify(withoutMeta(stored)) !== JSON.stringify(withoutMeta(result))) {
        result.metadata.generation = (stored.metadata.generation ?? 1) + 1;
      }
    }
    if (result.metadata.deletionTimestamp && (result.metadata.finalizers ?? []).length === 0) {
      this.destroy(type, result);
      return { status: 200, payload: result };
    }
    return { status: 200, payload: this.store(type, result, 'MODIFIED') };
  }

  /** The scale subresource of TesseraCluster: `.spec.storage.replicas`. */
  private scale(
    method: string,
    type: ResourceType,
    stored: StoredObject,
    body: string | undefined,
    request: IncomingMessage,
  ) {
    const spec = stored.spec as { storage?: { replicas?: number } };
    const status = (stored.status ?? {}) as { replicas?: number; labelSelector?: string };
    const current = {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name: stored.metadata.name,
        namespace: stored.metadata.namespace,
        resourceVersion: stored.metadata.resourceVersion,
      },
      spec: { replicas: spec.storage?.replicas ?? 0 },
      status: { replicas: status.replicas ?? 0, selector: status.labelSelector ?? '' },
    };
    if (method === 'GET') return { status: 200, payload: current };
    const patched =
      method === 'PUT'
        ? { object: parseBody(body) }
        : patchObject(
            current as unknown as StoredObject,
            body ?? '',
            request.headers['content-type'] ?? '',
          );
    if ('error' in patched) return failure(422, 'Invalid', patched.error);
    const replicas = (patched.object.spec as { replicas?: number }).replicas;
    if (typeof replicas !== 'number')
      return failure(422, 'Invalid', 'spec.replicas: Required value');
    const next = structuredClone(stored);
    (next.spec as { storage: { replicas: number } }).storage.replicas = replicas;
    return this.write(type, stored, next);
  }

  private deleteObject(type: ResourceType, namespace: string, name: string): unknown {
    const stored = this.objects.get(key(type, namespace, name));
    if (!stored) return { kind: 'Status', apiVersion: 'v1', status: 'Success' };
    if ((stored.metadata.finalizers ?? []).length > 0) {
      if (!stored.metadata.deletionTimestamp) {
        const next = structuredClone(stored);
        next.metadata.deletionTimestamp = '2026-01-01T00:00:01Z';
        return this.store(type, next, 'MODIFIED');
      }
      return stored;
    }
    this.destroy(type, stored);
    return { kind: 'Status', apiVersion: 'v1', status: 'Success' };
  }

  /** Removes an object and, like the garbage collector, every object it owns. */
  private destroy(type: ResourceType, object: StoredObject): void {
    this.objects.delete(key(type, object.metadata.namespace ?? 'default', object.metadata.name));
    this.emit(type, object, 'DELETED');
    const uid = object.metadata.uid;
    for (const [, owned] of [...this.objects.entries()]) {
      if ((owned.metadata.ownerReferences ?? []).some((reference) => reference.uid === uid)) {
        this.deleteObject(
          this.typeOfKind(owned.kind ?? ''),
          owned.metadata.namespace ?? 'default',
          owned.metadata.name,
        );
      }
    }
  }

  private store(
    type: ResourceType,
    object: StoredObject,
    eventType: WatchEvent['type'],
  ): StoredObject {
    object.metadata.resourceVersion = String(++this.resourceVersion);
    this.objects.set(
      key(type, object.metadata.namespace ?? 'default', object.metadata.name),
      object,
    );
    this.emit(type, object, eventType);
    return object;
  }

  private emit(type: ResourceType, object: StoredObject, eventType: WatchEvent['type']): void {
    const event: WatchEvent = {
      type: eventType,
      resourceVersion: eventType === 'DELETED' ? ++this.resourceVersion : this.resourceVersion,
      resource: type,
      object: structuredClone(object),
    };
    this.events.push(event);
    if (this.events.length > eventLogLengthMax) this.events.shift();
    for (const watcher of this.watchers) {
      if (matchesWatch(watcher, event)) writeEvent(watcher.response, event.type, event.object);
    }
  }

  private listPayload(type: ResourceType, namespace: string | undefined, url: URL) {
    const selector = parseSelector(url.searchParams.get('labelSelector'));
    const items = [...this.objects.values()].filter(
      (object) =>
        object.kind === type.kind &&
        (namespace === undefined || object.metadata.namespace === namespace) &&
        matchesSelector(object, selector),
    );
    return {
      apiVersion: apiVersionOf(type),
      kind: `${type.kind}List`,
      metadata: { resourceVersion: String(this.resourceVersion) },
      items,
    };
  }

  private startWatch(
    type: ResourceType,
    namespace: string | undefined,
    url: URL,
    response: ServerResponse,
  ): void {
    const watcher: Watcher = {
      resource: type,
      ...(namespace !== undefined ? { namespace } : {}),
      selector: parseSelector(url.searchParams.get('labelSelector')),
      response,
    };
    response.writeHead(200, { 'content-type': 'application/json' });
    // Send the headers now: a client's watch() resolves only once it has them.
    response.flushHeaders();
    const from = url.searchParams.get('resourceVersion');
    if (from === null || from === '' || from === '0') {
      for (const object of this.listPayload(type, namespace, url).items)
        writeEvent(response, 'ADDED', object);
    } else {
      const since = Number(from);
      const oldest = this.events[0]?.resourceVersion ?? this.resourceVersion;
      if (since < oldest - 1) {
        response.end(
          `${JSON.stringify({ type: 'ERROR', object: statusBody(410, 'Expired', 'too old resource version') })}\n`,
        );
        return;
      }
      for (const event of this.events) {
        if (event.resourceVersion > since && matchesWatch(watcher, event))
          writeEvent(response, event.type, event.object);
      }
    }
    this.watchers.add(watcher);
    response.on('close', () => this.watchers.delete(watcher));
  }

  private discovery(path: string): unknown {
    const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(path);
    if (!match) return undefined;
    const group = match[1] ? '' : (match[2] ?? '');
    const version = match[1] ?? match[3] ?? '';
    const types = this.types.filter((type) => type.group === group && type.version === version);
    if (types.length === 0) return undefined;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: types.map((type) => ({
        name: type.plural,
        singularName: type.kind.toLowerCase(),
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      })),
    };
  }

  private route(path: string): Route | undefined {
    const match =
      /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(status|scale))?$/.exec(
        path,
      );
    if (!match) return undefined;
    const group = match[1] ? '' : (match[2] ?? '');
    const version = match[1] ?? match[3] ?? '';
    const type = this.types.find(
      (t) => t.group === group && t.version === version && t.plural === match[5],
    );
    if (!type) return undefined;
    return {
      type,
      ...(match[4] !== undefined ? { namespace: decodeURIComponent(match[4]) } : {}),
      ...(match[6] !== undefined ? { name: decodeURIComponent(match[6]) } : {}),
      ...(match[7] !== undefined ? { subresource: match[7] } : {}),
    };
  }

  private typeOfKind(kind: string): ResourceType {
    const type = this.types.find((t) => t.kind === kind);
    if (!type) throw new Error(`unknown kind ${kind}`);
    return type;
  }

  private takeFault(method: string, path: string): number | undefined {
    const fault = this.faults.find(
      (f) => f.method === method && path.includes(f.pathIncludes) && f.remaining > 0,
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    return fault.status;
  }
}

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Starts a fake API server on 127.0.0.1 on a free port. */
export async function startFakeApiServer(
  options: { serviceMonitorCrd?: boolean } = {},
): Promise<FakeApiServer> {
  const types = [
    ...defaultResourceTypes,
    ...(options.serviceMonitorCrd ? [serviceMonitorType] : []),
  ];
  const server = createServer();
  const api = new FakeApiServer(types, server);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    api.handle(request, response).catch((error: unknown) => {
      sendStatus(response, 500, 'InternalError', String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return api;
}

function matchesWatch(watcher: Watcher, event: WatchEvent): boolean {
  return (
    watcher.resource === event.resource &&
    (watcher.namespace === undefined || watcher.namespace === event.object.metadata.namespace) &&
    matchesSelector(event.object, watcher.selector)
  );
}
