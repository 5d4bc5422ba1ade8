// The router process: DynamoDB's HTTP API and tessera.v1 over gRPC, under runService.
//
// The backend is chosen explicitly. `control-plane` (the default) is the real data path and is
// not built yet, so the router refuses to start with it rather than pretend; `memory` is the
// development and test mode: every table lives in this process and is lost when it exits.

import { createGrpcServer } from '../../lib/grpc/index.js';
import {
  enumSetting,
  integerSetting,
  listSetting,
  portSetting,
  runService,
  stringSetting,
} from '../../lib/runtime/index.js';
import type { RouterBackend } from './backend.js';
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
      'control-plane: route to the cluster (not built yet: the router refuses to start); memory: development/test mode, data in this process only',
  }),
  controlPlaneAddress: stringSetting({
    flag: 'control-plane-address',
    env: 'TESSERA_CONTROL_PLANE_ADDRESS',
    default: '127.0.0.1:7000',
    pattern: /^[0-9a-zA-Z.-]+:\d+$/,
    accepted: 'host:port',
    description: 'gRPC address of the control plane (catalog and partition map)',
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

function chooseBackend(kind: 'control-plane' | 'memory', region: string): RouterBackend {
  if (kind === 'memory') return createMemoryBackend({ nowMs: () => Date.now(), region });
  throw new Error(
    'the control-plane backend is not built yet; start the router with --backend=memory for development (data is kept in this process only)',
  );
}

await runService({
  name: 'router',
  settings: routerSettings,
  async start({ settings, logger, metrics, setReady }) {
    const keys = parseAccessKeys(settings.authKeys);
    if (!keys.ok) throw new Error(keys.message);
    const backend = chooseBackend(settings.backend, settings.region);
    if (settings.backend === 'memory') {
      logger.warn('backend=memory: development/test mode, tables live in this process only');
    }
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
        observer: createRouterObserver(metrics, logger),
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
    setReady(true);
    return {
      stop: async (graceMs) => {
        const [httpStopped, grpcStopped] = await Promise.all([
          http.close(graceMs),
          grpc.shutdown(graceMs),
        ]);
        return { forced: httpStopped.forced || grpcStopped.forced };
      },
    };
  },
});
