// k6 load test of Tessera's gRPC API (tessera.v1.Dynamo on the router's :8001): setup
// creates the table and writes RECORDS items; each iteration reads or updates one item;
// thresholds fail the run on p99 latency or error rate. Field names follow the protobuf
// JSON mapping of proto/tessera/v1/dynamo.proto.
//
//   k6 run -e GRPC_ADDRESS=127.0.0.1:8001 -e PROTO_ROOT=proto test/load/k6/grpc.ts
import { check, sleep } from 'k6';
import grpc from 'k6/net/grpc';
import { Rate } from 'k6/metrics';
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

const ADDRESS = env('GRPC_ADDRESS', '127.0.0.1:8001');
const SERVICE = 'tessera.v1.Dynamo';
/** Bound on setup's wait for the table to become ACTIVE. */
const TABLE_WAIT_SECONDS = 60;

const errors = new Rate('tessera_grpc_errors');

export const options = {
  scenarios: { grpc: scenario() },
  thresholds: {
    'grpc_req_duration{phase:run}': [`p(99)<${P99_MS}`],
    tessera_grpc_errors: [`rate<${MAX_ERROR_RATE}`],
  },
};

// Protos load in the init context; PROTO_ROOT is the repository's proto/ folder, relative
// to this script by default.
const client = new grpc.Client();
client.load([env('PROTO_ROOT', '../../../proto')], 'tessera/v1/dynamo.proto');

let connected = false;
function connect(): void {
  if (connected) return;
  client.connect(ADDRESS, { plaintext: env('GRPC_TLS', 'false') !== 'true', timeout: '10s' });
  connected = true;
}

function invoke(method: string, request: object, phase: 'setup' | 'run'): grpc.Response {
  return client.invoke(`${SERVICE}/${method}`, request, {
    timeout: '10s',
    tags: { method, phase },
  });
}

function item(n: number): Record<string, unknown> {
  const attributes: Record<string, unknown> = { pk: { s: recordKey(n) }, sk: { n: '0' } };
  for (let field = 0; field < 10; field += 1) attributes[`field${field}`] = { s: fieldValue() };
  return attributes;
}

export function setup(): void {
  connect();
  const created = invoke(
    'CreateTable',
    {
      tableName: TABLE,
      attributeDefinitions: [
        { attributeName: 'pk', attributeType: 'S' },
        { attributeName: 'sk', attributeType: 'N' },
      ],
      keySchema: [
        { attributeName: 'pk', keyType: 'HASH' },
        { attributeName: 'sk', keyType: 'RANGE' },
      ],
      billingMode: 'PAY_PER_REQUEST',
    },
    'setup',
  );
  // ALREADY_EXISTS / FAILED_PRECONDITION: the table is there from an earlier run.
  if (created.status !== grpc.StatusOK && created.status !== grpc.StatusAlreadyExists) {
    const type = (created.trailers as Record<string, unknown> | undefined)?.[
      'x-tessera-error-type'
    ];
    if (String(type) !== 'ResourceInUseException') {
      throw new Error(`CreateTable failed: ${created.status} ${JSON.stringify(created.error)}`);
    }
  }
  for (let waited = 0; ; waited += 1) {
    const described = invoke('DescribeTable', { tableName: TABLE }, 'setup');
    const message = described.message as { table?: { tableStatus?: string } } | null;
    if (message?.table?.tableStatus === 'ACTIVE') break;
    if (waited >= TABLE_WAIT_SECONDS) throw new Error(`${TABLE} is not ACTIVE`);
    sleep(1);
  }
  for (let n = 0; n < RECORDS; n += 1) {
    const put = invoke('PutItem', { tableName: TABLE, item: item(n) }, 'setup');
    if (put.status !== grpc.StatusOK) throw new Error(`PutItem failed: ${put.status}`);
  }
  client.close();
  connected = false;
}

export default function (): void {
  connect();
  const key = { pk: { s: recordKey(randomRecord()) }, sk: { n: '0' } };
  const response =
    Math.random() < READ_SHARE
      ? invoke('GetItem', { tableName: TABLE, key }, 'run')
      : invoke(
          'UpdateItem',
          {
            tableName: TABLE,
            key,
            updateExpression: 'SET #f = :v',
            expressionAttributeNames: { '#f': `field${Math.floor(Math.random() * 10)}` },
            expressionAttributeValues: { ':v': { s: fieldValue() } },
          },
          'run',
        );
  const ok = check(response, { 'status is OK': (r) => r.status === grpc.StatusOK });
  errors.add(!ok);
}

export function teardown(): void {
  if (env('DELETE_TABLE', 'false') !== 'true') return;
  connect();
  invoke('DeleteTable', { tableName: TABLE }, 'setup');
  client.close();
}
