// What every control-plane gRPC service shares, and the leader rule: only the leader answers
// catalog, membership and admin calls. Others end the call with UNAVAILABLE and trailing
// metadata naming the leader, so callers retry there (documented in docs/control-plane.md).
import { Metadata } from '@grpc/grpc-js';
import { GrpcError, GrpcStatus } from '../../../lib/grpc/index.js';
import type { ArnContext } from '../core/catalog.js';
import type { ControlConfig } from '../core/config.js';
import type { Result } from '../core/errors.js';
import type { ControlDriver, DriverError, ProposeOutcome } from '../replica/driver.js';
import type { LeaderWork } from '../replica/leader-work.js';

/** Trailer naming the control-plane leader's replica id (empty when none is known). */
export const LEADER_ID_TRAILER = 'tessera-leader-id';
/** Trailer naming the control-plane leader's gRPC address (host:port), when known. */
export const LEADER_ADDRESS_TRAILER = 'tessera-leader-address';

/** Shared by the control plane's gRPC services. */
export interface ServerContext {
  readonly driver: ControlDriver;
  readonly work: LeaderWork;
  readonly clock: () => number;
  /** The core's configuration (the same on every replica). */
  readonly config: () => ControlConfig;
  readonly arn: ArnContext;
  /** Draws a new table id (a random UUID; randomness stays outside the state machine). */
  readonly newTableId: () => string;
  /** Client-facing gRPC address of every control-plane replica, by replica id. */
  readonly replicaAddresses: ReadonlyMap<string, string>;
  /** How often storage nodes should heartbeat. */
  readonly heartbeatIntervalMs: number;
  /** Leader-local: when each storage node was last heard (admin views). */
  readonly lastHeartbeatMs: Map<string, number>;
  /** Partition-map watch streams open at once (a limit). */
  readonly watchersMax: number;
  /** Told about each catalog operation and its outcome (metrics). */
  readonly onCatalogOperation?: (operation: string, outcome: 'ok' | 'error') => void;
}

/** The UNAVAILABLE error a non-leader answers with, naming the leader in trailers. */
export function notLeaderError(context: ServerContext, leaderId: string): GrpcError {
  const metadata = new Metadata();
  metadata.set(LEADER_ID_TRAILER, leaderId);
  const address = context.replicaAddresses.get(leaderId);
  if (address !== undefined) metadata.set(LEADER_ADDRESS_TRAILER, address);
  const where = leaderId === '' ? 'no leader is known yet' : `the leader is ${leaderId}`;
  return new GrpcError(GrpcStatus.UNAVAILABLE, `not the control-plane leader: ${where}`, metadata);
}

/** Throws the not-leader error unless this replica leads and is up to date. */
export function requireLeader(context: ServerContext): void {
  if (!context.driver.isLeader) throw notLeaderError(context, context.driver.leaderId);
}

/** Turns a driver failure that is not a state-machine answer into the gRPC error to throw. */
export function driverFailure(
  context: ServerContext,
  error: Exclude<DriverError, { kind: 'rejected' }>,
): GrpcError {
  return error.kind === 'not-leader'
    ? notLeaderError(context, error.leaderId)
    : new GrpcError(GrpcStatus.UNAVAILABLE, error.message);
}

/**
 * The state machine's answer to a proposal as the core's Result (a DynamoDB or cluster error is
 * data); throws the gRPC error when there was no answer (not the leader, no quorum).
 */
export function answerOf<T>(context: ServerContext, outcome: ProposeOutcome<T>): Result<T> {
  if (outcome.ok) return { ok: true, value: outcome.value };
  if (outcome.error.kind === 'rejected') return { ok: false, error: outcome.error.error };
  throw driverFailure(context, outcome.error);
}
