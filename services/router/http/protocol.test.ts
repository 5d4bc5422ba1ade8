// The DynamoDB HTTP protocol with raw fetch on a real socket: exact statuses, bodies and
// headers (x-amzn-RequestId, x-amz-crc32), limits, and SigV4 on and off.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { crc32 } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { signRequest } from '../../../lib/sigv4/index.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';

async function expectAnswer(
  response: Response,
  status: number,
  body: string | Record<string, unknown>,
): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  if (typeof body === 'string') assert.equal(text, body);
  else assert.deepEqual(JSON.parse(text), body);
  assert.match(response.headers.get('x-amzn-requestid') ?? '', /^[A-Z0-9]{52}$/);
  assert.equal(response.headers.get('x-amz-crc32'), String(crc32(Buffer.from(text)) >>> 0));
}

const coral = 'com.amazon.coral.service#';

describe('HTTP protocol, authentication off', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ requestBytesMax: 64 * 1024 });
  });
  after(async () => server.close());

  test('GET is DynamoDB health check, with its exact crc32', async () => {
    const response = await fetch(server.endpoint);
    await expectAnswer(response, 200, 'healthy: dynamodb.us-east-1.amazonaws.com ');
    assert.equal(response.headers.get('x-amz-crc32'), '3128867991');
  });

  test('a method other than POST, or a body that is not JSON, is a 404 XML answer', async () => {
    const put = await fetch(server.endpoint, { method: 'PUT', body: '{}' });
    await expectAnswer(put, 404, '<UnknownOperationException/>\n');
    assert.equal(put.headers.get('x-amz-crc32'), '3552371480');
    const wrongType = await server.post('ListTables', '{}', { 'content-type': 'text/plain' });
    await expectAnswer(wrongType, 404, '<UnknownOperationException/>\n');
  });

  test('CORS: any origin, preflights answered as DynamoDB does', async () => {
    const preflight = await fetch(server.endpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target',
      },
    });
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(
      preflight.headers.get('access-control-allow-headers'),
      'content-type,x-amz-target',
    );
    assert.equal(preflight.headers.get('access-control-max-age'), '172800');
    assert.equal(await preflight.text(), '');
    const call = await server.post('ListTables', '{}', { origin: 'http://example.test' });
    assert.equal(call.headers.get('access-control-allow-origin'), '*');
    await expectAnswer(call, 200, { TableNames: [] });
  });

  test('application/json is accepted and echoed', async () => {
    const response = await server.post('ListTables', '{}', { 'content-type': 'application/json' });
    await expectAnswer(response, 200, { TableNames: [] });
    assert.equal(response.headers.get('content-type'), 'application/json');
    const amz = await server.post('ListTables', '{}');
    assert.equal(amz.headers.get('content-type'), 'application/x-amz-json-1.0');
    await amz.text();
  });

  test('malformed JSON is a SerializationException without a message', async () => {
    await expectAnswer(await server.post('ListTables', '{"a":'), 400, {
      __type: `${coral}SerializationException`,
    });
  });

  test('a missing, malformed or unknown target is an UnknownOperationException', async () => {
    for (const target of [undefined, 'DynamoDB_20120810.Nope', 'Foo.ListTables', 'ListTables']) {
      const headers: Record<string, string> =
        target === 'ListTables' ? { 'x-amz-target': 'ListTables' } : {};
      const response = await server.post(
        target === 'ListTables' ? undefined : target,
        '{}',
        headers,
      );
      await expectAnswer(response, 400, { __type: `${coral}UnknownOperationException` });
    }
  });

  test('an empty body for a known operation is a SerializationException', async () => {
    await expectAnswer(await server.post('ListTables', ''), 400, {
      __type: `${coral}SerializationException`,
    });
  });

  test('operations Tessera does not implement yet are refused by name', async () => {
    for (const operation of ['TransactWriteItems', 'ExecuteStatement', 'UpdateTimeToLive']) {
      await expectAnswer(await server.post(operation, '{}'), 400, {
        __type: `${coral}UnknownOperationException`,
        message: `Tessera does not implement the DynamoDB operation ${operation} yet`,
      });
    }
    const streams = await server.post('DynamoDBStreams_20120810.ListStreams', '{}');
    await expectAnswer(streams, 400, {
      __type: `${coral}UnknownOperationException`,
      message: 'Tessera does not implement the DynamoDB operation ListStreams yet',
    });
  });

  test('a body over the limit is refused with 413, declared or streamed', async () => {
    const big = JSON.stringify({ TableName: 'x'.repeat(70 * 1024) });
    const declared = await server.post('DescribeTable', big);
    assert.equal(declared.status, 413);
    assert.match(declared.headers.get('x-amzn-requestid') ?? '', /^[A-Z0-9]{52}$/);
    await declared.text();
    // A chunked body has no Content-Length: the server must stop at the limit by itself.
    const streamedStatus = await new Promise<number>((resolve, reject) => {
      const url = new URL(server.endpoint);
      const outgoing = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          headers: {
            'x-amz-target': 'DynamoDB_20120810.ListTables',
            'content-type': 'application/x-amz-json-1.0',
          },
        },
        (incoming) => {
          incoming.resume();
          resolve(incoming.statusCode ?? 0);
        },
      );
      outgoing.on('error', reject);
      for (let chunk = 0; chunk < 10; chunk += 1) outgoing.write('x'.repeat(10 * 1024));
      outgoing.end();
    });
    assert.equal(streamedStatus, 413);
  });

  test('an operation that throws (a bug) is a 500 InternalServerError, not a crash', async () => {
    const catalog = server.backend.catalog as unknown as { tableInfo: () => Promise<never> };
    const original = catalog.tableInfo;
    catalog.tableInfo = () => Promise.reject(new Error('bug'));
    try {
      const response = await server.post(
        'GetItem',
        JSON.stringify({ TableName: 'abc', Key: { id: { S: 'x' } } }),
      );
      await expectAnswer(response, 500, {
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: 'Internal server error',
      });
    } finally {
      catalog.tableInfo = original;
    }
    await expectAnswer(await server.post('ListTables', '{}'), 200, { TableNames: [] });
  });

  test('every operation answers from the same socket with keep-alive', async () => {
    const first = await server.post('DescribeLimits', '{}');
    await expectAnswer(first, 200, {
      AccountMaxReadCapacityUnits: 80000,
      AccountMaxWriteCapacityUnits: 80000,
      TableMaxReadCapacityUnits: 40000,
      TableMaxWriteCapacityUnits: 40000,
    });
    await expectAnswer(await server.post('DescribeEndpoints', '{}'), 200, {
      Endpoints: [{ Address: '127.0.0.1', CachePeriodInMinutes: 1440 }],
    });
  });
});

describe('HTTP protocol, SigV4 on', () => {
  let server: TestServer;
  const credentials = { accessKeyId: 'AKIDTESSERA', secretAccessKey: 'tessera-secret' };
  before(async () => {
    server = await startTestServer({
      accessKeys: new Map([[credentials.accessKeyId, credentials.secretAccessKey]]),
    });
  });
  after(async () => server.close());

  function signed(
    body: string,
    secretAccessKey: string,
    accessKeyId = credentials.accessKeyId,
  ): Record<string, string> {
    const url = new URL(server.endpoint);
    const result = signRequest(
      {
        method: 'POST',
        path: '/',
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
        },
        body,
      },
      {
        credentials: { accessKeyId, secretAccessKey },
        region: 'us-east-1',
        service: 'dynamodb',
        nowMs: Date.now(),
      },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers)) headers[name] = String(value);
    delete headers['host'];
    return headers;
  }

  test('a correctly signed request is served', async () => {
    const response = await server.post(
      'ListTables',
      '{}',
      signed('{}', credentials.secretAccessKey),
    );
    await expectAnswer(response, 200, { TableNames: [] });
  });

  test('no signature is MissingAuthenticationTokenException', async () => {
    await expectAnswer(await server.post('ListTables', '{}'), 400, {
      __type: `${coral}MissingAuthenticationTokenException`,
      message: 'Request is missing Authentication Token',
    });
  });

  test('an unknown access key is UnrecognizedClientException', async () => {
    const response = await server.post('ListTables', '{}', signed('{}', 'x', 'AKIDUNKNOWN'));
    await expectAnswer(response, 400, {
      __type: `${coral}UnrecognizedClientException`,
      message: 'The security token included in the request is invalid.',
    });
  });

  test('a wrong secret or a changed body is InvalidSignatureException', async () => {
    const message =
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
    const wrongSecret = await server.post('ListTables', '{}', signed('{}', 'not-the-secret'));
    await expectAnswer(wrongSecret, 400, { __type: `${coral}InvalidSignatureException`, message });
    const tampered = await server.post(
      'ListTables',
      '{"Limit":5}',
      signed('{}', credentials.secretAccessKey),
    );
    await expectAnswer(tampered, 400, { __type: `${coral}InvalidSignatureException`, message });
  });

  test('an incomplete Authorization header is IncompleteSignatureException', async () => {
    const response = await server.post('ListTables', '{}', {
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDTESSERA/20260101/us-east-1/dynamodb/aws4_request',
      'x-amz-date': '20260101T000000Z',
    });
    const body = (await response.json()) as { __type: string; message: string };
    assert.equal(response.status, 400);
    assert.equal(body.__type, `${coral}IncompleteSignatureException`);
    assert.match(body.message, /requires 'SignedHeaders' parameter/);
  });

  test('the target is checked before the signature, as DynamoDB does', async () => {
    await expectAnswer(await server.post('Nope', '{}'), 400, {
      __type: `${coral}UnknownOperationException`,
    });
  });
});
