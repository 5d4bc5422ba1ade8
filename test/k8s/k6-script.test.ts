import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { verifyRequest } from '../../lib/sigv4/index.js';

// The k6 script runs here on Node with stand-ins for k6's modules, so its SigV4 signing
// is checked against the verifier the router uses.

const directory = mkdtempSync(join(tmpdir(), 'tessera-k6-'));
after(() => rmSync(directory, { recursive: true, force: true }));

interface RecordedRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  tags: { operation: string };
}

async function loadScript(): Promise<{
  script: { setup(): void; default(): void; options: { vus: number } };
  http: {
    requests: RecordedRequest[];
    handler: { answer: (request: RecordedRequest) => { status: number; body: string } };
  };
}> {
  const shims = resolve('test/k8s/k6-shims');
  const shim = (name: string) => pathToFileURL(join(shims, name)).href;
  const source = readFileSync('helm/tessera-cluster/files/k6/load-test.js', 'utf8')
    .replace("from 'k6/http'", `from '${shim('http.mjs')}'`)
    .replace("from 'k6/crypto'", `from '${shim('crypto.mjs')}'`)
    .replace("from 'k6/metrics'", `from '${shim('metrics.mjs')}'`)
    .replace("from 'k6'", `from '${shim('k6.mjs')}'`);
  assert.doesNotMatch(source, /from 'k6/, 'every k6 import is replaced');
  const file = join(directory, 'load-test.mjs');
  writeFileSync(file, source);
  (globalThis as { __ENV?: Record<string, string> }).__ENV = {
    TESSERA_ENDPOINT: 'http://demo-router.tessera.svc:8000',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    K6_VUS: '7',
  };
  const script = (await import(pathToFileURL(file).href)) as Awaited<
    ReturnType<typeof loadScript>
  >['script'];
  const http = (await import(shim('http.mjs'))) as Awaited<ReturnType<typeof loadScript>>['http'];
  return { script, http };
}

test('the k6 script signs every request so the router verifies it, and drives Get/PutItem', async () => {
  const { script, http } = await loadScript();
  assert.equal(script.options.vus, 7);
  http.handler.answer = (request) =>
    request.tags.operation === 'DescribeTable'
      ? { status: 200, body: JSON.stringify({ Table: { TableStatus: 'ACTIVE' } }) }
      : { status: 200, body: '{}' };
  script.setup();
  for (let iteration = 0; iteration < 40; iteration += 1) script.default();
  const operations = new Set(http.requests.map((request) => request.tags.operation));
  for (const operation of ['CreateTable', 'DescribeTable', 'GetItem', 'PutItem'])
    assert.ok(operations.has(operation), operation);
  for (const request of http.requests) {
    assert.equal(request.url, 'http://demo-router.tessera.svc:8000/');
    assert.equal(request.headers['x-amz-target'], `DynamoDB_20120810.${request.tags.operation}`);
    const verified = verifyRequest(
      { method: 'POST', path: '/', headers: request.headers, body: request.body },
      {
        lookupSecret: (accessKeyId: string) =>
          accessKeyId === 'AKIDEXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' : undefined,
        nowMs: Date.now(),
        region: 'us-east-1',
        service: 'dynamodb',
      },
    );
    assert.deepEqual(verified, { ok: true, accessKeyId: 'AKIDEXAMPLE' }, JSON.stringify(verified));
  }
});
