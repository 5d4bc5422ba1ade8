// One routed storage call: find the partition owning a hash in the cached map, call the right
// replica, and act on the routing answer — NotLeader (retry at the hint), WrongPartition
// (refresh the map, retry), PartitionUnavailable or a transport failure (retry, another
// replica) — inside `withRetries`' bounds and the request's deadline. Eventually consistent
// reads may go to any voter: when the first is down the call fails over at once, and when it
// is slow (past `hedgeAfterMs`) a second one is asked too and the first answer wins.

import type { GenService } from '@bufbuild/protobuf/codegenv2';
import { DynamoError } from '../../../lib/dynamo/index.js';
import type { ErrorDetail } from '../../../lib/gen/tessera/v1/error_detail_pb.js';
import { Storage, type RoutingError } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import {
  GrpcError,
  GrpcStatus,
  type ClientPool,
  type ServiceClient,
} from '../../../lib/grpc/index.js';
import type { BackendResult, TableInfo } from '../backend.js';
import type { HashHex } from '../routing/hash-space.js';
import type { PartitionEntry, PartitionMapCache } from '../routing/partition-map.js';
import {
  withRetries,
  type AttemptOutcome,
  type RetryPolicyOptions,
} from '../routing/retry-policy.js';
import { decodeAnswer, type MethodsOf } from './convert.js';

/** A typed client of `tessera.storage.v1.Storage`. */
export type StorageClient = ServiceClient<MethodsOf<typeof Storage>>;

/** What the data path reports, for `tessera_router_*` metrics. */
export interface DataPathObserver {
  /** A retry after a routing answer: not_leader, wrong_partition, unavailable. */
  retried(operation: string, reason: string): void;
  /** One gRPC call to a storage node finished (successfully or not). */
  storageCall(method: string, durationSeconds: number): void;
}

/** The environment of the data path: clock, randomness, sleep, channels, map. */
export interface DataPathEnvironment {
  readonly pool: ClientPool;
  readonly cache: PartitionMapCache;
  /** Fetches a newer map after WrongPartition (the watcher's `refresh`). */
  readonly refreshMap: () => Promise<boolean>;
  readonly nowMs: () => number;
  readonly random: () => number;
  readonly sleep: (delayMs: number) => Promise<void>;
  readonly retryPolicy: RetryPolicyOptions;
  /** Time one request may take in the backend, retries included. */
  readonly requestTimeoutMs: number;
  /**
   * An eventually consistent read slower than this also asks a second replica (a real timer:
   * hedging is about wall-clock latency).
   */
  readonly hedgeAfterMs: number;
  readonly observer?: DataPathObserver;
}

/** The answer shape of every Storage method. */
export interface StorageAnswer<R> {
  readonly response?: R;
  readonly error?: ErrorDetail;
  readonly routingError?: RoutingError;
}

/** The partition reference a storage request carries. */
export interface PartitionRefInit {
  readonly tableId: string;
  readonly partitionId: string;
  readonly epoch: bigint;
}

/** One routed call. */
export interface StorageCallSpec<R, T> {
  /** DynamoDB operation name, for metrics. */
  readonly operation: string;
  readonly table: TableInfo;
  /** The hash whose owning partition is called. */
  readonly hash: HashHex;
  /** True for eventually consistent reads, which any voter may answer. */
  readonly anyReplica: boolean;
  /** True for writes: not resent after a failure that may have delivered them. */
  readonly write: boolean;
  readonly invoke: (
    client: StorageClient,
    ref: PartitionRefInit,
    partition: PartitionEntry,
    timeoutMs: number,
  ) => Promise<StorageAnswer<R>>;
  readonly decode: (response: R, partition: PartitionEntry) => T;
}

type CallResult<R> =
  | { readonly kind: 'answer'; readonly value: StorageAnswer<R>; readonly address: string }
  | {
      readonly kind: 'failed';
      readonly message: string;
      readonly address: string;
      /** True when the request may have reached the node (anything but UNAVAILABLE). */
      readonly maybeDelivered: boolean;
    };

/** Voters of a partition, the leader (or the one after `rotation`) first. */
export function orderedVoters(partition: PartitionEntry, rotation: number): string[] {
  const voters = partition.replicas.filter((replica) => !replica.learner);
  const leaderIndex = voters.findIndex((replica) => replica.nodeId === partition.leaderNodeId);
  const first = (Math.max(0, leaderIndex) + rotation) % Math.max(1, voters.length);
  return voters.map((_, index) => voters[(first + index) % voters.length]!.address);
}

/** Resolves with the first `answer` among `calls`, else the last failure. Never rejects. */
function firstAnswer<R>(calls: readonly Promise<CallResult<R>>[]): Promise<CallResult<R>> {
  return new Promise((resolve) => {
    let failures = 0;
    for (const call of calls) {
      void call.then((result) => {
        if (result.kind === 'answer') resolve(result);
        else if ((failures += 1) === calls.length) resolve(result);
      });
    }
  });
}

/** `call`'s result, or undefined when `delayMs` passes first (the timer is always cleared). */
async function raceTimer<T>(call: Promise<T>, delayMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), delayMs);
  });
  try {
    return await Promise.race([call, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs routed storage calls for one backend. */
export class StorageCaller {
  /** @param environment channels, map, clock and limits. */
  constructor(private readonly environment: DataPathEnvironment) {}

  /**
   * The id of the partition the cached map says owns `hash`, if the map knows the table (for
   * grouping a batch by partition; the call itself still routes, retries and refreshes).
   */
  partitionOf(tableName: string, hash: HashHex): string | undefined {
    return this.environment.cache.findPartition(tableName, hash)?.partitionId;
  }

  private async callOne<R, T>(
    spec: StorageCallSpec<R, T>,
    address: string,
    partition: PartitionEntry,
    deadlineMs: number,
  ): Promise<CallResult<R>> {
    const { pool, nowMs, observer } = this.environment;
    const started = performance.now();
    const ref = {
      tableId: spec.table.tableId,
      partitionId: partition.partitionId,
      epoch: partition.epoch,
    };
    try {
      const client = pool.client(Storage as GenService<MethodsOf<typeof Storage>>, address);
      const timeoutMs = Math.max(1, deadlineMs - nowMs());
      return {
        kind: 'answer',
        value: await spec.invoke(client, ref, partition, timeoutMs),
        address,
      };
    } catch (thrown) {
      const error = GrpcError.from(thrown);
      return {
        kind: 'failed',
        message: `${address}: ${error.codeName} ${error.message}`,
        address,
        maybeDelivered: error.code !== GrpcStatus.UNAVAILABLE,
      };
    } finally {
      observer?.storageCall(spec.operation, (performance.now() - started) / 1000);
    }
  }

  /** Asks the first target; for any-replica reads, fails over or hedges to the others. */
  private async callTargets<R, T>(
    spec: StorageCallSpec<R, T>,
    targets: readonly string[],
    partition: PartitionEntry,
    deadlineMs: number,
  ): Promise<CallResult<R>> {
    const first = this.callOne(spec, targets[0]!, partition, deadlineMs);
    if (!spec.anyReplica || targets.length === 1) return first;
    const calls = [first];
    const early = await raceTimer(first, this.environment.hedgeAfterMs);
    if (early !== undefined && early.kind === 'answer') return early;
    // The first replica failed (move on to the next) or is slow (ask the next as well).
    if (early !== undefined) calls.length = 0;
    for (const address of targets.slice(1)) {
      calls.push(this.callOne(spec, address, partition, deadlineMs));
      const result = await firstAnswer(calls);
      if (result.kind === 'answer') return result;
      calls.length = 0;
    }
    return first;
  }

  /** Calls the partition owning `spec.hash`, retrying on routing answers within bounds. */
  async call<R, T>(spec: StorageCallSpec<R, T>): Promise<BackendResult<T>> {
    const { nowMs, random, sleep, retryPolicy, requestTimeoutMs, observer } = this.environment;
    const deadlineMs = nowMs() + requestTimeoutMs;
    const state = { hint: undefined as string | undefined, rotation: 0 };
    const retryEnvironment = {
      nowMs,
      random,
      sleep,
      onRetry: (reason: string) => observer?.retried(spec.operation, reason),
    };
    return withRetries(retryPolicy, deadlineMs, retryEnvironment, (attempt) =>
      this.attempt(spec, deadlineMs, state, attempt),
    );
  }

  private async attempt<R, T>(
    spec: StorageCallSpec<R, T>,
    deadlineMs: number,
    state: { hint: string | undefined; rotation: number },
    attempt: number,
  ): Promise<AttemptOutcome<BackendResult<T>>> {
    const { cache } = this.environment;
    const partition = cache.findPartition(spec.table.tableName, spec.hash);
    if (partition === undefined) return missingPartition(spec.table, cache.ready);
    const voters = orderedVoters(partition, state.rotation);
    const targets = [...new Set(state.hint === undefined ? voters : [state.hint, ...voters])];
    state.hint = undefined;
    if (targets.length === 0) {
      return retry('unavailable', `partition ${partition.partitionId} has no voters in the map`);
    }
    const result = await this.callTargets(spec, targets, partition, deadlineMs);
    if (result.kind === 'failed') {
      // A write that may have been applied (a deadline passed, not a refused connection) is
      // not sent again: repeating it could apply it twice or fail its own condition.
      if (spec.write && result.maybeDelivered) {
        return { done: true, value: { kind: 'unavailable', reason: result.message } };
      }
      // The replica may be down: the next attempt starts at the next voter.
      state.rotation += 1;
      return retry(
        'unavailable',
        `storage call failed after ${attempt} attempts: ${result.message}`,
      );
    }
    const answer = result.value;
    const routing = answer.routingError?.kind;
    if (routing === undefined || routing.case === undefined) {
      return {
        done: true,
        value: decodeAnswer(answer, (response) => spec.decode(response, partition)),
      };
    }
    if (routing.case === 'notLeader') {
      const { leaderNodeId, leaderAddress } = routing.value;
      if (leaderNodeId !== '')
        cache.noteLeader(spec.table.tableName, partition.partitionId, leaderNodeId);
      if (leaderAddress !== '' && leaderAddress !== result.address) state.hint = leaderAddress;
      else if (leaderNodeId === '') state.rotation += 1;
      return retry('not_leader', `no leader answered for partition ${partition.partitionId}`);
    }
    if (routing.case === 'wrongPartition') {
      // A node that does not host the partition at all (no range in the answer) is one the map
      // still lists after a move removed it: the next attempt starts at the next voter.
      if (routing.value.range === undefined || routing.value.epoch === 0n) state.rotation += 1;
      await this.environment.refreshMap();
      return retry('wrong_partition', `partition ${partition.partitionId} moved; map still stale`);
    }
    return retry('unavailable', `partition ${partition.partitionId}: ${routing.value.reason}`);
  }
}

function retry<T>(reason: string, message: string): AttemptOutcome<BackendResult<T>> {
  return { done: false, reason, lastValue: { kind: 'unavailable', reason: message } };
}

/** No partition owns the hash: the table is gone from the map, or the map is not there yet. */
function missingPartition<T>(table: TableInfo, ready: boolean): AttemptOutcome<BackendResult<T>> {
  if (!ready) return retry('unavailable', 'no partition map yet');
  const error = new DynamoError(
    'ResourceNotFoundException',
    `Requested resource not found: Table: ${table.tableName} not found`,
  );
  return { done: true, value: { kind: 'error', error } };
}
