// The gRPC adapter against a real grpc-js server on 127.0.0.1: every streaming kind,
// deadlines, typed statuses, metadata and trace propagation, the pool, graceful shutdown.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { EchoService } from '../gen/tessera/testing/v1/echo_pb.js';
import {
  ClientPool,
  createClient,
  createGrpcServer,
  GrpcError,
  GrpcStatus,
  openChannel,
} from './index.js';
import type { GrpcServer } from './index.js';
import { echoService } from './testing/echo-service.js';

async function* fromArray<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

describe('gRPC adapter over 127.0.0.1', () => {
  let server: GrpcServer;
  let address: string;
  const internalErrors: unknown[] = [];
  const channel = { current: undefined as ReturnType<typeof openChannel> | undefined };

  before(async () => {
    server = createGrpcServer([echoService()], {
      onInternalError: (error) => internalErrors.push(error),
    });
    address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
    channel.current = openChannel(address);
  });

  after(async () => {
    channel.current?.close();
    await server.shutdown(1000);
  });

  const client = () => createClient(EchoService, channel.current!, { defaultTimeoutMs: 5000 });

  test('unary call carries request metadata', async () => {
    const response = await client().echo({ text: 'hello' }, { metadata: { 'x-test': 'value-1' } });
    assert.equal(response.text, 'hello');
    assert.equal(response.metadataValue, 'value-1');
  });

  test('server streaming sends every message in order', async () => {
    const messages = await collect(client().echoServerStream({ text: 'x', count: 5 }));
    assert.deepEqual(
      messages.map((message) => message.sequence),
      [0, 1, 2, 3, 4],
    );
  });

  test('client streaming receives every message', async () => {
    const response = await client().echoClientStream(
      fromArray([{ text: 'a' }, { text: 'b' }, { text: 'c' }]),
    );
    assert.equal(response.text, 'a,b,c');
    assert.equal(response.count, 3);
  });

  test('bidirectional streaming answers each message', async () => {
    const answers = await collect(
      client().echoBidiStream(fromArray([{ text: 'a' }, { text: 'b' }])),
    );
    assert.deepEqual(
      answers.map((answer) => answer.text),
      ['A', 'B'],
    );
  });

  test('a call past its deadline fails with DEADLINE_EXCEEDED', async () => {
    await assert.rejects(
      client().echo({ text: 'slow', delayMs: 10_000 }, { timeoutMs: 100 }),
      (error) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, GrpcStatus.DEADLINE_EXCEEDED);
        return true;
      },
    );
  });

  test('the default deadline applies when the caller gives none', async () => {
    const impatient = createClient(EchoService, channel.current!, { defaultTimeoutMs: 100 });
    await assert.rejects(impatient.echo({ text: 'slow', delayMs: 10_000 }), (error) => {
      assert.ok(error instanceof GrpcError);
      assert.equal(error.codeName, 'DEADLINE_EXCEEDED');
      return true;
    });
  });

  test('an aborted signal cancels the call', async () => {
    const controller = new AbortController();
    const call = client().echo({ text: 'slow', delayMs: 10_000 }, { signal: controller.signal });
    controller.abort();
    await assert.rejects(
      call,
      (error) => error instanceof GrpcError && error.code === GrpcStatus.CANCELLED,
    );
  });

  test('a GrpcError thrown by a handler reaches the client with its code', async () => {
    await assert.rejects(
      client().echo({ text: 'missing', failWithCode: GrpcStatus.NOT_FOUND }),
      (error) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, GrpcStatus.NOT_FOUND);
        assert.equal(error.message, 'failed as asked: missing');
        return true;
      },
    );
  });

  test('any other exception is INTERNAL and reported to the hook, not to the caller', async () => {
    const before = internalErrors.length;
    await assert.rejects(client().echo({ text: 'throw' }), (error) => {
      assert.ok(error instanceof GrpcError);
      assert.equal(error.code, GrpcStatus.INTERNAL);
      assert.equal(error.message, 'internal error');
      return true;
    });
    assert.equal(internalErrors.length, before + 1);
  });

  test('trace context travels from the caller to the handler', async () => {
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const parent = trace.wrapSpanContext({
        traceId,
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
      });
      const response = await context.with(trace.setSpan(context.active(), parent), () =>
        client().echo({ text: 'traced' }),
      );
      assert.match(response.traceparent, new RegExp(`^00-${traceId}-`));
    } finally {
      propagation.disable();
      context.disable();
    }
  });

  test('the pool reuses a channel per address and evicts the least recently used', async () => {
    const pool = new ClientPool({ channelsMax: 1 });
    try {
      const first = pool.client(EchoService, address);
      assert.equal(pool.client(EchoService, address), first);
      assert.equal((await first.echo({ text: 'pooled' })).text, 'pooled');
      pool.client(EchoService, '127.0.0.1:1');
      assert.equal(pool.size, 1);
      assert.notEqual(pool.client(EchoService, address), first);
    } finally {
      pool.close();
    }
    assert.throws(() => pool.client(EchoService, address), /closed/);
  });
});

describe('gRPC server shutdown', () => {
  test('lets a call in flight finish, then refuses new calls', async () => {
    let started: () => void = () => {};
    const callStarted = new Promise<void>((resolve) => (started = resolve));
    const server = createGrpcServer([echoService({ onEchoStarted: () => started() })]);
    const port = await server.listen('127.0.0.1', 0);
    const channel = openChannel(`127.0.0.1:${port}`);
    try {
      const echo = createClient(EchoService, channel, { defaultTimeoutMs: 5000 });
      const inFlight = echo.echo({ text: 'in flight', delayMs: 300 });
      await callStarted;
      assert.equal(server.callsInFlight, 1);
      const shutdown = server.shutdown(5000);
      assert.equal((await inFlight).text, 'in flight');
      assert.deepEqual(await shutdown, { forced: false });
      await assert.rejects(echo.echo({ text: 'late' }, { timeoutMs: 1000 }), GrpcError);
    } finally {
      channel.close();
    }
  });

  test('cancels calls still running when the grace period ends', async () => {
    let started: () => void = () => {};
    const callStarted = new Promise<void>((resolve) => (started = resolve));
    const server = createGrpcServer([echoService({ onEchoStarted: () => started() })]);
    const port = await server.listen('127.0.0.1', 0);
    const channel = openChannel(`127.0.0.1:${port}`);
    try {
      const echo = createClient(EchoService, channel, { defaultTimeoutMs: 10_000 });
      const inFlight = echo.echo({ text: 'too slow', delayMs: 60_000 });
      inFlight.catch(() => {});
      await callStarted;
      assert.deepEqual(await server.shutdown(100), { forced: true });
      await assert.rejects(inFlight, GrpcError);
    } finally {
      channel.close();
    }
  });
});

describe('listeners do not pile up', () => {
  test('a signal shared by many calls, and the server, keep no listener per finished call', async () => {
    const server = createGrpcServer([echoService()]);
    const port = await server.listen('127.0.0.1', 0);
    const channel = openChannel(`127.0.0.1:${port}`);
    // Node warns (MaxListenersExceededWarning) past 10 listeners on one AbortSignal.
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const echo = createClient(EchoService, channel);
      const shared = new AbortController();
      for (let index = 0; index < 30; index++) {
        await echo.echo({ text: `call ${index}` }, { signal: shared.signal });
        await collect(echo.echoServerStream({ text: 'x', count: 1 }, { signal: shared.signal }));
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
      channel.close();
      await server.shutdown(1000);
    }
  });
});
