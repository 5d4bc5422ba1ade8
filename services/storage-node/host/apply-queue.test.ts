import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Entry } from '../../../lib/raft/index.js';
import { ApplyQueue, planWrites } from './apply-queue.js';
import { decodeCommand, encodeCommand } from './entry-codec.js';

function entry(index: number, data: Uint8Array, type: Entry['type'] = 'normal'): Entry {
  return { index, term: 1, type, data };
}

const write = encodeCommand({ kind: 'write', operation: 'PutItem', request: { TableName: 'T' } });
const split = encodeCommand({ kind: 'split', splitHash: '80', newPartitionId: 'p2', epoch: 2 });

describe('apply queue', () => {
  test('runs tasks one at a time in queue order; a failure is reported and the rest still run', async () => {
    const queue = new ApplyQueue();
    const log: string[] = [];
    const failures: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.enqueue(async () => {
      await gate;
      log.push('first');
    }, failures.push.bind(failures));
    queue.enqueue(() => Promise.reject(new Error('boom')), failures.push.bind(failures));
    queue.enqueue(() => {
      log.push('third');
      return Promise.resolve();
    }, failures.push.bind(failures));
    assert.equal(queue.size, 3);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, [], 'the second and third wait for the first');
    release();
    await queue.idle();
    assert.deepEqual(log, ['first', 'third']);
    assert.equal(failures.length, 1);
    assert.equal(queue.size, 0);
  });

  test('only client writes the engine does not hold yet are planned for the queue', () => {
    const writes = planWrites([entry(5, write), entry(6, write)], 4);
    assert.deepEqual(
      writes?.map((w) => [w.entry.index, w.command.kind === 'write' ? w.command.operation : '']),
      [
        [5, 'PutItem'],
        [6, 'PutItem'],
      ],
    );
    assert.equal(planWrites([entry(5, write), entry(6, split)], 4), undefined);
    assert.equal(planWrites([entry(5, new Uint8Array(0))], 4), undefined, 'a no-op');
    assert.equal(planWrites([entry(5, write, 'confChange')], 4), undefined);
    assert.equal(planWrites([entry(4, write)], 4), undefined, 'replayed: the engine has it');
    assert.deepEqual(planWrites([], 4), []);
  });
});

test('a blind batch round-trips through its binary entry form; malformed bytes decode to nothing', () => {
  const writes = [
    { key: new Uint8Array([1, 2, 3]), value: new Uint8Array(300).fill(7) },
    { key: new Uint8Array([4]), value: undefined },
    { key: new Uint8Array(0), value: new Uint8Array(0) },
  ];
  const data = encodeCommand({ kind: 'blind-batch', writes });
  assert.equal(data[0], 0x01);
  assert.deepEqual(decodeCommand(data), { kind: 'blind-batch', writes });
  assert.equal(decodeCommand(data.subarray(0, data.length - 1)), undefined, 'truncated');
  assert.equal(decodeCommand(new Uint8Array([...data, 0])), undefined, 'trailing bytes');
  const badOperation = data.slice();
  badOperation[2] = 9;
  assert.equal(decodeCommand(badOperation), undefined, 'unknown operation');
  assert.equal(decodeCommand(new Uint8Array([0x01, 0xff, 0x01])), undefined, 'too many writes');
});
