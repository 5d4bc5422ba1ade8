// The conformance suite every engine passes (STYLE rule 3). `registerEngineConformance` adds
// node:test tests for one engine factory; each engine's own test file calls it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareBytes, prefixEnd, utf8 } from './bytes.js';
import type {
  Engine,
  EngineResult,
  KeyValue,
  Mutation,
  ReadView,
  ScanLimits,
  ScanRange,
} from './engine.js';

/** One engine under test and how to dispose of it (and, for persistent engines, reopen it). */
export interface EngineFixture {
  readonly engine: Engine;
  /** Closes `engine` and opens the same store again; absent for volatile engines. */
  readonly reopen?: () => Promise<Engine>;
  /** Closes whatever engine is open and removes its files. */
  dispose(): Promise<void>;
}

const unlimited: ScanLimits = { itemsMax: 1_000_000, bytesMax: 1 << 30 };

function unwrap<T>(result: EngineResult<T>): T {
  if (!result.ok) assert.fail(`engine error ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

async function keysOf(
  view: ReadView,
  range: ScanRange = {},
  limits = unlimited,
): Promise<string[]> {
  const page = unwrap(await view.scan(range, limits));
  return page.entries.map((entry) => text(entry.key)!);
}

function put(key: string, value: string): Mutation {
  return { kind: 'put', key: utf8(key), value: utf8(value) };
}

/** A small seeded generator (xorshift32) so the model test is reproducible. */
function seededRandom(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 1;
  return (bound) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % bound;
  };
}

async function withEngine(
  create: () => Promise<EngineFixture>,
  body: (engine: Engine, fixture: EngineFixture) => Promise<void>,
): Promise<void> {
  const fixture = await create();
  try {
    await body(fixture.engine, fixture);
  } finally {
    await fixture.dispose();
  }
}

/** Registers the conformance tests for engines made by `create`. */
export function registerEngineConformance(
  name: string,
  create: () => Promise<EngineFixture>,
): void {
  describe(`engine conformance: ${name}`, () => {
    registerPointTests(create);
    registerScanTests(create);
    registerLimitTests(create);
    registerBatchTests(create);
    registerSnapshotTests(create);
    registerSizeTests(create);
    registerLifecycleTests(create);
    registerModelTest(create);
  });
}

function registerPointTests(create: () => Promise<EngineFixture>): void {
  test('put, get, overwrite and delete', () =>
    withEngine(create, async (engine) => {
      assert.equal(unwrap(await engine.get(utf8('a'))), undefined);
      unwrap(await engine.write([put('a', '1'), put('b', '2')]));
      assert.equal(text(unwrap(await engine.get(utf8('a')))), '1');
      unwrap(await engine.write([put('a', '3')]));
      assert.equal(text(unwrap(await engine.get(utf8('a')))), '3');
      unwrap(await engine.write([{ kind: 'delete', key: utf8('a') }]));
      assert.equal(unwrap(await engine.get(utf8('a'))), undefined);
      assert.equal(text(unwrap(await engine.get(utf8('b')))), '2');
    }));

  test('binary keys and empty values round-trip', () =>
    withEngine(create, async (engine) => {
      const key = new Uint8Array([0, 255, 0, 1]);
      const value = new Uint8Array([0, 0, 255]);
      unwrap(
        await engine.write([
          { kind: 'put', key, value },
          { kind: 'put', key: utf8('e'), value: new Uint8Array() },
        ]),
      );
      assert.deepEqual([...unwrap(await engine.get(key))!], [0, 0, 255]);
      assert.equal(unwrap(await engine.get(utf8('e')))?.length, 0);
    }));

  test('getMany answers in the order asked, with undefined for missing keys', () =>
    withEngine(create, async (engine) => {
      unwrap(await engine.write([put('a', '1'), put('c', '3')]));
      const values = unwrap(await engine.getMany([utf8('c'), utf8('b'), utf8('a')]));
      assert.deepEqual(values.map(text), ['3', undefined, '1']);
      assert.deepEqual(unwrap(await engine.getMany([])), []);
    }));

  test('malformed reads are typed errors', () =>
    withEngine(create, async (engine) => {
      const empty = await engine.get(new Uint8Array());
      assert.equal(empty.ok ? 'ok' : empty.error.code, 'invalid-argument');
      const bounds = await engine.scan({ gt: utf8('a'), gte: utf8('a') }, unlimited);
      assert.equal(bounds.ok ? 'ok' : bounds.error.code, 'invalid-argument');
      const limits = await engine.scan({}, { itemsMax: 0, bytesMax: 10 });
      assert.equal(limits.ok ? 'ok' : limits.error.code, 'invalid-argument');
      const many = await engine.getMany(Array.from({ length: 100_000 }, () => utf8('k')));
      assert.equal(many.ok ? 'ok' : many.error.code, 'limit-exceeded');
    }));
}

function registerScanTests(create: () => Promise<EngineFixture>): void {
  test('scans follow bytewise order, not string or length order', () =>
    withEngine(create, async (engine) => {
      const keys = [[1], [1, 0], [0, 255], [255], [2], [1, 255, 255], [0]].map(
        (bytes) => new Uint8Array(bytes),
      );
      unwrap(await engine.write(keys.map((key) => ({ kind: 'put', key, value: key }))));
      const page = unwrap(await engine.scan({}, unlimited));
      const expected = [...keys].sort(compareBytes).map((key) => [...key]);
      assert.deepEqual(
        page.entries.map((entry) => [...entry.key]),
        expected,
      );
      const reversed = unwrap(await engine.scan({ reverse: true }, unlimited));
      assert.deepEqual(
        reversed.entries.map((entry) => [...entry.key]),
        [...expected].reverse(),
      );
    }));

  test('scan bounds are honoured forward and in reverse', () =>
    withEngine(create, async (engine) => {
      unwrap(await engine.write(['a', 'b', 'c', 'd', 'e'].map((key) => put(key, key))));
      assert.deepEqual(await keysOf(engine, { gte: utf8('b'), lt: utf8('d') }), ['b', 'c']);
      assert.deepEqual(await keysOf(engine, { gt: utf8('b'), lte: utf8('d') }), ['c', 'd']);
      assert.deepEqual(await keysOf(engine, { gt: utf8('b'), lte: utf8('d'), reverse: true }), [
        'd',
        'c',
      ]);
      assert.deepEqual(await keysOf(engine, { lt: utf8('c'), reverse: true }), ['b', 'a']);
      assert.deepEqual(await keysOf(engine, { gte: utf8('bb') }), ['c', 'd', 'e']);
      assert.deepEqual(await keysOf(engine, { gt: utf8('e') }), []);
      assert.deepEqual(await keysOf(engine, { lt: new Uint8Array() }), []);
      assert.deepEqual(await keysOf(engine, { gte: utf8('c'), lt: utf8('c') }), []);
    }));
}

function registerLimitTests(create: () => Promise<EngineFixture>): void {
  test('the item limit truncates a page and the cursor resumes it', () =>
    withEngine(create, async (engine) => {
      const all = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      unwrap(await engine.write(all.map((key) => put(key, 'v'))));
      for (const reverse of [false, true]) {
        const seen: string[] = [];
        let cursor: Uint8Array | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const range: ScanRange = reverse ? { lt: cursor, reverse } : { gt: cursor };
          const page = unwrap(await engine.scan(range, { itemsMax: 10, bytesMax: 1 << 20 }));
          seen.push(...page.entries.map((entry) => text(entry.key)!));
          assert.equal(page.truncated, seen.length < all.length);
          if (!page.truncated) break;
          cursor = page.entries.at(-1)!.key;
        }
        assert.deepEqual(seen, reverse ? [...all].reverse() : all);
      }
    }));

  test('the byte limit stops after the entry that reaches it and always makes progress', () =>
    withEngine(create, async (engine) => {
      unwrap(await engine.write([put('a', 'xxxx'), put('b', 'xxxx'), put('c', 'xxxx')]));
      // Each entry is 5 bytes: the first page takes entries while fewer than 6 bytes were seen.
      const page = unwrap(await engine.scan({}, { itemsMax: 100, bytesMax: 6 }));
      assert.deepEqual(
        page.entries.map((entry) => text(entry.key)),
        ['a', 'b'],
      );
      assert.equal(page.truncated, true);
      const tiny = unwrap(await engine.scan({ gt: utf8('b') }, { itemsMax: 100, bytesMax: 1 }));
      assert.deepEqual(
        tiny.entries.map((entry) => text(entry.key)),
        ['c'],
      );
      assert.equal(tiny.truncated, false);
      const exact = unwrap(await engine.scan({}, { itemsMax: 3, bytesMax: 1 << 20 }));
      assert.equal(exact.entries.length, 3);
      assert.equal(exact.truncated, false);
    }));
}

function registerBatchTests(create: () => Promise<EngineFixture>): void {
  test('deleteRange removes [start, end) and an empty range is a no-op', () =>
    withEngine(create, async (engine) => {
      unwrap(await engine.write(['a', 'b', 'ba', 'c', 'd'].map((key) => put(key, key))));
      unwrap(await engine.write([{ kind: 'deleteRange', start: utf8('b'), end: utf8('c') }]));
      assert.deepEqual(await keysOf(engine), ['a', 'c', 'd']);
      unwrap(await engine.write([{ kind: 'deleteRange', start: utf8('c'), end: utf8('c') }]));
      assert.deepEqual(await keysOf(engine), ['a', 'c', 'd']);
      const prefix = utf8('c');
      unwrap(await engine.write([{ kind: 'deleteRange', start: prefix, end: prefixEnd(prefix)! }]));
      assert.deepEqual(await keysOf(engine), ['a', 'd']);
    }));

  test('mutations of a batch apply in order', () =>
    withEngine(create, async (engine) => {
      unwrap(
        await engine.write([
          put('a', '1'),
          { kind: 'delete', key: utf8('a') },
          { kind: 'delete', key: utf8('b') },
          put('b', '2'),
          put('c', '3'),
          { kind: 'deleteRange', start: utf8('c'), end: utf8('d') },
          put('c', '4'),
        ]),
      );
      const values = unwrap(await engine.getMany([utf8('a'), utf8('b'), utf8('c')]));
      assert.deepEqual(values.map(text), [undefined, '2', '4']);
    }));

  test('a malformed batch is a typed error and writes nothing', () =>
    withEngine(create, async (engine) => {
      unwrap(await engine.write([put('keep', '1')]));
      const cases: { batch: Mutation[]; code: string }[] = [
        {
          batch: [put('x', '1'), { kind: 'put', key: new Uint8Array(), value: utf8('v') }],
          code: 'invalid-argument',
        },
        {
          batch: [put('x', '1'), { kind: 'deleteRange', start: utf8('z'), end: utf8('a') }],
          code: 'invalid-argument',
        },
        {
          batch: [put('x', '1'), { kind: 'bogus' } as unknown as Mutation],
          code: 'invalid-argument',
        },
        {
          batch: [put('x', '1'), { kind: 'put', key: new Uint8Array(1 << 20), value: utf8('v') }],
          code: 'limit-exceeded',
        },
        {
          batch: [put('x', '1'), { kind: 'put', key: utf8('y'), value: new Uint8Array(4 << 20) }],
          code: 'limit-exceeded',
        },
        {
          batch: Array.from({ length: 20_000 }, (_, i) => put(`x${i}`, '1')),
          code: 'limit-exceeded',
        },
      ];
      for (const { batch, code } of cases) {
        const result = await engine.write(batch);
        assert.equal(result.ok ? 'ok' : result.error.code, code);
      }
      assert.deepEqual(await keysOf(engine), ['keep']);
    }));
}

function registerSnapshotTests(create: () => Promise<EngineFixture>): void {
  test('a snapshot does not see later writes, deletes or range deletes', () =>
    withEngine(create, async (engine) => {
      unwrap(await engine.write([put('a', '1'), put('b', '2'), put('c', '3')]));
      const snapshot = unwrap(engine.snapshot());
      unwrap(
        await engine.write([
          put('a', 'changed'),
          { kind: 'delete', key: utf8('b') },
          { kind: 'deleteRange', start: utf8('c'), end: utf8('z') },
          put('d', '4'),
        ]),
      );
      assert.equal(text(unwrap(await snapshot.get(utf8('a')))), '1');
      assert.deepEqual(unwrap(await snapshot.getMany([utf8('b'), utf8('d')])).map(text), [
        '2',
        undefined,
      ]);
      assert.deepEqual(await keysOf(snapshot), ['a', 'b', 'c']);
      assert.deepEqual(await keysOf(snapshot, { reverse: true }, { itemsMax: 2, bytesMax: 100 }), [
        'c',
        'b',
      ]);
      assert.deepEqual(await keysOf(engine), ['a', 'd']);
      await snapshot.release();
      await snapshot.release();
      const released = await snapshot.get(utf8('a'));
      assert.equal(released.ok ? 'ok' : released.error.code, 'closed');
    }));
}

function registerSizeTests(create: () => Promise<EngineFixture>): void {
  test('size estimates track the bytes stored in a range', () =>
    withEngine(create, async (engine) => {
      const value = new Uint8Array(1000).fill(1);
      const keys = Array.from({ length: 300 }, (_, i) => utf8(`a${String(i).padStart(4, '0')}`));
      unwrap(await engine.write(keys.map((key) => ({ kind: 'put', key, value }))));
      unwrap(await engine.write([put('b1', 'x')]));
      unwrap(await engine.flush());
      const stored = keys.reduce((sum, key) => sum + key.length + value.length, 0);
      const whole = unwrap(await engine.approximateSizeBytes(utf8('a'), utf8('b')));
      assert.ok(whole >= stored * 0.5 && whole <= stored * 2, `estimate ${whole} for ${stored}`);
      const half = unwrap(await engine.approximateSizeBytes(utf8('a0000'), utf8('a0150')));
      assert.ok(half >= whole * 0.25 && half <= whole * 0.75, `half estimate ${half} of ${whole}`);
      const empty = unwrap(await engine.approximateSizeBytes(utf8('c'), utf8('d')));
      assert.ok(empty <= 4096, `empty range estimate ${empty}`);
      const inverted = await engine.approximateSizeBytes(utf8('b'), utf8('a'));
      assert.equal(inverted.ok ? 'ok' : inverted.error.code, 'invalid-argument');
    }));
}

function registerLifecycleTests(create: () => Promise<EngineFixture>): void {
  test('close with an open snapshot completes and later calls answer closed', () =>
    withEngine(create, async (engine) => {
      unwrap(await engine.write([put('a', '1')]));
      const snapshot = unwrap(engine.snapshot());
      unwrap(await snapshot.scan({}, { itemsMax: 1, bytesMax: 10 }));
      const pending = engine.get(utf8('a'));
      await engine.close();
      await engine.close();
      assert.equal(text(unwrap(await pending)), '1');
      for (const result of [
        await engine.get(utf8('a')),
        await engine.write([put('b', '2')]),
        await snapshot.get(utf8('a')),
      ]) {
        assert.equal(result.ok ? 'ok' : result.error.code, 'closed');
      }
      const flushed = await engine.flush();
      assert.equal(flushed.ok ? 'ok' : flushed.error.code, 'closed');
    }));

  test('flushed writes survive reopening (persistent engines)', () =>
    withEngine(create, async (engine, fixture) => {
      if (fixture.reopen === undefined) {
        unwrap(await engine.flush());
        return;
      }
      unwrap(await engine.write([put('a', '1'), put('b', '2')]));
      unwrap(await engine.write([{ kind: 'delete', key: utf8('b') }]));
      unwrap(await engine.flush());
      const reopened = await fixture.reopen();
      assert.deepEqual(await keysOf(reopened), ['a']);
      assert.equal(text(unwrap(await reopened.get(utf8('a')))), '1');
    }));
}

function registerModelTest(create: () => Promise<EngineFixture>): void {
  test('random batches agree with a sorted-array model (seeded)', () =>
    withEngine(create, async (engine) => {
      const seed = 20261127;
      const random = seededRandom(seed);
      const model = new Map<string, KeyValue>();
      const keyOf = () => new Uint8Array([random(4), random(4), random(3)].slice(0, 1 + random(3)));
      for (let round = 0; round < 120; round++) {
        const batch: Mutation[] = [];
        for (let i = 0; i < 1 + random(5); i++) batch.push(randomMutation(random, keyOf));
        unwrap(await engine.write(batch));
        for (const mutation of batch) applyToModel(model, mutation);
        const sorted = [...model.values()].sort((a, b) => compareBytes(a.key, b.key));
        const low = keyOf();
        const high = keyOf();
        const reverse = random(2) === 1;
        const range: ScanRange = { gte: low, lt: high, reverse };
        const expected = sorted.filter(
          (e) => compareBytes(e.key, low) >= 0 && compareBytes(e.key, high) < 0,
        );
        if (reverse) expected.reverse();
        const page = unwrap(await engine.scan(range, unlimited));
        assert.deepEqual(
          page.entries.map((e) => [...e.key, -1, ...e.value]),
          expected.map((e) => [...e.key, -1, ...e.value]),
          `seed ${seed} round ${round}`,
        );
      }
    }));
}

function randomMutation(random: (bound: number) => number, keyOf: () => Uint8Array): Mutation {
  const choice = random(10);
  if (choice < 6) return { kind: 'put', key: keyOf(), value: new Uint8Array([random(256)]) };
  if (choice < 9) return { kind: 'delete', key: keyOf() };
  const [start, end] = [keyOf(), keyOf()].sort(compareBytes);
  return { kind: 'deleteRange', start: start!, end: end! };
}

function applyToModel(model: Map<string, KeyValue>, mutation: Mutation): void {
  const id = (key: Uint8Array) => [...key].join(',');
  switch (mutation.kind) {
    case 'put':
      model.set(id(mutation.key), { key: mutation.key, value: mutation.value });
      return;
    case 'delete':
      model.delete(id(mutation.key));
      return;
    case 'deleteRange':
      for (const [name, entry] of model) {
        if (
          compareBytes(entry.key, mutation.start) >= 0 &&
          compareBytes(entry.key, mutation.end) < 0
        ) {
          model.delete(name);
        }
      }
      return;
  }
}
