// The router process: settings checked at start, the memory backend only when asked for,
// metrics, and clean shutdown. The default (control-plane) backend is tested in test/router/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogLine, startTypeScriptProcess, stopProcess } from '../../test/helpers/process.js';

const entry = 'services/router/main.ts';
const ports = ['--http-port=0', '--grpc-port=0', '--admin-port=0'];

test('an unknown --backend is refused at start, naming the accepted values', async () => {
  const router = startTypeScriptProcess(entry, ['--backend=elsewhere', ...ports]);
  try {
    const exit = await router.exited;
    assert.notEqual(exit.code, 0);
    const output = [...router.stdout, ...router.stderr].join('\n');
    assert.match(output, /backend/);
    assert.match(output, /control-plane/);
  } finally {
    await stopProcess(router);
  }
});

test('with --backend=memory it serves DynamoDB, counts requests and stops on SIGTERM', async () => {
  const router = startTypeScriptProcess(entry, ['--backend=memory', ...ports]);
  try {
    const ready = parseLogLine(
      await router.waitForLine((line) => line.includes('DynamoDB endpoint'), 20_000),
    );
    const httpPort = ready?.['httpPort'] as number;
    const admin = parseLogLine(
      router.stdout.find((line) => line.includes('admin server listening')) ?? '',
    );
    const response = await fetch(`http://127.0.0.1:${httpPort}`, {
      method: 'POST',
      headers: {
        'x-amz-target': 'DynamoDB_20120810.DescribeEndpoints',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });
    assert.deepEqual(await response.json(), {
      Endpoints: [{ Address: `127.0.0.1:${httpPort}`, CachePeriodInMinutes: 1440 }],
    });
    const metrics = await (
      await fetch(`http://127.0.0.1:${admin?.['adminPort'] as number}/metrics`)
    ).text();
    assert.match(
      metrics,
      /tessera_router_requests_total\{[^}]*operation="DescribeEndpoints"[^}]*outcome="ok"[^}]*\} 1/,
    );
    router.signal('SIGTERM');
    assert.equal((await router.exited).code, 0);
  } finally {
    await stopProcess(router);
  }
});
