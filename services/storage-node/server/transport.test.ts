// Exchange batches stay under gRPC's message bound: a turn's messages are split by entry bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byEntryBytes } from './transport.js';

const message = (id: number, ...sizes: number[]) => ({
  id,
  message: { entries: sizes.map((size) => ({ data: new Uint8Array(size) })) },
});

test('messages keep their order in runs of at most the bound; one message always goes', () => {
  const parts = byEntryBytes(
    [message(1, 2, 2), message(2), message(3, 10), message(4, 1), message(5, 4)],
    5,
  );
  assert.deepEqual(
    parts.map((part) => part.map((m) => m.id)),
    [[1, 2], [3], [4, 5]],
  );
  assert.deepEqual(byEntryBytes([], 5), []);
});
