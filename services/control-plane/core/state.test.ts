import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCommand, encodeCommand } from './commands/index.js';
import type { Command } from './commands/index.js';
import { decodeState, encodeState, findTableByName, lookup } from './state.js';
import { clusterWith, tableInput, testContext, withActiveTable } from './test-support.js';

const context = testContext();

describe('serialisation', () => {
  test('a state snapshot round-trips byte for byte', () => {
    const state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
    const bytes = encodeState(state);
    const decoded = decodeState(bytes);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, state);
    assert.deepEqual(encodeState(decoded.value), bytes);
  });

  test('malformed snapshots are typed errors', () => {
    for (const text of [
      'not json',
      '[]',
      '{"formatVersion":2}',
      '{"formatVersion":1,"mapEpoch":"x"}',
    ]) {
      const result = decodeState(new TextEncoder().encode(text));
      assert.equal(result.ok, false, text);
    }
  });

  test('commands round-trip; unknown types and envelopes are refused', () => {
    const command: Command = {
      type: 'create-table',
      tableId: 't',
      input: tableInput('Music'),
      nowMs: 5,
    };
    const decoded = decodeCommand(encodeCommand(command));
    assert.deepEqual(decoded, { ok: true, value: command });
    const bad = [
      '{"v":2,"command":{}}',
      '{"v":1,"command":{"type":"explode","nowMs":1}}',
      '{"v":1,"command":{"type":"drain-node"}}',
      '\u00ff',
    ];
    for (const text of bad)
      assert.equal(decodeCommand(new TextEncoder().encode(text)).ok, false, text);
    assert.equal(decodeCommand(new Uint8Array(2 * 1024 * 1024)).ok, false);
  });

  test('lookups are not fooled by inherited property names', () => {
    const state = clusterWith(context, ['n1']);
    assert.equal(findTableByName(state, 'toString'), undefined);
    assert.equal(lookup(state.nodes, '__proto__'), undefined);
  });
});
