// One simulated server: a RawNode, its persisted MemoryStorage, and the key-value state
// machine, driven exactly like a real host drives Raft (persist, send, apply, advance).
// A crash drops everything in memory (Raft state, state machine, pending reads); only
// what the storage holds survives a restart.

import type { UnsafeTestingKnobs } from '../config.js';
import type { MemoryStorage } from '../memory-storage.js';
import { Xoshiro128 } from '../random.js';
import { RawNode } from '../raw-node.js';
import type { ConfState, Entry, NodeId, RaftMessage, ReadState, Role } from '../types.js';
import { decodeConfChange, emptyConfState } from '../types.js';
import type { KvOutput } from '../../linearizability/index.js';
import type { KvCommand } from './kv-state-machine.js';
import { KvStateMachine, decodeCommand } from './kv-state-machine.js';
import type { SafetyOracle } from './oracle.js';

/** How the simulation observes a node. */
export interface NodeHost {
  oracle: SafetyOracle;
  send(message: RaftMessage): void;
  /** A command was applied on `node` with the given result. */
  applied(node: SimNode, index: number, command: KvCommand, output: KvOutput): void;
  /** A read point is ready: the state machine has applied up to its index. */
  readReady(node: SimNode, readState: ReadState): void;
  /** A conf change was applied on `node`. */
  confChanged(node: SimNode, confState: ConfState): void;
}

/** Node-level settings. */
export interface SimNodeOptions {
  electionTicks: number;
  heartbeatTicks: number;
  maxClockDriftRatio: number;
  /** Take a snapshot after this many applied entries (then compact). */
  snapshotEveryEntries: number;
  /** Entries kept behind a snapshot, so that slightly lagging followers avoid one. */
  entriesKeptAfterSnapshot: number;
  /** Flow-control bounds, drawn per seed so small windows and messages get exercised. */
  maxSizePerMessageBytes: number;
  maxInflightMessages: number;
  knobs: UnsafeTestingKnobs;
}

/** A server in the simulation. */
export class SimNode {
  readonly id: NodeId;
  readonly storage: MemoryStorage;
  raw: RawNode | null = null;
  readonly kv = new KvStateMachine();
  applied = 0;
  confState: ConfState = emptyConfState();
  /** This node's tick length in simulator time units (clock skew). */
  tickPeriod: number;
  /** Fault injection: crash right after persisting the next Ready, before sending it. */
  crashAfterPersist = false;
  private pendingReads: ReadState[] = [];
  private lastRole: Role = 'follower';
  private lastCommit = 0;
  private readonly host: NodeHost;
  private readonly options: SimNodeOptions;

  constructor(
    id: NodeId,
    storage: MemoryStorage,
    host: NodeHost,
    options: SimNodeOptions,
    tickPeriod: number,
  ) {
    this.id = id;
    this.storage = storage;
    this.host = host;
    this.options = options;
    this.tickPeriod = tickPeriod;
  }

  get up(): boolean {
    return this.raw !== null;
  }

  /** Boots (or reboots) from storage with a fresh, seeded random source. */
  start(seed: number): void {
    const snapshot = this.storage.snapshot();
    if (typeof snapshot === 'string') throw new Error('sim: snapshot unreadable');
    this.kv.restore(snapshot.data);
    this.applied = snapshot.metadata.index;
    this.confState = structuredClone(snapshot.metadata.confState);
    this.pendingReads = [];
    this.crashAfterPersist = false;
    this.lastRole = 'follower';
    this.lastCommit = this.storage.persistedHardState().commit;
    const created = RawNode.create({
      id: this.id,
      storage: this.storage,
      random: new Xoshiro128(seed),
      electionTicks: this.options.electionTicks,
      heartbeatTicks: this.options.heartbeatTicks,
      applied: this.applied,
      maxClockDriftRatio: this.options.maxClockDriftRatio,
      // The lease mutation stretches the lease to three election timeouts.
      ...(this.options.knobs.skipLeaseBoundCheck
        ? { leaseTicks: 3 * this.options.electionTicks }
        : {}),
      maxSizePerMessageBytes: this.options.maxSizePerMessageBytes,
      maxInflightMessages: this.options.maxInflightMessages,
      unsafeTestingKnobs: this.options.knobs,
    });
    if (!created.ok) throw new Error(`sim: bad raft config: ${created.error}`);
    this.raw = created.value;
  }

  crash(): void {
    this.raw = null;
    this.pendingReads = [];
  }

  /** Handles every pending Ready, as a real host would. */
  process(): void {
    const raw = this.raw;
    if (raw === null) return;
    const oracle = this.host.oracle;
    while (raw.hasReady()) {
      const ready = raw.ready();
      if (ready.snapshot !== null) {
        this.storage.applySnapshot(ready.snapshot);
        oracle.onSnapshot(this.id, ready.snapshot);
        this.kv.restore(ready.snapshot.data);
        this.applied = ready.snapshot.metadata.index;
        this.confState = structuredClone(ready.snapshot.metadata.confState);
        this.host.confChanged(this, this.confState);
      }
      const first = ready.entries[0];
      if (first !== undefined) {
        oracle.onPersist(this.id, ready.entries, this.storage.term(first.index - 1));
        this.storage.append(ready.entries);
      }
      if (ready.hardState !== null) {
        this.storage.setHardState(ready.hardState);
        if (ready.hardState.commit > this.lastCommit) {
          oracle.onCommit(
            this.id,
            ready.hardState.term,
            this.lastCommit,
            ready.hardState.commit,
            this.storage,
          );
          this.lastCommit = ready.hardState.commit;
        }
      }
      if (this.crashAfterPersist) {
        this.crashAfterPersist = false;
        this.crash();
        return;
      }
      if (ready.softState !== null) {
        if (ready.softState.role === 'leader' && this.lastRole !== 'leader') {
          oracle.onLeader(this.id, raw.status().term, this.storage);
        }
        this.lastRole = ready.softState.role;
      }
      for (const message of ready.messages) this.host.send(message);
      for (const entry of ready.committedEntries) this.applyEntry(raw, entry);
      this.pendingReads.push(...ready.readStates);
      raw.advance();
      this.servePendingReads();
      this.maybeSnapshot();
    }
  }

  private applyEntry(raw: RawNode, entry: Entry): void {
    this.host.oracle.onApply(this.id, entry, raw.status().term);
    if (entry.index !== this.applied + 1) {
      this.host.oracle.report(
        'Apply Order',
        `node ${this.id} applied ${entry.index} after ${this.applied}`,
      );
    }
    this.applied = entry.index;
    if (entry.type === 'confChange') {
      const result = raw.applyConfChange(decodeConfChange(entry.data));
      if (result.ok) {
        this.confState = result.value;
        this.host.confChanged(this, this.confState);
      }
      return;
    }
    if (entry.data.byteLength === 0) return;
    const command = decodeCommand(entry.data);
    const output = this.kv.apply(command.input);
    this.host.applied(this, entry.index, command, output);
  }

  private servePendingReads(): void {
    if (this.pendingReads.length === 0) return;
    const waiting: ReadState[] = [];
    for (const readState of this.pendingReads) {
      if (readState.index <= this.applied) this.host.readReady(this, readState);
      else waiting.push(readState);
    }
    this.pendingReads = waiting;
  }

  private maybeSnapshot(): void {
    const snapshot = this.storage.snapshot();
    if (typeof snapshot === 'string') return;
    if (this.applied - snapshot.metadata.index < this.options.snapshotEveryEntries) return;
    const created = this.storage.createSnapshot(this.applied, this.confState, this.kv.serialize());
    if (typeof created === 'string') return;
    this.host.oracle.onSnapshot(this.id, created);
    this.storage.compact(Math.max(1, this.applied - this.options.entriesKeptAfterSnapshot));
  }
}
