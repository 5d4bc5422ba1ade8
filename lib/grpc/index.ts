// The gRPC adapter's public surface.
export { createClient, openChannel } from './client.js';
export type { CallOptions, ClientMethod, ClientOptions, ServiceClient } from './client.js';
export { methodDefinition, methodPath, serviceDefinition } from './definition.js';
export { GrpcError, GrpcStatus } from './errors.js';
export type { GrpcStatusCode } from './errors.js';
export { ClientPool } from './pool.js';
export type { ClientPoolOptions } from './pool.js';
export { bindService, createGrpcServer } from './server.js';
export type {
  CallContext,
  GrpcServer,
  GrpcServerOptions,
  MethodHandler,
  ServiceBinding,
  ServiceImplementation,
} from './server.js';
export { extractTraceContext, injectTraceContext } from './trace-context.js';
export { untilAborted } from './until-aborted.js';
