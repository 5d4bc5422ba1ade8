// The key layout makes a partition one contiguous range: items of a hash range are exactly the
// keys between its bounds, sort keys of one partition key come out in DynamoDB order, and one
// deleteRange drops a partition without touching its neighbours or other tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCompositeKey, encodeKeyValue, parseNumber } from '../../../lib/dynamo/index.js';
import type { AttributeValue } from '../../../lib/dynamo/index.js';
import { compareBytes } from './bytes.js';
import { createMemoryEngine } from './memory-engine.js';
import {
  appliedIndexKey,
  itemKey,
  partitionKeyHash,
  partitionRange,
  tableRange,
} from './storage-keys.js';

const text = (value: string): AttributeValue => ({ type: 'S', value });
function number(value: string): AttributeValue {
  const parsed = parseNumber(value);
  if (!parsed.ok) throw new Error(`bad number ${value}`);
  return { type: 'N', value: parsed.value };
}

function keyOf(table: string, partition: AttributeValue, sort: AttributeValue): Uint8Array {
  return itemKey(
    table,
    partitionKeyHash(encodeKeyValue(partition)),
    encodeCompositeKey(partition, sort),
  );
}

function hashOf(partition: string): Uint8Array {
  return partitionKeyHash(encodeKeyValue(text(partition)));
}

test('sort keys of one partition key come out in DynamoDB order', async () => {
  const engine = createMemoryEngine();
  const sorts = ['-10', '-2.5', '0', '1e-5', '3', '20', '1E+3'];
  const mutations = sorts.map((sort) => ({
    kind: 'put' as const,
    key: keyOf('t1', text('user'), number(sort)),
    value: new TextEncoder().encode(sort),
  }));
  const unwrap = <T>(result: { ok: true; value: T } | { ok: false }) =>
    result.ok ? result.value : assert.fail('engine error');
  unwrap(await engine.write([...mutations].reverse()));
  const hash = hashOf('user');
  const next = new Uint8Array(hash);
  next[15] = next[15]! + 1;
  const range = partitionRange('t1', hash, next);
  const page = unwrap(
    await engine.scan({ gte: range.start, lt: range.end }, { itemsMax: 100, bytesMax: 1 << 20 }),
  );
  assert.deepEqual(
    page.entries.map((entry) => new TextDecoder().decode(entry.value)),
    sorts,
  );
});

test('a partition is exactly the keys between its hash bounds, and deleteRange drops only it', async () => {
  const engine = createMemoryEngine();
  const partitionKeys = Array.from({ length: 200 }, (_, i) => `pk${i}`);
  const mutations = [];
  for (const table of ['t1', 't2', 't1\u0000x']) {
    for (const partition of partitionKeys) {
      mutations.push({
        kind: 'put' as const,
        key: keyOf(table, text(partition), text('s')),
        value: new TextEncoder().encode(`${table}/${partition}`),
      });
    }
  }
  const unwrap = <T>(result: { ok: true; value: T } | { ok: false }) =>
    result.ok ? result.value : assert.fail('engine error');
  unwrap(await engine.write(mutations));
  // Split the hash space at 0x40…, 0x80…, 0xc0… like four equal partitions.
  const bound = (first: number) => Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? first : 0));
  const bounds = [bound(0), bound(0x40), bound(0x80), bound(0xc0), undefined];
  let seen = 0;
  for (let p = 0; p < 4; p++) {
    const range = partitionRange('t1', bounds[p]!, bounds[p + 1]);
    const page = unwrap(
      await engine.scan({ gte: range.start, lt: range.end }, { itemsMax: 1000, bytesMax: 1 << 20 }),
    );
    const expected = partitionKeys.filter((partition) => {
      const hash = hashOf(partition);
      return (
        compareBytes(hash, bounds[p]!) >= 0 &&
        (bounds[p + 1] === undefined || compareBytes(hash, bounds[p + 1]!) < 0)
      );
    });
    assert.deepEqual(
      page.entries.map((entry) => new TextDecoder().decode(entry.value)).sort(),
      expected.map((partition) => `t1/${partition}`).sort(),
    );
    seen += page.entries.length;
  }
  assert.equal(seen, partitionKeys.length);
  const second = partitionRange('t1', bounds[1]!, bounds[2]);
  unwrap(await engine.write([{ kind: 'deleteRange', start: second.start, end: second.end }]));
  const table1 = tableRange('t1');
  const remaining = unwrap(
    await engine.scan({ gte: table1.start, lt: table1.end }, { itemsMax: 1000, bytesMax: 1 << 20 }),
  );
  const inSecond = partitionKeys.filter(
    (partition) => hashOf(partition)[0]! >= 0x40 && hashOf(partition)[0]! < 0x80,
  ).length;
  assert.equal(remaining.entries.length, partitionKeys.length - inSecond);
  for (const table of ['t2', 't1\u0000x']) {
    const range = tableRange(table);
    const other = unwrap(
      await engine.scan({ gte: range.start, lt: range.end }, { itemsMax: 1000, bytesMax: 1 << 20 }),
    );
    assert.equal(other.entries.length, partitionKeys.length, table);
  }
});

test('group metadata keys sort apart from every item key', () => {
  const item = keyOf('zzz', text('a'), text('b'));
  assert.ok(compareBytes(appliedIndexKey(1), item) > 0);
  assert.ok(compareBytes(appliedIndexKey(1), appliedIndexKey(2)) < 0);
  assert.ok(compareBytes(appliedIndexKey(2 ** 40), appliedIndexKey(2 ** 40 + 1)) < 0);
});
