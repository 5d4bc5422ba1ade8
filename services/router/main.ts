// The router process: DynamoDB's HTTP API and tessera.v1 over gRPC, under runService.
//
// The backend is chosen explicitly. `control-plane` (the default) is the real data path: the
// catalog and the partition map from the control plane, items from the storage nodes (see
// backend/). `memory` is the development and test mode: every table lives in this process and
// is lost when it exits.

import { createGrpcServer } from '../../lib/grpc/index.js';
import {
  enumSetting,
  integerSetting,
  listSetting,
  portSetting,
  runService,
  stringSetting,
} from '../../lib/runtime/index.js';
import type { Registry } from 'prom-client';
import type { RouterBackend } from './backend.js';
import { createClusterBackend } from './backend/grpc-backend.js';
import { clusterBackendMetrics } from './backend/metrics.js';
import { dynamoGrpcService } from './grpc/service.js';
import { parseAccessKeys } from './http/auth.js';
import { requestBytesMaxDefault } from './http/body.js';
import { startHttpServer } from './http/server.js';
import { createRouterObserver } from './observer.js';
import { createMemoryBackend } from './testing/memory-backend.js';

const hostPattern = /^[0-9a-zA-Z.:-]+$/;

/** The router's own settings (see services/router/README.md). */
export const routerSettings = {
  httpHost: stringSetting({
    flag: 'http-host',
    env: 'TESSERA_HTTP_HOST',
    default: '127.0.0.1',
    pattern: hostPattern,
    accepted: 'a host name or IP address',
    description: 'address the DynamoDB HTTP API and the gRPC API bind to',
  }),
  httpPort: portSetting({
    flag: 'http-port',
    env: 'TESSERA_HTTP_PORT',
    default: 8000,
    description: 'port of the DynamoDB JSON-over-HTTP API',
  }),
  grpcPort: portSetting({
    flag: 'grpc-port',
    env: 'TESSERA_GRPC_PORT',
    default: 8001,
    description: 'port of the tessera.v1.Dynamo gRPC API',
  }),
  backend: enumSetting({
    flag: 'backend',
    env: 'TESSERA_ROUTER_BACKEND',
    default: 'control-plane',
    values: ['control-plane', 'memory'],
    description:
      'control-plane: route to the cluster (catalog and map from the control plane, items from the storage nodes); memory: development/test mode, data in this process only',
  }),
  controlPlaneAddresses: listSetting({
    flag: 'control-plane-address',
    env: 'TESSERA_CONTROL_PLANE_ADDRESS',
    default: ['127.0.0.1:7000'],
    itemPattern: /^[0-9a-zA-Z.-]+:\d+$/,
    description:
      'gRPC addresses (host:port, comma-separated) of the control-plane replicas: catalog and partition map',
  }),
  backendTimeoutMs: integerSetting({
    flag: 'backend-timeout-ms',
    env: 'TESSERA_BACKEND_TIMEOUT_MS',
    default: 5000,
    min: 10,
    max: 60_000,
    description: 'time one storage or catalog operation may take, retries included',
  }),
  hedgeAfterMs: integerSetting({
    flag: 'hedge-after-ms',
    env: 'TESSERA_HEDGE_AFTER_MS',
    default: 50,
    min: 1,
    max: 60_000,
    description: 'an eventually consistent read slower than this also asks another replica',
  }),
  authKeys: listSetting({
    flag: 'auth-keys',
    env: 'TESSERA_AUTH_KEYS',
    default: [],
    itemPattern: /^[^:,\s]+:[^,\s]+$/,
    description:
      'ACCESS_KEY_ID:SECRET pairs; when any is given, every request must carry a valid SigV4 signature by one of them',
  }),
  region: stringSetting({
    flag: 'region',
    env: 'TESSERA_REGION',
    default: 'us-east-1',
    pattern: /^[a-z0-9-]+$/,
    accepted: 'a region name',
    description: 'region named in table ARNs and the health-check answer',
  }),
  requestBytesMax: integerSetting({
    flag: 'request-bytes-max',
    env: 'TESSERA_REQUEST_BYTES_MAX',
    default: requestBytesMaxDefault,
    min: 1024,
    max: requestBytesMaxDefault,
    description: 'largest HTTP request body accepted (DynamoDB: 16 MB)',
  }),
  batchConcurrency: integerSetting({
    flag: 'batch-concurrency',
    env: 'TESSERA_BATCH_CONCURRENCY',
    default: 16,
    min: 1,
    max: 100,
    description: 'backend calls one BatchGetItem/BatchWriteItem keeps in flight at once',
  }),
};

/** The running backend and what stopping it takes. */
interface StartedBackend {
  readonly backend: RouterBackend;
  stop(): Promise<void>;
}

type RouterSettings = {
  readonly backend: 'control-plane' | 'memory';
  readonly region: string;
  readonly controlPlaneAddresses: readonly string[];
  readonly backendTimeoutMs: number;
  readonly hedgeAfterMs: number;
};

function startBackend(
  settings: RouterSettings,
  metrics: Registry,
  logger: { warn(object: object, message: string): void },
  setRoutable: () => void,
): StartedBackend {
  if (settings.backend === 'memory') {
    const backend = createMemoryBackend({ nowMs: () => Date.now(), region: settings.region });
    setRoutable();
    return { backend, stop: () => Promise.resolve() };
  }
  const hooks = clusterBackendMetrics(metrics);
  const backend = createClusterBackend({
    controlPlaneAddresses: settings.controlPlaneAddresses,
    requestTimeoutMs: settings.backendTimeoutMs,
    controlCallTimeoutMs: settings.backendTimeoutMs,
    hedgeAfterMs: settings.hedgeAfterMs,
    observer: hooks.observer,
    onMapApplied: (epoch) => {
      hooks.mapApplied(epoch);
      // Routable once the first partition map has arrived.
      setRoutable();
    },
    onProblem: (message) => logger.warn({ controlPlane: settings.controlPlaneAddresses }, message),
  });
  backend.start();
  // The map's age grows between updates, so it is refreshed on a clock, not on events.
  const ageTimer = setInterval(
    () => hooks.updateAge(Date.now(), backend.watcher.lastUpdateMs),
    1000,
  );
  ageTimer.unref();
  return {
    backend,
    stop: async () => {
      clearInterval(ageTimer);
      await backend.stop();
    },
  };
}

await runService({
  name: 'router',
  settings: routerSettings,
  async start({ settings, logger, metrics, setReady }) {
    const keys = parseAccessKeys(settings.authKeys);
    if (!keys.ok) throw new Error(keys.message);
    if (settings.backend === 'memory') {
      logger.warn('backend=memory: development/test mode, tables live in this process only');
    }
    // The observer registers the router's metrics; the cluster backend's hooks look them up.
    const observer = createRouterObserver(metrics, logger);
    // Ready when both hold: the APIs listen and the backend can route.
    const readiness = { listening: false, routable: false };
    const updateReady = (): void => setReady(readiness.listening && readiness.routable);
    const started = startBackend(settings, metrics, logger, () => {
      readiness.routable = true;
      updateReady();
    });
    const backend = started.backend;
    // The bound port is known only once listening (port 0 picks one), hence the getter.
    const bound = { httpPort: settings.httpPort };
    const context = {
      backend,
      get endpointAddress() {
        return `${settings.httpHost}:${bound.httpPort}`;
      },
      batchConcurrencyMax: settings.batchConcurrency,
    };
    const http = await startHttpServer(
      {
        context,
        accessKeys: keys.keys,
        requestBytesMax: settings.requestBytesMax,
        region: settings.region,
        nowMs: () => Date.now(),
        observer,
      },
      settings.httpHost,
      settings.httpPort,
    );
    bound.httpPort = http.port;
    const grpc = createGrpcServer([dynamoGrpcService(context)], {
      onInternalError: (error, method) =>
        logger.error({ err: error, method }, 'gRPC handler failed'),
    });
    const grpcPort = await grpc.listen(settings.httpHost, settings.grpcPort);
    logger.info(
      { httpPort: http.port, grpcPort, auth: keys.keys.size > 0, backend: settings.backend },
      `DynamoDB endpoint http://${settings.httpHost}:${http.port}`,
    );
    readiness.listening = true;
    updateReady();
    return {
      stop: async (graceMs) => {
        const [httpStopped, grpcStopped] = await Promise.all([
          http.close(graceMs),
          grpc.shutdown(graceMs),
        ]);
        await started.stop();
        return { forced: httpStopped.forced || grpcStopped.forced };
      },
    };
  },
});
