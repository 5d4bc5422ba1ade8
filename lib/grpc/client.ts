// Typed gRPC clients over grpc-js channels, built from protobuf-es service descriptors.
//
// Every unary and client-streaming call carries a deadline (the client's default when the
// caller gives none), so no call can hang; streams from the server have a deadline only
// when asked, since watches are meant to stay open. Each call runs in an OpenTelemetry
// client span whose context travels to the server in the metadata.
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import type {
  DescMethod,
  DescService,
  Message,
  MessageInitShape,
  MessageShape,
} from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import type {
  CallOptions as GrpcCallOptions,
  ChannelOptions,
  ClientWritableStream,
} from '@grpc/grpc-js';
import { methodDefinition } from './definition.js';
import { GrpcError } from './errors.js';
import { injectTraceContext } from './trace-context.js';

/** Per-call options. */
export interface CallOptions {
  /** Time allowed for the call; overrides the client's default. */
  readonly timeoutMs?: number;
  /** Request metadata. */
  readonly metadata?: Metadata | Readonly<Record<string, string>>;
  /** Cancels the call when aborted. */
  readonly signal?: AbortSignal;
}

type InputInit<M extends GenServiceMethods[string]> = MessageInitShape<M['input']>;
type Output<M extends GenServiceMethods[string]> = MessageShape<M['output']>;

/** A typed client method, by its streaming kind. */
export type ClientMethod<M extends GenServiceMethods[string]> = M['methodKind'] extends 'unary'
  ? (request: InputInit<M>, options?: CallOptions) => Promise<Output<M>>
  : M['methodKind'] extends 'server_streaming'
    ? (request: InputInit<M>, options?: CallOptions) => AsyncIterable<Output<M>>
    : M['methodKind'] extends 'client_streaming'
      ? (requests: AsyncIterable<InputInit<M>>, options?: CallOptions) => Promise<Output<M>>
      : (requests: AsyncIterable<InputInit<M>>, options?: CallOptions) => AsyncIterable<Output<M>>;

/** A client for every method of a service, keyed by each method's local (camelCase) name. */
export type ServiceClient<S extends GenServiceMethods> = { [K in keyof S]: ClientMethod<S[K]> };

/** Options of a channel and its calls. */
export interface ClientOptions {
  /** Deadline for unary and client-streaming calls that give none. */
  readonly defaultTimeoutMs?: number;
  /** Largest answer message accepted, in bytes. */
  readonly maxReceiveMessageBytes?: number;
  /** Extra grpc-js channel options. */
  readonly channelOptions?: ChannelOptions;
}

const defaultTimeoutMs = 30_000;
const defaultMessageBytesMax = 20 * 1024 * 1024;

/** Opens a grpc-js channel to `address` (`host:port`), without TLS. */
export function openChannel(address: string, options: ClientOptions = {}): Client {
  return new Client(address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? defaultMessageBytesMax,
    'grpc.max_send_message_length': defaultMessageBytesMax,
    'grpc.keepalive_time_ms': 30_000,
    // Answers (Raft batches, Query pages) are not held back by HTTP/2's 64 KiB default window.
    'grpc-node.flow_control_window': 8 * 1024 * 1024,
    ...options.channelOptions,
  });
}

/** A typed client for `service` over an open channel. Closing the channel is the caller's. */
export function createClient<S extends GenServiceMethods>(
  service: GenService<S>,
  channel: Client,
  options: ClientOptions = {},
): ServiceClient<S> {
  const descriptor = service as unknown as DescService;
  const client: Record<string, unknown> = {};
  for (const method of descriptor.methods) {
    client[method.localName] = clientMethod(
      channel,
      method,
      options.defaultTimeoutMs ?? defaultTimeoutMs,
    );
  }
  return client as ServiceClient<S>;
}

function clientMethod(channel: Client, method: DescMethod, timeoutMsDefault: number): unknown {
  const definition = methodDefinition(method);
  const path = definition.path;
  const serialize = definition.requestSerialize;
  const deserialize = definition.responseDeserialize;
  switch (method.methodKind) {
    case 'unary':
      return (request: Message, options: CallOptions = {}) =>
        withClientSpan(
          path,
          (span, metadata) =>
            new Promise<Message>((resolve, reject) => {
              // Assigned right after the call starts; grpc-js never answers synchronously.
              let release = (): void => {};
              const call = channel.makeUnaryRequest(
                path,
                serialize,
                deserialize,
                request,
                metadata,
                grpcCallOptions(options, timeoutMsDefault),
                (error, response) => {
                  release();
                  if (error || response === undefined) reject(failSpan(span, error));
                  else resolve(response);
                },
              );
              release = cancelOnAbort(options.signal, () => call.cancel());
            }),
          options,
        );
    case 'client_streaming':
      return (requests: AsyncIterable<Message>, options: CallOptions = {}) =>
        withClientSpan(
          path,
          async (span, metadata) => {
            let ended = (): void => {};
            const callEnded = new Promise<void>((resolve) => (ended = resolve));
            let call: ClientWritableStream<Message> | undefined;
            const result = new Promise<Message>((resolve, reject) => {
              call = channel.makeClientStreamRequest(
                path,
                serialize,
                deserialize,
                metadata,
                grpcCallOptions(options, timeoutMsDefault),
                (error, response) => {
                  ended();
                  if (error || response === undefined) reject(failSpan(span, error));
                  else resolve(response);
                },
              );
            });
            // Attached now so an early failure is never an unhandled rejection; awaited below.
            result.catch(() => {});
            const started = call as NonNullable<typeof call>;
            const release = cancelOnAbort(options.signal, () => started.cancel());
            try {
              try {
                await pumpRequests(started, requests, callEnded);
              } catch (error) {
                started.cancel();
                throw GrpcError.from(error);
              }
              return await result;
            } finally {
              release();
            }
          },
          options,
        );
    case 'server_streaming':
      return (request: Message, options: CallOptions = {}) =>
        streamWithSpan(path, options, (metadata) =>
          channel.makeServerStreamRequest(
            path,
            serialize,
            deserialize,
            request,
            metadata,
            grpcCallOptions(options, undefined),
          ),
        );
    case 'bidi_streaming':
      return (requests: AsyncIterable<Message>, options: CallOptions = {}) =>
        streamWithSpan(path, options, (metadata) => {
          const call = channel.makeBidiStreamRequest(
            path,
            serialize,
            deserialize,
            metadata,
            grpcCallOptions(options, undefined),
          );
          // The pump's failures cancel the call, which ends the answer stream with an error.
          let ended = (): void => {};
          const callEnded = new Promise<void>((resolve) => (ended = resolve));
          call.once('status', () => ended());
          pumpRequests(call, requests, callEnded).catch(() => call.cancel());
          return call;
        });
  }
}

function grpcCallOptions(
  options: CallOptions,
  timeoutMsDefault: number | undefined,
): GrpcCallOptions {
  const timeoutMs = options.timeoutMs ?? timeoutMsDefault;
  return timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
}

/**
 * Cancels the call when `signal` aborts. Returns the function that removes the listener once
 * the call has ended, so a long-lived signal shared by many calls does not collect one
 * listener per call.
 */
function cancelOnAbort(signal: AbortSignal | undefined, cancel: () => void): () => void {
  if (signal === undefined) return () => {};
  if (signal.aborted) {
    cancel();
    return () => {};
  }
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

/** Builds outgoing metadata: the caller's, plus the trace context of `span`. */
function outgoingMetadata(options: CallOptions, span: Span): Metadata {
  const metadata = new Metadata();
  if (options.metadata instanceof Metadata) metadata.merge(options.metadata);
  else for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  injectTraceContext(metadata, trace.setSpan(otelContext.active(), span));
  return metadata;
}

function failSpan(span: Span, error: unknown): GrpcError {
  const grpcError = GrpcError.from(error ?? new GrpcError(13, 'call ended without an answer'));
  span.setStatus({ code: SpanStatusCode.ERROR, message: grpcError.codeName });
  return grpcError;
}

async function withClientSpan<T>(
  path: string,
  body: (span: Span, metadata: Metadata) => Promise<T>,
  options: CallOptions,
): Promise<T> {
  const span = trace.getTracer('tessera.grpc').startSpan(path, { kind: SpanKind.CLIENT });
  try {
    return await body(span, outgoingMetadata(options, span));
  } finally {
    span.end();
  }
}

interface ReadableCall extends AsyncIterable<unknown> {
  cancel(): void;
}

async function* streamWithSpan(
  path: string,
  options: CallOptions,
  start: (metadata: Metadata) => ReadableCall,
): AsyncIterable<Message> {
  const span = trace.getTracer('tessera.grpc').startSpan(path, { kind: SpanKind.CLIENT });
  const call = start(outgoingMetadata(options, span));
  const release = cancelOnAbort(options.signal, () => call.cancel());
  let finished = false;
  try {
    for await (const message of call) yield message as Message;
    finished = true;
  } catch (error) {
    finished = true;
    throw failSpan(span, error);
  } finally {
    // A consumer that stops early cancels the call so the server stops sending.
    if (!finished) call.cancel();
    release();
    span.end();
  }
}

interface WritableCall {
  write(message: Message): boolean;
  end(): void;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Writes every request to the call, honouring backpressure, then half-closes it. Stops
 * early when the call ends (the server answered or failed), so it never waits forever.
 */
async function pumpRequests(
  call: WritableCall,
  requests: AsyncIterable<Message>,
  callEnded: Promise<void>,
): Promise<void> {
  let done = false;
  void callEnded.then(() => (done = true));
  for await (const request of requests) {
    if (done) return;
    if (!call.write(request)) {
      const drained = new Promise<void>((resolve) => call.once('drain', resolve));
      await Promise.race([drained, callEnded]);
    }
  }
  if (!done) call.end();
}
