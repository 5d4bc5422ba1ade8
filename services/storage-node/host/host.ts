// The multi-Raft host: every partition replica on this node, one ticker for all of them, and
// per-peer outbound queues that batch the Raft messages of all groups into one transport call.
// The service layer (server/) calls it; it calls the transport and the engine.
import type { KeySchema } from '../../../lib/dynamo/index.js';
import { Xoshiro128, bootstrapSnapshot, type RaftMessage } from '../../../lib/raft/index.js';
import type { Engine } from '../engine/engine.js';
import {
  decodeIndex,
  decodeMeta,
  encodeIndex,
  encodeMeta,
  groupMetaRange,
  isMetaKey,
  metaKey,
  parseHashHex,
  type PartitionMeta,
  type SplitChild,
} from './partition-meta.js';
import { appliedIndexKey, partitionRange } from '../engine/storage-keys.js';
import type { LogProvider } from './log-provider.js';
import {
  Replica,
  type ReplicaAnswer,
  type ReplicaLimits,
  type ReplicaObserver,
} from './replica.js';
import { routed, type HostAnswer, type PartitionAddress } from './routing.js';

/** One Raft message of one group, as exchanged between nodes. */

/** Ticks a split child's first leader keeps campaigning (its peers may not have it yet). */
const CHILD_CAMPAIGN_TICKS = 10;
export interface AddressedMessage {
  readonly partitionId: string;
  readonly message: RaftMessage;
}

/** Sends batches of messages to other nodes (gRPC streams, or an in-process network). */
export interface MessageSender {
  /** Hands one batch for `toNodeId` to the transport; never throws, may drop. */
  send(toNodeId: string, messages: readonly AddressedMessage[]): void;
}

/** Options of a host. Every limit has a default. */
export interface HostOptions {
  readonly nodeId: string;
  readonly engine: Engine;
  readonly logs: LogProvider;
  readonly sender: MessageSender;
  /** Seed for election timeouts (tests pass fixed seeds). */
  readonly seed: number;
  readonly limits?: Partial<ReplicaLimits>;
  /** Most messages queued for one peer between two flushes; more are dropped (Raft resends). */
  readonly peerQueueMessagesMax?: number;
  /** Most replicas on this node. */
  readonly replicasMax?: number;
  readonly observe?: Partial<HostObserver>;
  /** Monotonic milliseconds for metric durations (defaults to performance.now). */
  readonly clock?: () => number;
  /**
   * Runs a task after the current event-loop turn (defaults to setImmediate): the flush of the
   * outbound queues, and each replica's Ready loop, so that everything that arrived in one turn
   * goes into one Ready and one batch per peer.
   */
  readonly defer?: (task: () => void) => void;
}

/** Metric hooks of the host (replica hooks plus transport figures). */
export interface HostObserver extends ReplicaObserver {
  messagesDropped(count: number): void;
  batchSent(messages: number): void;
}

const defaultLimits: ReplicaLimits = {
  electionTicks: 10,
  heartbeatTicks: 2,
  proposalsInFlightMax: 4096,
  readsInFlightMax: 4096,
  requestTimeoutTicks: 100,
};

const noop = (): void => {};
const silentObserver: HostObserver = {
  proposed: noop,
  applied: noop,
  becameLeader: noop,
  election: noop,
  leaderChanged: noop,
  logSync: noop,
  committed: noop,
  applyBatch: noop,
  snapshotSent: noop,
  snapshotInstalled: noop,
  messagesDropped: noop,
  batchSent: noop,
};

/** A member of a new partition's replica set. */
export interface ReplicaMember {
  readonly nodeId: string;
  readonly address: string;
  readonly learner: boolean;
}

/** What CreateReplica carries. */
export interface CreateReplicaParams {
  readonly tableId: string;
  readonly tableName: string;
  readonly schema: KeySchema;
  readonly partitionId: string;
  readonly hashStart: Uint8Array;
  readonly hashEnd: Uint8Array | undefined;
  readonly epoch: number;
  readonly members: readonly ReplicaMember[];
}

/** The node's partition replicas. */
export class StorageHost {
  private readonly replicas = new Map<string, Replica>();
  /**
   * Replicas that could not restart (a corrupted log record, say): not running, reported as
   * stopped with the reason, answered PartitionUnavailable, until DropReplica forgets them
   * (then the control plane may re-create them from their peers). The node's other replicas
   * keep serving.
   */
  private readonly broken = new Map<string, { meta: PartitionMeta; reason: string }>();
  /** Split children this node campaigns for, with the ticks of campaigning left. */
  private readonly childCampaigns = new Map<string, number>();
  private readonly outbound = new Map<string, AddressedMessage[]>();
  /** Tasks for the next turn, and whether one is scheduled. */
  private readonly turnTasks: (() => void)[] = [];
  private turnScheduled = false;
  private nextGroupNumber = 1;
  private closed = false;
  /** Node id → gRPC address of every peer this node has heard of. */
  readonly addresses = new Map<string, string>();
  private readonly limits: ReplicaLimits;
  private readonly observe: HostObserver;
  private readonly random: Xoshiro128;

  private constructor(private readonly options: HostOptions) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.observe = { ...silentObserver, ...options.observe };
    this.random = new Xoshiro128(options.seed);
  }

  /** Opens the host and restarts every replica recorded in the engine. */
  static async open(options: HostOptions): Promise<StorageHost> {
    const host = new StorageHost(options);
    const page = await options.engine.scan(groupMetaRange, {
      itemsMax: 100_000,
      bytesMax: 1 << 30,
    });
    if (!page.ok)
      throw new Error(`storage host: cannot read partition metadata: ${page.error.message}`);
    for (const entry of page.value.entries) {
      if (!isMetaKey(entry.key)) continue;
      const meta = decodeMeta(entry.value);
      const applied = await options.engine.get(appliedIndexKey(meta.groupNumber));
      if (!applied.ok) throw new Error(`storage host: ${applied.error.message}`);
      await host.restart(meta, decodeIndex(applied.value));
    }
    return host;
  }

  /** This node's id. */
  get nodeId(): string {
    return this.options.nodeId;
  }

  /** Every replica hosted here. */
  allReplicas(): Replica[] {
    return [...this.replicas.values()];
  }

  /** The replica of a partition, if hosted. */
  replica(partitionId: string): Replica | undefined {
    return this.replicas.get(partitionId);
  }

  /** One tick of the node's single ticker, for every replica. */
  tick(): void {
    for (const replica of this.replicas.values()) replica.tick();
    for (const [partitionId, ticksLeft] of this.childCampaigns) {
      const child = this.replicas.get(partitionId);
      if (child === undefined || child.leaderId !== '' || ticksLeft <= 0) {
        this.childCampaigns.delete(partitionId);
        continue;
      }
      // Pre-votes that reached peers before they applied the split were dropped: ask again.
      child.campaign();
      this.childCampaigns.set(partitionId, ticksLeft - 1);
    }
  }

  /** Delivers a batch received from `fromNodeId`. Messages of unknown groups are dropped. */
  receive(messages: readonly AddressedMessage[]): void {
    for (const { partitionId, message } of messages) {
      this.replicas.get(partitionId)?.step(message);
    }
  }

  /** Routes a request to its replica, or says why it cannot be served here. */
  resolve(address: PartitionAddress): HostAnswer<Replica> {
    const replica = this.replicas.get(address.partitionId);
    const broken = this.broken.get(address.partitionId);
    if (broken !== undefined && broken.meta.tableId === address.tableId)
      return routed({ kind: 'unavailable', reason: broken.reason });
    if (replica === undefined || replica.meta.tableId !== address.tableId) {
      return routed({
        kind: 'wrong-partition',
        partitionId: address.partitionId,
        hashStart: undefined,
        hashEnd: undefined,
        epoch: 0,
      });
    }
    if (replica.stopped !== undefined)
      return routed({ kind: 'unavailable', reason: replica.stopped });
    const meta = replica.meta;
    if (address.epoch < meta.epoch) return routed(this.wrongPartition(replica));
    if (address.epoch > meta.epoch)
      return routed({ kind: 'unavailable', reason: `replica at epoch ${meta.epoch} is behind` });
    return { kind: 'ok', value: replica };
  }

  /** The WrongPartition condition describing a replica's current range. */
  wrongPartition(replica: Replica) {
    const meta = replica.meta;
    return {
      kind: 'wrong-partition' as const,
      partitionId: meta.partitionId,
      hashStart: meta.hashStart,
      hashEnd: meta.hashEnd,
      epoch: meta.epoch,
    };
  }

  /** Maps a replica's refusal to a routing answer. */
  refusal<T>(answer: Exclude<ReplicaAnswer<unknown>, { kind: 'done' }>): HostAnswer<T> {
    if (answer.kind === 'unavailable')
      return routed({ kind: 'unavailable', reason: answer.reason });
    return routed({
      kind: 'not-leader',
      leaderId: answer.leaderId,
      leaderAddress: this.addresses.get(answer.leaderId) ?? '',
      term: answer.term,
    });
  }

  /** Creates a replica of a partition on this node (idempotent for the same partition). */
  async createReplica(params: CreateReplicaParams): Promise<HostAnswer<null>> {
    const broken = this.broken.get(params.partitionId);
    if (broken !== undefined)
      return routed({ kind: 'unavailable', reason: `${broken.reason} (drop it first)` });
    const existing = this.replicas.get(params.partitionId);
    if (existing !== undefined) {
      if (!isLeftover(existing, params, this.nodeId)) return { kind: 'ok', value: null };
      // A replica this node kept from an earlier membership that never learned it was removed:
      // asked to join as a learner, it starts fresh instead of posing as a caught-up member.
      await this.destroyReplica(params.partitionId);
    }
    if (this.replicas.size >= (this.options.replicasMax ?? 10_000))
      return routed({ kind: 'unavailable', reason: 'node holds its maximum number of replicas' });
    const self = params.members.find((member) => member.nodeId === this.nodeId);
    if (self === undefined)
      return routed({ kind: 'unavailable', reason: 'this node is not in the replica set' });
    for (const member of params.members) this.addresses.set(member.nodeId, member.address);
    const voters = params.members.filter((m) => !m.learner).map((m) => m.nodeId);
    const meta: PartitionMeta = {
      partitionId: params.partitionId,
      groupNumber: this.nextGroupNumber++,
      tableId: params.tableId,
      tableName: params.tableName,
      schema: params.schema,
      hashStart: params.hashStart,
      hashEnd: params.hashEnd,
      epoch: params.epoch,
      initialVoters: voters,
      addresses: Object.fromEntries(params.members.map((m) => [m.nodeId, m.address])),
    };
    // A founding voter starts from the bootstrap snapshot; a learner joins with an empty log
    // and catches up from the leader's snapshot.
    const learners = params.members.filter((m) => m.learner).map((m) => m.nodeId);
    const founding = !self.learner;
    const started = await this.start(meta, founding ? 1 : 0, founding, learners);
    return started.ok
      ? { kind: 'ok', value: null }
      : routed({ kind: 'unavailable', reason: started.reason });
  }

  private async restart(meta: PartitionMeta, engineApplied: number): Promise<void> {
    this.nextGroupNumber = Math.max(this.nextGroupNumber, meta.groupNumber + 1);
    for (const [nodeId, address] of Object.entries(meta.addresses))
      this.addresses.set(nodeId, address);
    const opened = this.options.logs.open(meta.groupNumber);
    // A split child whose engine record survived a crash that its log bootstrap did not.
    const empty = opened.ok && opened.value.storage.lastIndex() === 0;
    const bootstrap = empty && engineApplied >= 1;
    const started = await this.start(meta, engineApplied, bootstrap, []);
    if (!started.ok)
      this.broken.set(meta.partitionId, {
        meta,
        reason: `cannot restart ${meta.partitionId}: ${started.reason}`,
      });
  }

  /** Replicas that could not restart, with why (see `broken`). */
  brokenReplicas(): { meta: PartitionMeta; reason: string }[] {
    return [...this.broken.values()];
  }

  /**
   * Forgets a replica that could not restart: deletes its items, metadata and log here, so the
   * partition can be created on this node again. Answers whether there was one.
   */
  async forgetBroken(partitionId: string): Promise<boolean> {
    const broken = this.broken.get(partitionId);
    if (broken === undefined) return false;
    const { meta } = broken;
    const range = partitionRange(meta.tableId, meta.hashStart, meta.hashEnd);
    const written = await this.options.engine.write([
      { kind: 'deleteRange', start: range.start, end: range.end },
      { kind: 'delete', key: metaKey(meta.groupNumber) },
      { kind: 'delete', key: appliedIndexKey(meta.groupNumber) },
    ]);
    if (!written.ok) return false;
    this.options.logs.remove(meta.groupNumber);
    this.broken.delete(partitionId);
    return true;
  }

  private async start(
    meta: PartitionMeta,
    engineApplied: number,
    bootstrap: boolean,
    learners: readonly string[],
    fresh = true,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (fresh) {
      // Metadata first, flushed: a log group whose replica the engine forgot in a crash would
      // come back as a fresh member that may vote twice; the reverse is re-bootstrapped.
      const engine = this.options.engine;
      const written = await engine.write([
        { kind: 'put', key: metaKey(meta.groupNumber), value: encodeMeta(meta) },
        { kind: 'put', key: appliedIndexKey(meta.groupNumber), value: encodeIndex(engineApplied) },
      ]);
      if (!written.ok) return { ok: false, reason: written.error.message };
      const flushed = await engine.flush();
      if (!flushed.ok) return { ok: false, reason: flushed.error.message };
    }
    const logs = this.options.logs;
    const log = bootstrap
      ? await logs.bootstrap(
          meta.groupNumber,
          bootstrapSnapshot({
            voters: [...meta.initialVoters],
            learners: [...learners],
            votersOutgoing: [],
            learnersNext: [],
            autoLeave: false,
          }),
        )
      : logs.open(meta.groupNumber);
    if (!log.ok) return log;
    const created = Replica.create(this.environment(), meta, log.value, engineApplied);
    if (!created.ok) return created;
    this.replicas.set(meta.partitionId, created.value);
    return { ok: true };
  }

  private environment() {
    return {
      nodeId: this.nodeId,
      engine: this.options.engine,
      limits: this.limits,
      random: this.random,
      observe: this.observe,
      now: this.options.clock ?? (() => performance.now()),
      defer: (task: () => void) => this.defer(task),
      send: (partitionId: string, messages: readonly RaftMessage[]) =>
        this.enqueue(partitionId, messages),
      startChild: async (child: PartitionMeta, parentLeads: boolean) => {
        const started = await this.start(child, 1, true, []);
        if (!started.ok)
          throw new Error(`cannot start split child ${child.partitionId}: ${started.reason}`);
        // The parent's leader campaigns for the child at once (a few ticks at most), so the
        // child does not sit leaderless for an election timeout after every split.
        if (parentLeads) {
          this.replicas.get(child.partitionId)?.campaign();
          this.childCampaigns.set(child.partitionId, CHILD_CAMPAIGN_TICKS);
        }
      },
      adoptChildren: async (parent: PartitionMeta, children: readonly SplitChild[]) => {
        for (const child of children) {
          if (this.replicas.has(child.partitionId)) continue;
          const hashStart = parseHashHex(child.hashStartHex);
          const hashEnd = parseHashHex(child.hashEndHex);
          if (hashStart === null || hashStart === undefined || hashEnd === null) continue;
          const meta: PartitionMeta = {
            ...parent,
            partitionId: child.partitionId,
            groupNumber: this.nextGroupNumber++,
            hashStart,
            hashEnd,
            epoch: child.epoch,
            initialVoters: [...child.voters],
            children: [],
          };
          // Empty and not bootstrapped: this node never took part in the child group (it never
          // applied the split), so it joins with no log and no promises, and the child's
          // leader fills it with a snapshot; its configuration comes from that snapshot.
          const started = await this.start(meta, 0, false, []);
          if (!started.ok)
            throw new Error(`cannot adopt split child ${child.partitionId}: ${started.reason}`);
        }
      },
      allocateGroupNumber: () => this.nextGroupNumber++,
      learnAddresses: (addresses: Readonly<Record<string, string>>) => {
        for (const [nodeId, address] of Object.entries(addresses))
          this.addresses.set(nodeId, address);
      },
    };
  }

  /** Removes a replica from this node: stops it, deletes its data, forgets its log. */
  async destroyReplica(partitionId: string): Promise<void> {
    const replica = this.replicas.get(partitionId);
    if (replica === undefined) return;
    this.replicas.delete(partitionId);
    await replica.destroy();
    this.options.logs.remove(replica.meta.groupNumber);
  }

  /** Destroys the replicas that a membership change removed from their group. */
  async collectRemoved(): Promise<number> {
    let count = 0;
    for (const replica of [...this.replicas.values()]) {
      if (!replica.removed) continue;
      await this.destroyReplica(replica.meta.partitionId);
      count++;
    }
    return count;
  }

  private enqueue(partitionId: string, messages: readonly RaftMessage[]): void {
    if (this.closed) return;
    const queueMax = this.options.peerQueueMessagesMax ?? 4096;
    let dropped = 0;
    for (const message of messages) {
      let queue = this.outbound.get(message.to);
      if (queue === undefined) {
        queue = [];
        this.outbound.set(message.to, queue);
      }
      if (queue.length >= queueMax) {
        dropped++;
        continue;
      }
      queue.push({ partitionId, message });
    }
    if (dropped > 0) this.observe.messagesDropped(dropped);
    this.scheduleTurn();
  }

  /** Sends every queued batch: one call per peer node, whatever the number of groups. */
  flush(): void {
    for (const [nodeId, queue] of this.outbound) {
      if (queue.length === 0) continue;
      this.outbound.set(nodeId, []);
      this.observe.batchSent(queue.length);
      this.options.sender.send(nodeId, queue);
    }
  }

  /** Runs `task` in the next turn of the host (see {@link runTurn}). */
  private defer(task: () => void): void {
    this.turnTasks.push(task);
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    const run = (): void => this.runTurn();
    if (this.options.defer !== undefined) this.options.defer(run);
    else setImmediate(run);
  }

  /**
   * One turn, after the event-loop turn that asked for it: every deferred task (replicas' Ready
   * loops), then one flush of the outbound queues, so the messages a Ready sends at once (a
   * leader's appends) leave in the same turn, batched per peer across groups.
   */
  private runTurn(): void {
    let failure: unknown;
    for (const task of this.turnTasks.splice(0)) {
      try {
        task();
      } catch (error) {
        // A bug in one replica must not strand the others' tasks or the flush.
        failure ??= error;
      }
    }
    this.flush();
    this.turnScheduled = false;
    // Deferred while the turn ran (a replica asking to run again): the next turn.
    if (this.turnTasks.length > 0) this.scheduleTurn();
    if (failure !== undefined) throw failure;
  }

  /** A consistent read view of the engine for one read request. */
  engineSnapshot() {
    return this.options.engine.snapshot();
  }

  /** Stops every replica (their waiting requests answer unavailable). */
  close(): void {
    this.closed = true;
    for (const replica of this.replicas.values()) replica.stop('node shutting down');
  }
}

/**
 * Whether `existing` is a leftover of an earlier membership rather than an earlier attempt of
 * this same CreateReplica: the request makes this node a learner, but the replica's own
 * configuration names it as a voter, or is known and leaves it out. (A learner created a moment
 * ago and still waiting for its first snapshot has an empty configuration and is kept.)
 */
function isLeftover(existing: Replica, params: CreateReplicaParams, nodeId: string): boolean {
  const requested = params.members.find((member) => member.nodeId === nodeId);
  if (requested?.learner !== true) return false;
  const conf = existing.status().confState;
  if (conf.voters.includes(nodeId) || conf.votersOutgoing.includes(nodeId)) return true;
  const known = conf.voters.length + conf.votersOutgoing.length > 0;
  return known && !conf.learners.includes(nodeId) && !conf.learnersNext.includes(nodeId);
}
