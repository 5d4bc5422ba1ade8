import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeMessage, type RaftMessage } from '../../../lib/raft/index.js';
import { DurableWatermark, splitMessages } from './durability.js';
import type { LogResult } from './log-provider.js';

function deferred() {
  let resolve!: (result: LogResult<void>) => void;
  const promise = new Promise<LogResult<void>>((r) => (resolve = r));
  return { promise, ok: () => resolve({ ok: true, value: undefined }), resolve };
}

function message(type: RaftMessage['type'], commit: number): RaftMessage {
  return makeMessage({ type, from: 'a', to: 'b', term: 2, commit });
}

describe('durable watermark', () => {
  test('moves in queue order, whatever order the writes report in', async () => {
    const mark = new DurableWatermark(10, { term: 1, vote: '' });
    const first = deferred();
    const second = deferred();
    const a = mark.issue({ firstNew: 11, lastIndex: 12, hardState: null }, first.promise);
    const b = mark.issue(
      { firstNew: 13, lastIndex: 15, hardState: { term: 2, vote: 'a', commit: 12 } },
      second.promise,
    );
    assert.equal(mark.writesInFlight, 2);
    assert.equal(mark.termVoteDurable(), false);
    second.ok();
    await new Promise((r) => setImmediate(r));
    assert.equal(mark.index, 10, 'a later write cannot be durable before an earlier one');
    first.ok();
    assert.deepEqual(await a, { ok: true, value: undefined });
    await b;
    assert.equal(mark.index, 15);
    assert.equal(mark.writesInFlight, 0);
    assert.deepEqual(mark.durable, { term: 2, vote: 'a', commit: 12 });
    assert.equal(mark.termVoteDurable(), true);
  });

  test('entries being replaced stop counting as durable until their replacement is', async () => {
    const mark = new DurableWatermark(20, { term: 1, vote: '' });
    const older = deferred();
    const replacing = deferred();
    const a = mark.issue({ firstNew: 21, lastIndex: 22, hardState: null }, older.promise);
    const b = mark.issue({ firstNew: 15, lastIndex: 16, hardState: null }, replacing.promise);
    assert.equal(mark.index, 14, 'the suffix from 15 on is being rewritten');
    older.ok();
    await a;
    assert.equal(mark.index, 14, 'the older write is durable, but 15.. is being replaced');
    replacing.ok();
    await b;
    assert.equal(mark.index, 16);
  });

  test('a failed write fails every later one', async () => {
    const mark = new DurableWatermark(0, { term: 1, vote: '' });
    const broken = deferred();
    const a = mark.issue({ firstNew: 1, lastIndex: 1, hardState: null }, broken.promise);
    const b = mark.issue(
      { firstNew: 2, lastIndex: 2, hardState: null },
      Promise.resolve({ ok: true, value: undefined }),
    );
    broken.resolve({ ok: false, reason: 'disk on fire' });
    assert.deepEqual(await a, { ok: false, reason: 'disk on fire' });
    assert.deepEqual(await b, { ok: false, reason: 'disk on fire' });
    assert.equal(mark.index, 0);
  });
});

describe('messages sent before their Ready is durable', () => {
  test("only a leader's appends and heartbeats, with a commit index the durable log covers", () => {
    const messages = [
      message('append', 5),
      message('heartbeat', 12),
      message('appendResponse', 0),
      message('vote', 0),
      message('snapshot', 3),
      message('timeoutNow', 3),
    ];
    const led = splitMessages(messages, true, 8);
    assert.deepEqual(
      led.early.map((m) => [m.type, m.commit]),
      [
        ['append', 5],
        ['heartbeat', 8],
      ],
    );
    assert.deepEqual(
      led.late.map((m) => m.type),
      ['appendResponse', 'vote', 'snapshot', 'timeoutNow'],
    );
    const followed = splitMessages(messages, false, 8);
    assert.equal(followed.early.length, 0);
    assert.equal(followed.late.length, messages.length);
  });
});
