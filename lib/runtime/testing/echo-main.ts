// A whole service process for the runtime's tests: the echo gRPC service under
// `runService`, so settings, logs, the admin server, tracing and graceful shutdown are
// exercised exactly as a real service uses them.
import { createGrpcServer } from '../../grpc/index.js';
import { echoService } from '../../grpc/testing/echo-service.js';
import { portSetting, runService, stringSetting } from '../index.js';

await runService({
  name: 'echo',
  settings: {
    grpcHost: stringSetting({
      flag: 'grpc-host',
      env: 'TESSERA_GRPC_HOST',
      default: '127.0.0.1',
      description: 'address the gRPC server binds to',
    }),
    grpcPort: portSetting({
      flag: 'grpc-port',
      env: 'TESSERA_GRPC_PORT',
      default: 0,
      description: 'port of the gRPC server',
    }),
  },
  async start({ settings, logger, setReady }) {
    const server = createGrpcServer(
      [echoService({ onEchoStarted: (text) => logger.info({ text }, 'echo started') })],
      {
        onInternalError: (error, method) => logger.error({ err: error, method }, 'handler failed'),
      },
    );
    const grpcPort = await server.listen(settings.grpcHost, settings.grpcPort);
    logger.info({ grpcPort }, 'listening');
    setReady(true);
    return { stop: (graceMs) => server.shutdown(graceMs) };
  },
});
