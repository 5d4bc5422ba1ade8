// k6 load test of the DynamoDB HTTP API (Tessera's router on :8000, or any DynamoDB
// endpoint): setup creates the table and writes RECORDS items; each iteration reads or
// updates one item; thresholds fail the run on p99 latency or error rate.
//
//   k6 run -e DYNAMODB_ENDPOINT=http://127.0.0.1:8000 -e RATE=500 -e DURATION=1m \
//     test/load/k6/dynamodb-http.ts
import { check, sleep } from 'k6';
import http from 'k6/http';
import { Rate } from 'k6/metrics';
import { Endpoint, SignatureV4 } from 'https://jslib.k6.io/aws/0.14.0/signature.js';
import {
  MAX_ERROR_RATE,
  P99_MS,
  READ_SHARE,
  RECORDS,
  TABLE,
  env,
  fieldValue,
  randomRecord,
  recordKey,
  scenario,
} from './common.ts';

const ENDPOINT = env('DYNAMODB_ENDPOINT', 'http://127.0.0.1:8000');
/** Bound on setup's wait for the table to become ACTIVE. */
const TABLE_WAIT_SECONDS = 60;

const errors = new Rate('dynamodb_errors');

export const options = {
  scenarios: { dynamodb: scenario() },
  thresholds: {
    'http_req_duration{phase:run}': [`p(99)<${P99_MS}`],
    dynamodb_errors: [`rate<${MAX_ERROR_RATE}`],
  },
};

const signer = new SignatureV4({
  service: 'dynamodb',
  region: env('AWS_REGION', 'us-east-1'),
  credentials: {
    accessKeyId: env('AWS_ACCESS_KEY_ID', 'k6'),
    secretAccessKey: env('AWS_SECRET_ACCESS_KEY', 'k6'),
    sessionToken: __ENV.AWS_SESSION_TOKEN,
  },
  uriEscapePath: true,
  applyChecksum: false,
});
const endpoint = new Endpoint(ENDPOINT);

/** Sends one signed DynamoDB request; returns the status and parsed body. */
function call(
  operation: string,
  payload: Record<string, unknown>,
  phase: 'setup' | 'run',
): { status: number; body: Record<string, unknown> } {
  const body = JSON.stringify(payload);
  const signed = signer.sign({
    method: 'POST',
    endpoint,
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
    },
    body,
  });
  const response = http.post(signed.url, body, {
    headers: signed.headers,
    tags: { operation, phase },
    timeout: '10s',
  });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (response.json() ?? {}) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { status: response.status, body: parsed };
}

function item(n: number): Record<string, unknown> {
  const attributes: Record<string, unknown> = { pk: { S: recordKey(n) }, sk: { N: '0' } };
  for (let field = 0; field < 10; field += 1) attributes[`field${field}`] = { S: fieldValue() };
  return attributes;
}

export function setup(): void {
  const created = call(
    'CreateTable',
    {
      TableName: TABLE,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    },
    'setup',
  );
  if (created.status !== 200 && !String(created.body.__type).endsWith('ResourceInUseException')) {
    throw new Error(`CreateTable failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  for (let waited = 0; ; waited += 1) {
    const table = call('DescribeTable', { TableName: TABLE }, 'setup').body.Table as
      { TableStatus?: string } | undefined;
    if (table?.TableStatus === 'ACTIVE') break;
    if (waited >= TABLE_WAIT_SECONDS) throw new Error(`${TABLE} is not ACTIVE`);
    sleep(1);
  }
  // BatchWriteItem takes at most 25 items; unprocessed items are retried a bounded number of times.
  for (let first = 0; first < RECORDS; first += 25) {
    let requests: unknown[] = [];
    for (let n = first; n < Math.min(first + 25, RECORDS); n += 1) {
      requests.push({ PutRequest: { Item: item(n) } });
    }
    for (let attempt = 0; attempt < 5 && requests.length > 0; attempt += 1) {
      const written = call('BatchWriteItem', { RequestItems: { [TABLE]: requests } }, 'setup');
      if (written.status !== 200) throw new Error(`BatchWriteItem failed: ${written.status}`);
      const unprocessed = written.body.UnprocessedItems as Record<string, unknown[]> | undefined;
      requests = unprocessed?.[TABLE] ?? [];
    }
  }
}

export default function (): void {
  const key = { pk: { S: recordKey(randomRecord()) }, sk: { N: '0' } };
  const result =
    Math.random() < READ_SHARE
      ? call('GetItem', { TableName: TABLE, Key: key }, 'run')
      : call(
          'UpdateItem',
          {
            TableName: TABLE,
            Key: key,
            UpdateExpression: 'SET #f = :v',
            ExpressionAttributeNames: { '#f': `field${Math.floor(Math.random() * 10)}` },
            ExpressionAttributeValues: { ':v': { S: fieldValue() } },
          },
          'run',
        );
  const ok = check(result, { 'status is 200': (r) => r.status === 200 });
  errors.add(!ok);
}

export function teardown(): void {
  if (env('DELETE_TABLE', 'false') === 'true') call('DeleteTable', { TableName: TABLE }, 'setup');
}
