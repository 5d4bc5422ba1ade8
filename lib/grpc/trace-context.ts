// Carries OpenTelemetry context through gRPC metadata (W3C `traceparent`/`tracestate`).
//
// The propagator is whatever the process registered globally (the service runtime
// registers W3C trace context); with none registered, injection and extraction do nothing.
import { context, propagation } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((value): value is string => typeof value === 'string');
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Writes the active context's trace headers into outgoing metadata. */
export function injectTraceContext(metadata: Metadata, from: Context = context.active()): void {
  propagation.inject(from, metadata, metadataSetter);
}

/** Reads trace headers from incoming metadata into a context. */
export function extractTraceContext(metadata: Metadata, into: Context = context.active()): Context {
  return propagation.extract(into, metadata, metadataGetter);
}
