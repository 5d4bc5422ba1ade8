// A minimal synchronous cluster for unit tests: perfect network, every Ready handled at
// once. (The simulator is the tool for faults; the interaction scripts for step-by-step.)

import type { RaftConfig } from './config.js';
import { MemoryStorage } from './memory-storage.js';
import { Xoshiro128 } from './random.js';
import { RawNode } from './raw-node.js';
import type { ReadState, RaftMessage } from './types.js';
import { decodeConfChange, emptyConfState } from './types.js';

/** One member of a {@link TestCluster}. */
export interface TestMember {
  raw: RawNode;
  storage: MemoryStorage;
  applied: string[];
  readStates: ReadState[];
}

/** Nodes wired by a lossless, instantaneous network. */
export class TestCluster {
  readonly members = new Map<string, TestMember>();
  private readonly overrides: Partial<RaftConfig>;

  constructor(ids: readonly string[], overrides: Partial<RaftConfig> = {}) {
    this.overrides = overrides;
    const conf = { ...emptyConfState(), voters: [...ids] };
    for (const id of ids) this.start(id, MemoryStorage.bootstrap(conf));
  }

  /** (Re)starts `id` on `storage`. */
  start(id: string, storage: MemoryStorage): TestMember {
    const snapshot = storage.snapshot();
    const applied = typeof snapshot === 'string' ? 0 : snapshot.metadata.index;
    const created = RawNode.create({
      id,
      storage,
      random: new Xoshiro128(this.members.size + 7),
      electionTicks: 10,
      heartbeatTicks: 1,
      applied,
      ...this.overrides,
    });
    if (!created.ok) throw new Error(created.error);
    const member: TestMember = { raw: created.value, storage, applied: [], readStates: [] };
    this.members.set(id, member);
    return member;
  }

  member(id: string): TestMember {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`no member ${id}`);
    return member;
  }

  /** Handles Readies and delivers messages until quiet. */
  settle(): void {
    const decoder = new TextDecoder();
    for (let round = 0; round < 200; round++) {
      const inbox: RaftMessage[] = [];
      for (const member of this.members.values()) {
        while (member.raw.hasReady()) {
          const ready = member.raw.ready();
          if (ready.snapshot !== null) member.storage.applySnapshot(ready.snapshot);
          member.storage.append(ready.entries);
          if (ready.hardState !== null) member.storage.setHardState(ready.hardState);
          inbox.push(...ready.messages);
          for (const entry of ready.committedEntries) {
            if (entry.type === 'confChange') {
              member.raw.applyConfChange(decodeConfChange(entry.data));
            } else if (entry.data.byteLength > 0) {
              member.applied.push(decoder.decode(entry.data));
            }
          }
          member.readStates.push(...ready.readStates);
          member.raw.advance();
        }
      }
      if (inbox.length === 0) return;
      for (const message of inbox) this.members.get(message.to)?.raw.step(message);
    }
    throw new Error('test cluster did not settle');
  }

  /** Ticks every member `count` times, settling after each tick. */
  tick(count: number): void {
    for (let i = 0; i < count; i++) {
      for (const member of this.members.values()) member.raw.tick();
      this.settle();
    }
  }

  /** Elects `id` (after the boot quiet period). */
  elect(id: string): TestMember {
    for (const member of this.members.values()) for (let i = 0; i < 10; i++) member.raw.tick();
    const member = this.member(id);
    member.raw.campaign();
    this.settle();
    if (member.raw.status().role !== 'leader') throw new Error(`${id} did not win`);
    return member;
  }
}
