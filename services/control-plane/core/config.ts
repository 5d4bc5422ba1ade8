/**
 * Tunables of the control plane, with their defaults.
 *
 * The configuration is part of the apply context: every replica of the control plane must run
 * with the same values, or replicas applying the same log would diverge. Defaults are chosen so
 * that the behaviour is visible on one small machine (docs/control-plane.md explains each one).
 */
import { assert } from './errors.js';

/** Every tunable the commands, planners and detectors read. */
export interface ControlConfig {
  /** Voters per partition. DynamoDB keeps three, one per availability zone. */
  readonly replicationFactor: number;
  /** Partitions a new table starts with. */
  readonly initialPartitionsPerTable: number;
  /** Tables (in any status) the catalog holds; DynamoDB's default account quota is 2,500. */
  readonly tableCountMax: number;
  /** Tables that may be CREATING, UPDATING or DELETING at once (DynamoDB: 500). */
  readonly tableOperationsInFlightMax: number;
  /** Partitions one table may be split into; a limit on the size of the partition map. */
  readonly partitionsPerTableMax: number;
  /** Replica moves in flight across the cluster. */
  readonly movesInFlightMax: number;
  /** Replica moves in flight that add to, or remove from, any single node. */
  readonly movesPerNodeMax: number;
  /** Silence after which an up node becomes suspect (no new replicas are placed on it). */
  readonly suspectAfterMs: number;
  /** Silence after which a node is down (its replicas count as missing). */
  readonly downAfterMs: number;
  /** Time a node stays down before its replicas are replaced elsewhere. */
  readonly replaceGraceMs: number;
  /** A partition larger than this is split by size. */
  readonly splitSizeBytes: number;
  /** A partition serving more request units per second than this is hot. */
  readonly splitRequestUnitsPerSecond: number;
  /** How long a partition must stay hot before it is split by request rate. */
  readonly splitHotSustainedMs: number;
  /** Key samples a partition must report before a split point is chosen from them. */
  readonly splitSamplesMin: number;
  /** Replica-count spread between the fullest and emptiest node that is tolerated. */
  readonly replicaSpreadMax: number;
  /** Leader-count spread between the busiest and idlest node that is tolerated. */
  readonly leaderSpreadMax: number;
}

/** Defaults: see docs/control-plane.md ("Defaults and why"). */
export const DEFAULT_CONTROL_CONFIG: ControlConfig = {
  replicationFactor: 3,
  initialPartitionsPerTable: 4,
  tableCountMax: 2500,
  tableOperationsInFlightMax: 500,
  partitionsPerTableMax: 1024,
  movesInFlightMax: 4,
  movesPerNodeMax: 2,
  suspectAfterMs: 3_000,
  downAfterMs: 10_000,
  replaceGraceMs: 60_000,
  splitSizeBytes: 64 * 1024 * 1024,
  splitRequestUnitsPerSecond: 1_000,
  splitHotSustainedMs: 30_000,
  splitSamplesMin: 16,
  replicaSpreadMax: 1,
  leaderSpreadMax: 1,
};

/** Returns `DEFAULT_CONTROL_CONFIG` with the given overrides, checking every value. */
export function createControlConfig(overrides: Partial<ControlConfig> = {}): ControlConfig {
  const config: ControlConfig = { ...DEFAULT_CONTROL_CONFIG, ...overrides };
  for (const [name, value] of Object.entries(config)) {
    assert(Number.isFinite(value) && value >= 0, `config ${name} must be a non-negative number`);
  }
  assert(config.replicationFactor >= 1, 'replicationFactor must be at least 1');
  assert(config.initialPartitionsPerTable >= 1, 'initialPartitionsPerTable must be at least 1');
  assert(
    config.initialPartitionsPerTable <= config.partitionsPerTableMax,
    'initialPartitionsPerTable must not exceed partitionsPerTableMax',
  );
  assert(config.movesInFlightMax >= 1 && config.movesPerNodeMax >= 1, 'moves need a bound >= 1');
  assert(config.suspectAfterMs < config.downAfterMs, 'suspectAfterMs must be < downAfterMs');
  assert(config.splitSamplesMin >= 2, 'splitSamplesMin must be at least 2');
  return config;
}
