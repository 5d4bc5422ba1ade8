// The snapshot image envelope: deterministic bytes, and every kind of damage refused with a
// reason (a flipped byte anywhere, truncation, another version, a foreign file).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyCommand } from '../core/commands/index.js';
import { createControlConfig } from '../core/config.js';
import { createInitialState, encodeState } from '../core/state.js';
import type { ControlState } from '../core/state.js';
import { decodeSnapshotImage, encodeSnapshotImage, snapshotImageHeader } from './snapshot-file.js';

const config = createControlConfig({ initialPartitionsPerTable: 2 });

function sampleState(): ControlState {
  let state = createInitialState();
  for (const nodeId of ['s1', 's2', 's3']) {
    state = applyCommand(
      state,
      { type: 'register-node', nodeId, address: `${nodeId}:1`, zone: 'z1', nowMs: 5 },
      { config },
    ).state;
  }
  return state;
}

describe('snapshot image', () => {
  it('round-trips the state with its index and term, byte for byte the same every time', () => {
    const state = sampleState();
    const bytes = encodeSnapshotImage(42, 7, state);
    assert.deepEqual(encodeSnapshotImage(42, 7, structuredClone(state)), bytes);
    const decoded = decodeSnapshotImage(bytes);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.index, 42);
    assert.equal(decoded.value.term, 7);
    assert.deepEqual(encodeState(decoded.value.state), encodeState(state));
    assert.deepEqual(snapshotImageHeader(bytes), { ok: true, value: { index: 42, term: 7 } });
  });

  it('refuses a flipped byte anywhere in the image', () => {
    const bytes = encodeSnapshotImage(3, 1, sampleState());
    for (const offset of [0, 9, 13, 20, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const damaged = bytes.slice();
      damaged[offset] = (damaged[offset] ?? 0) ^ 0x10;
      const decoded = decodeSnapshotImage(damaged);
      assert.equal(decoded.ok, false, `offset ${offset}`);
      assert.match(decoded.ok ? '' : decoded.message, /magic|version|checksum/);
    }
  });

  it('refuses truncated images, other versions and foreign files', () => {
    const bytes = encodeSnapshotImage(3, 1, sampleState());
    const truncated = decodeSnapshotImage(bytes.subarray(0, bytes.length - 1));
    assert.equal(truncated.ok, false);
    assert.equal(decodeSnapshotImage(new Uint8Array(10)).ok, false);
    const foreign = decodeSnapshotImage(new TextEncoder().encode('{"formatVersion":1}'.repeat(4)));
    assert.match(foreign.ok ? '' : foreign.message, /bad magic/);
    const versioned = bytes.slice();
    new DataView(versioned.buffer).setUint32(8, 2, true);
    assert.match(
      (() => {
        const decoded = decodeSnapshotImage(versioned);
        return decoded.ok ? '' : decoded.message;
      })(),
      /version 2/,
    );
  });
});
