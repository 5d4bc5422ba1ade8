// The workload mixes and the planner: shares of each operation within sampling error, scan
// lengths, inserts and the acknowledged watermark, and the requests each operation sends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createValueSource, operationRequests, recordKey } from './dynamo-requests.js';
import { createRandom } from './random.js';
import { FIELD_LENGTH_BYTES, WORKLOADS, createOperationPlanner } from './workloads.js';
import type { OperationKind } from './workloads.js';

const SAMPLES = 40_000;

function mix(name: string): Map<OperationKind, number> {
  const planner = createOperationPlanner(WORKLOADS[name]!, createRandom(1), 1000, 100);
  const counts = new Map<OperationKind, number>();
  for (let i = 0; i < SAMPLES; i += 1) {
    const operation = planner.next();
    counts.set(operation.kind, (counts.get(operation.kind) ?? 0) + 1);
    if (operation.kind === 'insert') planner.acknowledgeInsert(operation.record);
  }
  return counts;
}

test('every workload issues its YCSB mix within sampling error', () => {
  const expected: Record<string, Partial<Record<OperationKind, number>>> = {
    a: { read: 0.5, update: 0.5 },
    b: { read: 0.95, update: 0.05 },
    c: { read: 1 },
    d: { read: 0.95, insert: 0.05 },
    e: { scan: 0.95, insert: 0.05 },
    f: { read: 0.5, 'read-modify-write': 0.5 },
    put: { update: 1 },
    get: { read: 1 },
    query: { query: 1 },
  };
  for (const [name, shares] of Object.entries(expected)) {
    const counts = mix(name);
    assert.deepEqual([...counts.keys()].sort(), Object.keys(shares).sort(), `workload ${name}`);
    for (const [kind, share] of Object.entries(shares)) {
      const observed = (counts.get(kind as OperationKind) ?? 0) / SAMPLES;
      assert.ok(Math.abs(observed - share) < 0.01, `${name} ${kind}: ${observed} vs ${share}`);
    }
  }
  assert.equal(WORKLOADS.d!.requestDistribution, 'latest');
  assert.equal(WORKLOADS.a!.requestDistribution, 'zipfian');
});

test('scans read 1..100 records, uniformly', () => {
  const planner = createOperationPlanner(WORKLOADS.e!, createRandom(2), 1000, 0);
  const lengths: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const operation = planner.next();
    if (operation.kind === 'scan') lengths.push(operation.scanLength);
  }
  assert.equal(Math.min(...lengths), 1);
  assert.equal(Math.max(...lengths), 100);
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  assert.ok(Math.abs(mean - 50.5) < 1, `mean scan length ${mean}`);
});

test('inserts take new record numbers and reads only choose acknowledged records', () => {
  const planner = createOperationPlanner(WORKLOADS.d!, createRandom(3), 100, 50);
  const inserted: number[] = [];
  for (let i = 0; i < 2000; i += 1) {
    const operation = planner.next();
    if (operation.kind === 'insert') {
      inserted.push(operation.record);
    } else {
      assert.ok(operation.record < planner.acknowledgedCount(), `read of ${operation.record}`);
    }
  }
  assert.deepEqual(
    inserted,
    inserted.map((_, index) => 100 + index),
  );
  // Out-of-order acknowledgements move the watermark only when contiguous.
  assert.equal(planner.acknowledgedCount(), 100);
  planner.acknowledgeInsert(101);
  assert.equal(planner.acknowledgedCount(), 100);
  planner.acknowledgeInsert(100);
  assert.equal(planner.acknowledgedCount(), 102);
});

test('latest favours the newest acknowledged records', () => {
  const planner = createOperationPlanner(WORKLOADS.d!, createRandom(4), 1000, 0);
  let newest = 0;
  let reads = 0;
  for (let i = 0; i < SAMPLES; i += 1) {
    const operation = planner.next();
    if (operation.kind !== 'read') continue;
    reads += 1;
    if (operation.record >= 990) newest += 1;
  }
  assert.ok(newest / reads > 0.3, `share of reads on the newest 1%: ${newest / reads}`);
});

test('operations become the DynamoDB requests YCSB sends', () => {
  const values = createValueSource(createRandom(5));
  assert.equal(values.next().length, FIELD_LENGTH_BYTES);
  const base = { record: 7, scanLength: 12, field: 3, wholeItem: false };
  const a = WORKLOADS.a!;
  const read = operationRequests('t', a, { ...base, kind: 'read' }, values);
  assert.deepEqual(
    read.map((r) => r.operation),
    ['GetItem'],
  );
  assert.deepEqual(JSON.parse(read[0]!.body).Key, {
    pk: { S: recordKey(7, 1).pk },
    sk: { N: '0' },
  });
  const update = JSON.parse(
    operationRequests('t', a, { ...base, kind: 'update' }, values)[0]!.body,
  );
  assert.deepEqual(update.ExpressionAttributeNames, { '#f': 'field3' });
  const insert = JSON.parse(
    operationRequests('t', a, { ...base, kind: 'insert' }, values)[0]!.body,
  );
  assert.equal(Object.keys(insert.Item).length, 12);
  const rmw = operationRequests('t', a, { ...base, kind: 'read-modify-write' }, values);
  assert.deepEqual(
    rmw.map((r) => r.operation),
    ['GetItem', 'UpdateItem'],
  );
  const scan = JSON.parse(operationRequests('t', a, { ...base, kind: 'scan' }, values)[0]!.body);
  assert.equal(scan.Limit, 12);
  const query = operationRequests('t', WORKLOADS.query!, { ...base, kind: 'query' }, values)[0]!;
  assert.equal(query.operation, 'Query');
  assert.equal(JSON.parse(query.body).Limit, 10);
  assert.deepEqual(recordKey(17, 10), { pk: recordKey(10, 10).pk, sk: 7 });
  const put = operationRequests(
    't',
    WORKLOADS.put!,
    { ...base, kind: 'update', wholeItem: true },
    values,
  );
  assert.deepEqual(
    put.map((r) => r.operation),
    ['PutItem'],
  );
});
