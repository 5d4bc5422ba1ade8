/* global __ENV */
// k6 load test for Tessera's DynamoDB API (run by the tessera-cluster chart's Job, or
// locally: `k6 run -e TESSERA_ENDPOINT=http://localhost:8000 load-test.js`).
// Requests are DynamoDB JSON over HTTP, signed with AWS Signature Version 4 so that a
// router enforcing auth accepts them; k6 has no AWS SDK, so the signing is written here.
import http from 'k6/http';
import crypto from 'k6/crypto';
import { check, fail } from 'k6';
import { Counter } from 'k6/metrics';

const endpoint = __ENV.TESSERA_ENDPOINT || 'http://localhost:8000';
const table = __ENV.TESSERA_TABLE || 'k6-load';
const readPercent = Number(__ENV.TESSERA_READ_PERCENT || 80);
const itemBytes = Number(__ENV.TESSERA_ITEM_BYTES || 512);
const keySpace = Number(__ENV.TESSERA_KEYS || 10000);
const region = __ENV.AWS_REGION || 'us-east-1';
const accessKeyId = __ENV.AWS_ACCESS_KEY_ID || 'tessera';
const secretAccessKey = __ENV.AWS_SECRET_ACCESS_KEY || 'tessera-secret';

const throttled = new Counter('tessera_throttled');

export const options = {
  vus: Number(__ENV.K6_VUS || 10),
  duration: __ENV.K6_DURATION || '1m',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{operation:GetItem}': ['p(99)<100'],
    'http_req_duration{operation:PutItem}': ['p(99)<200'],
  },
};

function hex(buffer) {
  return crypto.sha256(buffer, 'hex');
}

function hmac(key, data, encoding) {
  return crypto.hmac('sha256', key, data, encoding || 'binary');
}

/** Signs a DynamoDB request (SigV4, service `dynamodb`) and returns its headers. */
function signedHeaders(target, body) {
  // k6 has no global URL: take host[:port] from the endpoint by hand.
  const host = endpoint.replace(/^https?:\/\//, '').split('/')[0];
  const now = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const date = now.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.0',
    host,
    'x-amz-date': now,
    'x-amz-target': `DynamoDB_20120810.${target}`,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    names.map((name) => `${name}:${headers[name]}\n`).join(''),
    names.join(';'),
    hex(body),
  ].join('\n');
  const scope = `${date}/${region}/dynamodb/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', now, scope, hex(canonical)].join('\n');
  let key = hmac(`AWS4${secretAccessKey}`, date);
  key = hmac(key, region);
  key = hmac(key, 'dynamodb');
  key = hmac(key, 'aws4_request');
  const signature = hmac(key, toSign, 'hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

function call(target, payload) {
  const body = JSON.stringify(payload);
  const response = http.post(`${endpoint}/`, body, {
    headers: signedHeaders(target, body),
    tags: { operation: target },
  });
  if (response.status === 400 && String(response.body).includes('ThrottlingException'))
    throttled.add(1);
  return response;
}

export function setup() {
  const created = call('CreateTable', {
    TableName: table,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  if (created.status !== 200 && !String(created.body).includes('ResourceInUseException')) {
    fail(`CreateTable failed: ${created.status} ${created.body}`);
  }
  // Bounded wait for ACTIVE: 60 polls of DescribeTable.
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const described = call('DescribeTable', { TableName: table });
    if (described.status === 200 && JSON.parse(described.body).Table.TableStatus === 'ACTIVE')
      return;
  }
  fail(`table ${table} did not become ACTIVE`);
}

const padding = 'x'.repeat(Math.max(0, itemBytes - 40));

export default function () {
  const key = `k${Math.floor(Math.random() * keySpace)}`;
  if (Math.random() * 100 < readPercent) {
    const response = call('GetItem', { TableName: table, Key: { pk: { S: key } } });
    check(response, { 'GetItem 200': (r) => r.status === 200 });
  } else {
    const response = call('PutItem', {
      TableName: table,
      Item: { pk: { S: key }, payload: { S: padding }, at: { N: String(Date.now()) } },
    });
    check(response, { 'PutItem 200': (r) => r.status === 200 });
  }
}
