// OpenTelemetry tracing. With OTEL_EXPORTER_OTLP_ENDPOINT set, the SDK starts and exports
// spans over OTLP/gRPC; without it, only the context manager and the W3C propagator are
// registered, so trace context passes from incoming to outgoing calls and nothing is
// contacted.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Tracing as started for this process. */
export interface Tracing {
  /** Whether spans are exported. */
  readonly exporting: boolean;
  /** Flushes and stops exporting, within `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** Starts tracing for `service` as the environment says. */
export function startTracing(
  service: string,
  env: Readonly<Record<string, string | undefined>>,
): Tracing {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (endpoint === undefined || endpoint === '') {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    return { exporting: false, shutdown: async () => {} };
  }
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? `tessera-${service}`,
    traceExporter: new OTLPTraceExporter({ url: endpoint }),
    instrumentations: [],
  });
  sdk.start();
  return {
    exporting: true,
    shutdown: (timeoutMs) => withTimeout(sdk.shutdown(), timeoutMs),
  };
}

async function withTimeout(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
