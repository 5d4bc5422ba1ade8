// SigV4 against AWS's published test suite (aws-sig-v4-test-suite, dated 2015-08-30 with
// AWS's documented example credentials), against the AWS SDK's own signer, and verification
// round trips for each typed failure.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { createSigner, formatAmzDate, parseAmzDate, signRequest, verifyRequest } from './index.js';
import type { SignableRequest } from './index.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const nowMs = Date.UTC(2015, 7, 30, 12, 36, 0);
const suiteOptions = { credentials, region: 'us-east-1', service: 'service', nowMs };
const host = 'example.amazonaws.com';
const stsToken =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

interface Vector {
  readonly name: string;
  readonly request: Partial<SignableRequest>;
  readonly sessionToken?: string;
  readonly signedHeaders: string;
  readonly signature: string;
}

/** Cases from the suite: request, SignedHeaders and Signature of the expected authz file. */
const vectors: readonly Vector[] = [
  {
    name: 'get-vanilla',
    request: {},
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    request: {
      query: [
        ['Param2', 'value2'],
        ['Param1', 'value1'],
      ],
    },
    signedHeaders: 'host;x-amz-date',
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-unreserved',
    request: {
      query: [
        [
          '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
          '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
        ],
      ],
    },
    signedHeaders: 'host;x-amz-date',
    signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  {
    name: 'get-vanilla-utf8-query',
    request: { query: [['ሴ', 'bar']] },
    signedHeaders: 'host;x-amz-date',
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
  },
  {
    name: 'get-unreserved',
    request: { path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' },
    signedHeaders: 'host;x-amz-date',
    signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  {
    name: 'get-utf8',
    request: { path: '/ሴ' },
    signedHeaders: 'host;x-amz-date',
    signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85',
  },
  {
    name: 'get-header-value-trim',
    request: { headers: { 'My-Header1': ' value1', 'My-Header2': ' "a   b   c"' } },
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'get-header-key-duplicate',
    request: { headers: { 'My-Header1': ['value2', 'value2', 'value1'] } },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'post-vanilla',
    request: { method: 'POST' },
    signedHeaders: 'host;x-amz-date',
    signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  },
  {
    name: 'post-vanilla-query',
    request: { method: 'POST', query: [['Param1', 'value1']] },
    signedHeaders: 'host;x-amz-date',
    signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
  },
  {
    name: 'post-vanilla-query-nonunreserved',
    request: {
      method: 'POST',
      query: [
        ['@#$%^', ''],
        ['+', '/,?><`";:\\|][{}'],
      ],
    },
    signedHeaders: 'host;x-amz-date',
    signature: '66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e',
  },
  {
    name: 'post-vanilla-query-space',
    request: { method: 'POST', query: [['p', '']] },
    signedHeaders: 'host;x-amz-date',
    signature: 'e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b',
  },
  {
    name: 'post-header-key-sort',
    request: { method: 'POST', headers: { 'My-Header1': 'value1' } },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c',
  },
  {
    name: 'post-header-value-case',
    request: { method: 'POST', headers: { 'My-Header1': 'VALUE1' } },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
  },
  {
    name: 'post-sts-header-before',
    request: { method: 'POST' },
    sessionToken: stsToken,
    signedHeaders: 'host;x-amz-date;x-amz-security-token',
    signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
  },
  {
    name: 'post-x-www-form-urlencoded',
    request: {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
    },
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'post-x-www-form-urlencoded-parameters',
    request: {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf8' },
      body: 'Param1=value1',
    },
    signedHeaders: 'content-type;host;x-amz-date',
    signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe',
  },
];

function suiteRequest(vector: Vector): SignableRequest {
  return {
    method: vector.request.method ?? 'GET',
    path: vector.request.path ?? '/',
    query: vector.request.query ?? [],
    headers: { Host: host, ...vector.request.headers },
    body: vector.request.body ?? '',
  };
}

describe('AWS SigV4 test suite', () => {
  for (const vector of vectors) {
    test(vector.name, () => {
      const signed = signRequest(suiteRequest(vector), {
        ...suiteOptions,
        credentials: { ...credentials, sessionToken: vector.sessionToken },
      });
      assert.equal(
        signed.authorization,
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ` +
          `SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
      );
    });
  }

  test('get-vanilla canonical request and string to sign (creq and sts files)', () => {
    const signed = signRequest(suiteRequest(vectors[0]!), suiteOptions);
    assert.equal(
      signed.canonicalRequest,
      'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n' +
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    assert.equal(
      signed.stringToSign,
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n' +
        'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    );
  });

  test('createSigner caches the key and signs exactly as signRequest does', () => {
    const signer = createSigner({ credentials, region: 'us-east-1', service: 'service' });
    for (const vector of vectors.slice(0, 5)) {
      assert.equal(
        signer.sign(suiteRequest(vector), nowMs).authorization,
        signRequest(suiteRequest(vector), suiteOptions).authorization,
      );
    }
  });
});

test('amz dates format and parse both ways', () => {
  assert.deepEqual(formatAmzDate(nowMs), { amzDate: '20150830T123600Z', dateStamp: '20150830' });
  assert.equal(parseAmzDate('20150830T123600Z'), nowMs);
  assert.equal(parseAmzDate('2015-08-30T12:36:00Z'), undefined);
});

/** A hash for the AWS SDK's signer built on node:crypto (the SDK's own is not installed). */
class NodeSha256 {
  private readonly secret: Uint8Array | undefined;
  private hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined ? undefined : toBytes(secret);
    this.hash = this.fresh();
  }
  private fresh(): { update(data: Uint8Array): unknown; digest(): Buffer } {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  reset(): void {
    this.hash = this.fresh();
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

test('signs DynamoDB requests exactly as the AWS SDK signer does', async () => {
  const sdk = new SignatureV4({
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'benchmark-secret' },
    region: 'eu-west-1',
    service: 'dynamodb',
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const bodies = ['{"TableName":"usertable","Key":{"pk":{"S":"user1"}}}', '{}', '{"ü":"✓"}'];
  for (const [index, body] of bodies.entries()) {
    const headers = {
      host: '127.0.0.1:8000',
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
      'user-agent': 'tessera-bench',
    };
    const signingMs = nowMs + index * 86_400_000 + 1234;
    const theirs = await sdk.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 8000,
        path: '/',
        query: {},
        headers: { ...headers },
        body,
      },
      { signingDate: new Date(signingMs) },
    );
    const ours = signRequest(
      { method: 'POST', path: '/', headers, body },
      {
        credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'benchmark-secret' },
        region: 'eu-west-1',
        service: 'dynamodb',
        nowMs: signingMs,
      },
    );
    assert.equal(ours.authorization, theirs.headers.authorization);
    // What the router will see: the SDK's signed request verifies, and a wrong secret does not.
    const received = { method: 'POST', path: '/', headers: theirs.headers, body };
    const verified = verifyRequest(received, {
      lookupSecret: (id) => (id === 'AKIDBENCH' ? 'benchmark-secret' : undefined),
      nowMs: signingMs,
      maxClockSkewMs: 900_000,
      region: 'eu-west-1',
      service: 'dynamodb',
    });
    assert.deepEqual(verified, { ok: true, accessKeyId: 'AKIDBENCH' });
    const forged = verifyRequest(received, {
      lookupSecret: () => 'not-the-secret',
      nowMs: signingMs,
    });
    assert.equal(forged.ok || forged.exception, 'InvalidSignatureException');
  }
});

describe('verifyRequest', () => {
  const secrets = new Map([['AKIDEXAMPLE', credentials.secretAccessKey]]);
  const lookupSecret = (id: string): string | undefined => secrets.get(id);
  const base: SignableRequest = {
    method: 'POST',
    path: '/',
    headers: { host: 'localhost:8000', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
    body: '{}',
  };
  const signed = signRequest(base, { ...suiteOptions, service: 'dynamodb' });
  const signedRequest = { ...base, headers: signed.headers };

  test('accepts a correctly signed request', () => {
    assert.deepEqual(verifyRequest(signedRequest, { lookupSecret, nowMs }), {
      ok: true,
      accessKeyId: 'AKIDEXAMPLE',
    });
  });

  test('accepts every suite vector it signed', () => {
    for (const vector of vectors.filter((v) => v.sessionToken === undefined)) {
      const request = suiteRequest(vector);
      const headers = signRequest(request, suiteOptions).headers;
      const result = verifyRequest(
        { ...request, headers },
        { lookupSecret, nowMs, service: 'service' },
      );
      assert.equal(result.ok, true, vector.name);
    }
  });

  test('no Authorization header is a missing token', () => {
    const result = verifyRequest(base, { lookupSecret, nowMs });
    assert.equal(result.ok || result.exception, 'MissingAuthenticationTokenException');
  });

  test('an unknown access key is an unrecognized client', () => {
    const result = verifyRequest(signedRequest, { lookupSecret: () => undefined, nowMs });
    assert.equal(result.ok || result.reason, 'unknown-access-key');
    assert.equal(result.ok || result.exception, 'UnrecognizedClientException');
  });

  test('a tampered body, header or wrong secret is a bad signature', () => {
    const tampered: SignableRequest[] = [
      { ...signedRequest, body: '{"Limit":1}' },
      {
        ...signedRequest,
        headers: { ...signedRequest.headers, 'x-amz-target': 'DynamoDB_20120810.DeleteTable' },
      },
    ];
    for (const request of tampered) {
      const result = verifyRequest(request, { lookupSecret, nowMs });
      assert.equal(result.ok || result.exception, 'InvalidSignatureException');
    }
    const wrongSecret = verifyRequest(signedRequest, { lookupSecret: () => 'other', nowMs });
    assert.equal(wrongSecret.ok || wrongSecret.reason, 'bad-signature');
  });

  test('a malformed header is an incomplete signature', () => {
    const headers = { ...signedRequest.headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' };
    const result = verifyRequest({ ...base, headers }, { lookupSecret, nowMs });
    assert.equal(result.ok || result.exception, 'IncompleteSignatureException');
  });

  test('clock skew, region and service are enforced when asked', () => {
    const late = verifyRequest(signedRequest, {
      lookupSecret,
      nowMs: nowMs + 16 * 60_000,
      maxClockSkewMs: 15 * 60_000,
    });
    assert.equal(late.ok || late.reason, 'signature-expired');
    const region = verifyRequest(signedRequest, { lookupSecret, nowMs, region: 'eu-west-1' });
    assert.equal(region.ok || region.reason, 'bad-signature');
    const service = verifyRequest(signedRequest, { lookupSecret, nowMs, service: 'dynamodb' });
    assert.equal(service.ok, true);
  });
});
