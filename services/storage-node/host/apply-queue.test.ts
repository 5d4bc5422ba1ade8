import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Entry } from '../../../lib/raft/index.js';
import { ApplyQueue, planWrites } from './apply-queue.js';
import { encodeCommand } from './entry-codec.js';

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
