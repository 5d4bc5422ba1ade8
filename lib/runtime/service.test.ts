// The runtime as a real process: settings validated before listening, the admin server,
// JSON logs, graceful shutdown on SIGTERM with a request in flight, and trace export only
// when an OTLP endpoint is configured.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { EchoService } from '../gen/tessera/testing/v1/echo_pb.js';
import { createClient, openChannel } from '../grpc/index.js';
import { pollUntil } from '../../test/helpers/poll.js';
import { parseLogLine, startTypeScriptProcess, stopProcess } from '../../test/helpers/process.js';
import type { TestProcess } from '../../test/helpers/process.js';
import { commonSettings } from './common-settings.js';

const entry = 'lib/runtime/testing/echo-main.ts';
const started: TestProcess[] = [];

after(async () => {
  for (const handle of started) await stopProcess(handle);
});

function start(args: string[], env: Record<string, string> = {}): TestProcess {
  const handle = startTypeScriptProcess(entry, args, env);
  started.push(handle);
  return handle;
}

/** Waits for the service to listen and returns its ports. */
async function ports(handle: TestProcess): Promise<{ admin: number; grpc: number }> {
  const adminLine = await handle.waitForLine(
    (line) => parseLogLine(line)?.msg === 'admin server listening',
    20_000,
  );
  const grpcLine = await handle.waitForLine(
    (line) => parseLogLine(line)?.msg === 'listening',
    20_000,
  );
  return {
    admin: Number(parseLogLine(adminLine)!.adminPort),
    grpc: Number(parseLogLine(grpcLine)!.grpcPort),
  };
}

async function httpStatus(url: string): Promise<number> {
  return (await fetch(url)).status;
}

describe('service runtime', () => {
  test('an invalid flag exits 2 with one line before anything listens', async () => {
    const handle = start(['--admin-port=abc']);
    const { code } = await handle.exited;
    assert.equal(code, 2);
    assert.deepEqual(handle.stderr, [
      'echo: invalid setting --admin-port: "abc" is not an integer from 0 to 65535',
    ]);
    assert.equal(handle.stdout.length, 0);
  });

  test('an invalid environment value names the variable', async () => {
    const handle = start([], { TESSERA_LOG_LEVEL: 'loud' });
    const { code } = await handle.exited;
    assert.equal(code, 2);
    assert.equal(handle.stderr.length, 1);
    assert.match(
      handle.stderr[0]!,
      /^echo: invalid setting TESSERA_LOG_LEVEL: "loud" is not one of trace, /,
    );
  });

  test('serves probes and metrics, and drains a request in flight on SIGTERM', async () => {
    const handle = start(['--admin-port=0', '--grpc-port=0', '--shutdown-grace-ms=10000']);
    const { admin, grpc } = await ports(handle);
    const base = `http://127.0.0.1:${admin}`;
    await pollUntil(async () => ((await httpStatus(`${base}/readyz`)) === 200 ? true : undefined), {
      timeoutMs: 10_000,
      description: '/readyz to answer 200',
    });
    assert.equal(await httpStatus(`${base}/healthz`), 200);
    assert.equal(await httpStatus(`${base}/nope`), 404);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^tessera_process_cpu_user_seconds_total\{service="echo"\} /m);

    const channel = openChannel(`127.0.0.1:${grpc}`);
    try {
      const echo = createClient(EchoService, channel, { defaultTimeoutMs: 20_000 });
      const inFlight = echo.echo({ text: 'finish me', delayMs: 1_500 });
      await handle.waitForLine((line) => parseLogLine(line)?.msg === 'echo started', 10_000);
      handle.signal('SIGTERM');
      // While draining, the service reports not ready so no new work is routed to it.
      await pollUntil(
        async () => ((await httpStatus(`${base}/readyz`)) === 503 ? true : undefined),
        {
          timeoutMs: 5_000,
          intervalMs: 20,
          description: '/readyz to answer 503 while draining',
        },
      );
      assert.equal((await inFlight).text, 'finish me');
    } finally {
      channel.close();
    }
    const { code } = await handle.exited;
    assert.equal(code, 0);
    const stopped = handle.stdout.map(parseLogLine).find((line) => line?.msg === 'stopped');
    assert.equal(stopped?.forced, false);
    // Every stdout line is a JSON log line naming the service.
    for (const line of handle.stdout) assert.equal(parseLogLine(line)?.service, 'echo');
  });

  test('exports spans to the configured OTLP endpoint', async () => {
    const paths: string[] = [];
    const collector = createServer();
    collector.on('stream', (stream, headers) => {
      paths.push(String(headers[':path']));
      stream.on('data', () => {});
      stream.on('end', () => {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc' },
          { waitForTrailers: true },
        );
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const collectorPort = (collector.address() as AddressInfo).port;
    try {
      const handle = start(['--admin-port=0', '--grpc-port=0'], {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      });
      const { grpc } = await ports(handle);
      const channel = openChannel(`127.0.0.1:${grpc}`);
      try {
        await createClient(EchoService, channel).echo({ text: 'traced' });
      } finally {
        channel.close();
      }
      handle.signal('SIGTERM');
      assert.equal((await handle.exited).code, 0);
      assert.ok(
        paths.includes('/opentelemetry.proto.collector.trace.v1.TraceService/Export'),
        `collector saw ${JSON.stringify(paths)}`,
      );
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  });
});

test('docs/configuration.md documents every common setting', () => {
  const docs = readFileSync('docs/configuration.md', 'utf8');
  for (const setting of Object.values(commonSettings)) {
    assert.ok(docs.includes(`\`--${setting.flag}\``), `--${setting.flag} is not documented`);
    assert.ok(docs.includes(`\`${setting.env}\``), `${setting.env} is not documented`);
  }
});
