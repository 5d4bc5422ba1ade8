// Micro-benchmarks of lib/dynamo on one core: parse-once-evaluate-many for a three-clause
// condition, key encoding, and (for context) parsing, item encoding and update application.
// Run with `npm run bench:data-model`; figures go to docs/data-model.md. Not a timed test:
// it prints rates and whether they meet the targets (≥ 500,000 evaluations/s, ≥ 1,000,000
// key encodes/s), and exits non-zero only on a wrong result, never on a slow machine.

import { performance } from 'node:perf_hooks';
import {
  applyUpdate,
  encodeCompositeKey,
  encodeItem,
  evaluateCondition,
  itemFromWire,
  parseConditionExpression,
  parseUpdateExpression,
  type AttributeValue,
  type Item,
} from '../lib/dynamo/index.js';
import { randomKeyValue, SeededRandom } from '../lib/dynamo/testing/random.js';

const durationMs = Number(process.env['BENCH_DURATION_MS'] ?? 1500);

interface Measurement {
  readonly name: string;
  readonly operationsPerSecond: number;
  readonly target?: number;
}

/** Runs `body` in batches until `durationMs` has passed; returns operations per second. */
function measure(name: string, body: (iteration: number) => void, target?: number): Measurement {
  const batch = 10_000;
  for (let warm = 0; warm < batch * 5; warm++) body(warm);
  let iterations = 0;
  const start = performance.now();
  let elapsedMs = 0;
  while (elapsedMs < durationMs) {
    for (let index = 0; index < batch; index++) body(iterations + index);
    iterations += batch;
    elapsedMs = performance.now() - start;
  }
  const operationsPerSecond = Math.round((iterations / elapsedMs) * 1000);
  return target === undefined
    ? { name, operationsPerSecond }
    : { name, operationsPerSecond, target };
}

function mustItem(wire: Record<string, unknown>): Item {
  const item = itemFromWire(wire);
  if (!item.ok) throw new Error(item.error.message);
  return item.value;
}

const values = {
  ':status': { type: 'S', value: 'active' },
  ':min': { type: 'N', value: { negative: false, digits: '18', exponent: 1 } },
  ':prefix': { type: 'S', value: 'us-' },
  ':one': { type: 'N', value: { negative: false, digits: '1', exponent: 0 } },
} satisfies Record<string, AttributeValue>;
const names = { '#s': 'status' };

const conditionText = '#s = :status AND age >= :min AND begins_with(zone_name, :prefix)';
const parsedCondition = parseConditionExpression(conditionText, { names, values });
if (!parsedCondition.ok) throw new Error(parsedCondition.error.message);
const condition = parsedCondition.value.ast;
const matching = mustItem({
  pk: { S: 'user#1' },
  status: { S: 'active' },
  age: { N: '42' },
  zone_name: { S: 'us-east-1' },
  tags: { SS: ['a', 'b'] },
});
const notMatching = mustItem({
  pk: { S: 'user#2' },
  status: { S: 'active' },
  age: { N: '7' },
  zone_name: { S: 'eu' },
});
if (!evaluateCondition(condition, matching) || evaluateCondition(condition, notMatching)) {
  throw new Error('benchmark condition evaluated wrongly');
}

const random = new SeededRandom(42);
const partitionKeys = Array.from({ length: 1024 }, () => randomKeyValue(random, 'S'));
const sortKeys = Array.from({ length: 1024 }, () => randomKeyValue(random, 'N'));
const updateText = 'SET age = age + :one, #s = :status REMOVE tags';
const parsedUpdate = parseUpdateExpression(updateText, {
  names,
  values: { ':one': values[':one'], ':status': values[':status'] },
});
if (!parsedUpdate.ok) throw new Error(parsedUpdate.error.message);
const update = parsedUpdate.value.ast;

let sink = 0;
const measurements: Measurement[] = [
  measure(
    'evaluate three-clause condition (parsed once)',
    (index) => {
      sink += evaluateCondition(condition, (index & 1) === 0 ? matching : notMatching) ? 1 : 0;
    },
    500_000,
  ),
  measure(
    'encode composite key (S partition, N sort)',
    (index) => {
      sink += encodeCompositeKey(
        partitionKeys[index & 1023] as AttributeValue,
        sortKeys[index & 1023] as AttributeValue,
      ).length;
    },
    1_000_000,
  ),
  measure('encode key (S partition only)', (index) => {
    sink += encodeCompositeKey(partitionKeys[index & 1023] as AttributeValue).length;
  }),
  measure('parse three-clause condition', () => {
    sink += parseConditionExpression(conditionText, { names, values }).ok ? 1 : 0;
  }),
  measure('apply SET/REMOVE update to a 5-attribute item', () => {
    sink += applyUpdate(update, matching).ok ? 1 : 0;
  }),
  measure('encodeItem (5 attributes)', () => {
    sink += encodeItem(matching).length;
  }),
];

console.log(
  `lib/dynamo micro-benchmarks, ${durationMs} ms each, one core (node ${process.version})`,
);
for (const { name, operationsPerSecond, target } of measurements) {
  const verdict =
    target === undefined
      ? ''
      : operationsPerSecond >= target
        ? `  (target ≥ ${target.toLocaleString('en-US')}: met)`
        : `  (target ≥ ${target.toLocaleString('en-US')}: NOT met)`;
  console.log(
    `${name.padEnd(48)} ${operationsPerSecond.toLocaleString('en-US').padStart(12)} ops/s${verdict}`,
  );
}
if (sink === 0) console.log('(sink)');
