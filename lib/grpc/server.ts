// A gRPC server built from protobuf-es service descriptors and typed handlers.
//
// Handlers are plain async functions (or async generators for server streams) that take a
// request and a `CallContext`. The adapter turns them into grpc-js handlers, runs each call
// inside an OpenTelemetry server span whose parent comes from the caller's metadata, maps
// thrown `GrpcError`s to statuses, and tracks calls in flight so that shutdown can let them
// finish within a bounded time.
import { once } from 'node:events';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DescMethod, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import { Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import type {
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedHandleCall,
  sendUnaryData,
} from '@grpc/grpc-js';
import type { Message } from '@bufbuild/protobuf';
import { serviceDefinition } from './definition.js';
import { GrpcError, toServiceError } from './errors.js';
import { extractTraceContext } from './trace-context.js';

/** What a handler knows about its call. */
export interface CallContext {
  /** The method's path, `/package.Service/Method`. */
  readonly method: string;
  /** The caller's request metadata. */
  readonly metadata: Metadata;
  /** Trailing metadata to send with the status; handlers may add to it. */
  readonly trailers: Metadata;
  /** The caller's address. */
  readonly peer: string;
  /** Aborted when the caller cancels, the deadline passes, or the server is forced down. */
  readonly signal: AbortSignal;
  /** Aborted when the server begins to shut down: long-lived streams should end. */
  readonly shutdownSignal: AbortSignal;
  /** The call's deadline in ms since the Unix epoch, or undefined when it has none. */
  readonly deadlineMs: number | undefined;
}

type Input<M extends GenServiceMethods[string]> = MessageShape<M['input']>;
type OutputInit<M extends GenServiceMethods[string]> = MessageInitShape<M['output']>;

/** A typed handler for one method, by its streaming kind. */
export type MethodHandler<M extends GenServiceMethods[string]> = M['methodKind'] extends 'unary'
  ? (request: Input<M>, context: CallContext) => Promise<OutputInit<M>>
  : M['methodKind'] extends 'server_streaming'
    ? (request: Input<M>, context: CallContext) => AsyncIterable<OutputInit<M>>
    : M['methodKind'] extends 'client_streaming'
      ? (requests: AsyncIterable<Input<M>>, context: CallContext) => Promise<OutputInit<M>>
      : (requests: AsyncIterable<Input<M>>, context: CallContext) => AsyncIterable<OutputInit<M>>;

/** Handlers for every method of a service, keyed by each method's local (camelCase) name. */
export type ServiceImplementation<S extends GenServiceMethods> = {
  [K in keyof S]: MethodHandler<S[K]>;
};

/** A service and its handlers, as given to `createGrpcServer`. */
export interface ServiceBinding {
  readonly service: DescService;
  readonly implementation: Record<string, unknown>;
}

/** Binds a generated service to its handlers, checking the handler types. */
export function bindService<S extends GenServiceMethods>(
  service: GenService<S>,
  implementation: ServiceImplementation<S>,
): ServiceBinding {
  return { service: service as unknown as DescService, implementation };
}

/** Limits and hooks of a server. */
export interface GrpcServerOptions {
  /** Largest request message accepted, in bytes. */
  readonly maxReceiveMessageBytes?: number;
  /** Largest answer message sent, in bytes. */
  readonly maxSendMessageBytes?: number;
  /** Most concurrent calls per HTTP/2 connection. */
  readonly maxConcurrentStreams?: number;
  /** Told about every exception a handler throws that is not a `GrpcError` (a bug). */
  readonly onInternalError?: (error: unknown, method: string) => void;
  /**
   * HTTP/2 receive windows: per stream (advertised in SETTINGS) and per connection. Node's
   * default is 64 KiB, so a peer streaming Raft batches or a client sending 25-item batches
   * stalls on WINDOW_UPDATE round trips and the server spends CPU on them.
   */
  readonly streamWindowBytes?: number;
  readonly connectionWindowBytes?: number;
}

/** Default HTTP/2 receive windows (see {@link GrpcServerOptions}). */
export const defaultStreamWindowBytes = 8 * 1024 * 1024;
export const defaultConnectionWindowBytes = 32 * 1024 * 1024;

/**
 * Widens the HTTP/2 receive windows of the server's listeners. grpc-js has no server option for
 * it, so this reaches its listeners (the private `http2Servers` map of grpc-js 1.14): when a
 * later grpc-js renames it, nothing happens and the defaults stay (a test checks it applies).
 */
function widenWindows(server: Server, streamBytes: number, connectionBytes: number): number {
  const listeners = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(listeners instanceof Map)) return 0;
  let widened = 0;
  for (const listener of listeners.keys() as IterableIterator<Http2Server>) {
    if (typeof listener.updateSettings !== 'function') continue;
    listener.updateSettings({ initialWindowSize: streamBytes });
    listener.on('session', (session: ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(connectionBytes);
      } catch {
        // A session that closed at once: nothing to widen.
      }
    });
    widened += 1;
  }
  return widened;
}

/** A running (or not yet listening) gRPC server. */
export interface GrpcServer {
  /** Binds to host:port (port 0 picks a free one) and starts serving; returns the port. */
  listen(host: string, port: number): Promise<number>;
  /** Calls in flight right now. */
  readonly callsInFlight: number;
  /** Listeners whose HTTP/2 receive windows were widened (0 if grpc-js hid them). */
  readonly windowedListeners: number;
  /**
   * Stops accepting calls, lets calls in flight finish, and resolves once they have; after
   * `graceMs` the remaining calls are cancelled. Resolves with whether it had to force.
   */
  shutdown(graceMs: number): Promise<{ forced: boolean }>;
}

/** Default message limit: DynamoDB's 16 MB request limit plus protobuf framing room. */
const defaultMessageBytesMax = 20 * 1024 * 1024;

/** Creates a gRPC server for the given services. */
export function createGrpcServer(
  bindings: readonly ServiceBinding[],
  options: GrpcServerOptions = {},
): GrpcServer {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? defaultMessageBytesMax,
    'grpc.max_send_message_length': options.maxSendMessageBytes ?? defaultMessageBytesMax,
    'grpc.max_concurrent_streams': options.maxConcurrentStreams ?? 1000,
  });
  const shutdownController = new AbortController();
  const forceController = new AbortController();
  const state = { callsInFlight: 0, windowedListeners: 0 };
  const onInternalError = options.onInternalError ?? (() => {});
  for (const { service, implementation } of bindings) {
    const handlers: Record<string, UntypedHandleCall> = {};
    for (const method of service.methods) {
      const handler = implementation[method.localName];
      if (typeof handler !== 'function') {
        throw new Error(`no handler for ${service.typeName}.${method.name}`);
      }
      handlers[method.localName] = adaptHandler(method, handler as AnyHandler, {
        state,
        shutdownSignal: shutdownController.signal,
        forceSignal: forceController.signal,
        onInternalError,
      });
    }
    server.addService(serviceDefinition(service), handlers);
  }
  return {
    get callsInFlight() {
      return state.callsInFlight;
    },
    get windowedListeners() {
      return state.windowedListeners;
    },
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
          if (error) return reject(error);
          state.windowedListeners = widenWindows(
            server,
            options.streamWindowBytes ?? defaultStreamWindowBytes,
            options.connectionWindowBytes ?? defaultConnectionWindowBytes,
          );
          resolve(bound);
        });
      }),
    shutdown: (graceMs) => shutdownServer(server, graceMs, shutdownController, forceController),
  };
}

async function shutdownServer(
  server: Server,
  graceMs: number,
  shutdownController: AbortController,
  forceController: AbortController,
): Promise<{ forced: boolean }> {
  shutdownController.abort();
  const graceful = new Promise<boolean>((resolve) => server.tryShutdown(() => resolve(false)));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs);
  });
  const forced = await Promise.race([graceful, timeout]);
  clearTimeout(timer);
  if (forced) {
    forceController.abort();
    server.forceShutdown();
  }
  return { forced };
}

type AnyHandler = (input: unknown, context: CallContext) => unknown;

interface HandlerEnvironment {
  readonly state: { callsInFlight: number };
  readonly shutdownSignal: AbortSignal;
  readonly forceSignal: AbortSignal;
  readonly onInternalError: (error: unknown, method: string) => void;
}

type AnyCall =
  | ServerUnaryCall<Message, Message>
  | ServerWritableStream<Message, Message>
  | ServerReadableStream<Message, Message>
  | ServerDuplexStream<Message, Message>;

function adaptHandler(
  method: DescMethod,
  handler: AnyHandler,
  environment: HandlerEnvironment,
): UntypedHandleCall {
  const run = (call: AnyCall, body: (context: CallContext) => Promise<void>): void => {
    const { context, release } = callContext(call, environment);
    environment.state.callsInFlight += 1;
    const parent = extractTraceContext(call.metadata, otelContext.active());
    const tracer = trace.getTracer('tessera.grpc');
    const span = tracer.startSpan(context.method, { kind: SpanKind.SERVER }, parent);
    void otelContext
      .with(trace.setSpan(parent, span), () => body(context))
      .catch((error: unknown) => {
        // `body` reports its own failures to the caller; reaching here is an adapter bug.
        environment.onInternalError(error, context.method);
      })
      .finally(() => {
        release();
        span.end();
        environment.state.callsInFlight -= 1;
      });
  };
  const fail = (error: unknown, context: CallContext): GrpcError => {
    const grpcError =
      error instanceof GrpcError ? error : new GrpcError(status.INTERNAL, 'internal error');
    if (!(error instanceof GrpcError)) environment.onInternalError(error, context.method);
    // The handler runs inside the call's span, so the active span is this call's.
    trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: grpcError.codeName });
    return grpcError;
  };
  switch (method.methodKind) {
    case 'unary':
      return (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) =>
        run(call, async (context) => {
          try {
            const response = await handler(call.request, context);
            callback(null, response as Message, context.trailers);
          } catch (error) {
            callback(toServiceError(fail(error, context)));
          }
        });
    case 'server_streaming':
      return (call: ServerWritableStream<Message, Message>) =>
        run(call, async (context) => {
          try {
            await writeAll(call, handler(call.request, context) as AsyncIterable<Message>, context);
            call.end(context.trailers);
          } catch (error) {
            call.emit('error', toServiceError(fail(error, context)));
          }
        });
    case 'client_streaming':
      return (call: ServerReadableStream<Message, Message>, callback: sendUnaryData<Message>) =>
        run(call, async (context) => {
          try {
            const response = await handler(inputOf(call), context);
            callback(null, response as Message, context.trailers);
          } catch (error) {
            callback(toServiceError(fail(error, context)));
          }
        });
    case 'bidi_streaming':
      return (call: ServerDuplexStream<Message, Message>) =>
        run(call, async (context) => {
          try {
            const output = handler(inputOf(call), context);
            await writeAll(call, output as AsyncIterable<Message>, context);
            call.end(context.trailers);
          } catch (error) {
            call.emit('error', toServiceError(fail(error, context)));
          }
        });
  }
}

/**
 * The request stream of a call as an async iterable. Node's default stream iterator
 * destroys the whole duplex when the requests end, which would also kill the answer side
 * of a bidirectional call before the handler has finished writing.
 */
function inputOf(
  call: ServerReadableStream<Message, Message> | ServerDuplexStream<Message, Message>,
): AsyncIterable<Message> {
  return call.iterator({ destroyOnReturn: false }) as AsyncIterable<Message>;
}

/** Writes every message of `output` to the call, waiting whenever its buffer is full. */
async function writeAll(
  call: ServerWritableStream<Message, Message> | ServerDuplexStream<Message, Message>,
  output: AsyncIterable<Message>,
  context: CallContext,
): Promise<void> {
  for await (const message of output) {
    if (context.signal.aborted) return;
    if (!call.write(message)) await once(call, 'drain', { signal: context.signal });
  }
}

/**
 * The context of one call, and `release` to run when the call ends: it removes the call's
 * listener from the server-wide force signal, which would otherwise keep one listener (and
 * the call's context) alive for every call the server ever served.
 */
function callContext(
  call: AnyCall,
  environment: HandlerEnvironment,
): { context: CallContext; release: () => void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  (call as NodeJS.EventEmitter).on('cancelled', abort);
  environment.forceSignal.addEventListener('abort', abort, { once: true });
  const release = (): void => environment.forceSignal.removeEventListener('abort', abort);
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  const context: CallContext = {
    method: call.getPath(),
    metadata: call.metadata,
    trailers: new Metadata(),
    peer: call.getPeer(),
    signal: controller.signal,
    shutdownSignal: environment.shutdownSignal,
    deadlineMs: Number.isFinite(deadlineMs) ? deadlineMs : undefined,
  };
  return { context, release };
}
