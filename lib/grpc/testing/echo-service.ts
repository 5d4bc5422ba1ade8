// The echo service used by the adapter's and the runtime's tests: every streaming kind,
// a call that waits (for deadlines and graceful shutdown), and a call that fails on demand.
import { trace } from '@opentelemetry/api';
import { EchoService } from '../../gen/tessera/testing/v1/echo_pb.js';
import { bindService } from '../server.js';
import type { ServiceBinding } from '../server.js';
import { GrpcError } from '../errors.js';

/** Hooks a test can observe. */
export interface EchoHooks {
  /** Called when an Echo call starts, before it waits. */
  readonly onEchoStarted?: (text: string) => void;
}

/** Waits `delayMs`, or less if `signal` aborts first. */
function wait(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (delayMs === 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, delayMs);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** The echo service's handlers. */
export function echoService(hooks: EchoHooks = {}): ServiceBinding {
  return bindService(EchoService, {
    async echo(request, context) {
      hooks.onEchoStarted?.(request.text);
      await wait(request.delayMs, context.signal);
      if (request.failWithCode !== 0) {
        throw new GrpcError(request.failWithCode, `failed as asked: ${request.text}`);
      }
      if (request.text === 'throw') throw new Error('a bug in a handler');
      const spanContext = trace.getActiveSpan()?.spanContext();
      return {
        text: request.text,
        metadataValue: String(context.metadata.get('x-test')[0] ?? ''),
        traceparent: spanContext ? `00-${spanContext.traceId}-${spanContext.spanId}-01` : '',
      };
    },
    async *echoServerStream(request) {
      for (let sequence = 0; sequence < request.count; sequence++) {
        yield { text: request.text, sequence };
      }
    },
    async echoClientStream(requests) {
      const texts: string[] = [];
      for await (const request of requests) texts.push(request.text);
      return { text: texts.join(','), count: texts.length };
    },
    async *echoBidiStream(requests) {
      for await (const request of requests) yield { text: request.text.toUpperCase() };
    },
  });
}
