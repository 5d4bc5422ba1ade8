// A test harness for the driver: replicas over in-memory logs, a fake clock that moves 50 ms
// per tick, and a lossless in-process network that drops messages to and from replicas marked
// down. Used by driver.test.ts and snapshots.test.ts; never by production code.
import assert from 'node:assert/strict';
import type { RaftMessage } from '../../../lib/raft/index.js';
import type { ControlConfig } from '../core/config.js';
import { ControlDriver } from './driver.js';
import type { DriverEvent, DriverOptions } from './driver.js';
import type { DriverLog } from './driver-log.js';
import { MemoryDriverLog } from './memory-log.js';

/** Driver options a test may set for every replica. */
export type ClusterDriverOptions = Partial<
  Pick<DriverOptions, 'snapshotEveryEntries' | 'snapshotRetainEntries' | 'proposalTimeoutTicks'>
>;

/** Replicas of one control-plane group, driven tick by tick. */
export class DriverCluster {
  nowMs = 1_000_000;
  readonly drivers = new Map<string, ControlDriver>();
  readonly logs = new Map<string, DriverLog>();
  readonly down = new Set<string>();
  /** Every driver event, by replica id (for assertions). */
  readonly events = new Map<string, DriverEvent[]>();
  private readonly inFlight: RaftMessage[] = [];

  constructor(
    readonly ids: readonly string[],
    private readonly config: ControlConfig,
    private readonly driverOptions: ClusterDriverOptions = {},
  ) {
    for (const id of ids) {
      this.logs.set(id, MemoryDriverLog.create(ids));
      this.start(id);
    }
  }

  /** Starts (or restarts) a replica on its log. */
  start(id: string): ControlDriver {
    const log = this.logs.get(id);
    assert.ok(log);
    const events: DriverEvent[] = [];
    this.events.set(id, events);
    const driver = new ControlDriver({
      replicaId: id,
      log,
      config: this.config,
      clock: () => this.nowMs,
      randomSeed: this.ids.indexOf(id) + 1,
      send: (messages) => this.inFlight.push(...messages),
      electionTicks: 10,
      heartbeatTicks: 1,
      onEvent: (event) => events.push(event),
      ...this.driverOptions,
    });
    this.drivers.set(id, driver);
    return driver;
  }

  driver(id: string): ControlDriver {
    const driver = this.drivers.get(id);
    assert.ok(driver);
    return driver;
  }

  async tickAll(): Promise<void> {
    this.nowMs += 50;
    for (const [id, driver] of this.drivers) if (!this.down.has(id)) await driver.tick();
    await this.deliver();
  }

  async deliver(): Promise<void> {
    for (let round = 0; round < 20 && this.inFlight.length > 0; round++) {
      const batch = this.inFlight.splice(0);
      for (const message of batch) {
        if (this.down.has(message.to) || this.down.has(message.from)) continue;
        const to = this.drivers.get(message.to);
        if (to === undefined) continue;
        await to.step(message);
        // A delivered snapshot was persisted and installed by the time step resolved.
        if (message.type === 'snapshot')
          this.driver(message.from).reportSnapshot(to.replicaId, true);
      }
    }
  }

  async leader(ticksMax = 200): Promise<ControlDriver> {
    for (let tick = 0; tick < ticksMax; tick++) {
      const leader = [...this.drivers.entries()].find(
        ([id, d]) => !this.down.has(id) && d.isLeader,
      );
      if (leader !== undefined) return leader[1];
      await this.tickAll();
    }
    throw new Error('no leader elected');
  }

  /** Ticks while `promise` is pending, so the proposal can commit. */
  async settle<T>(promise: Promise<T>, ticksMax = 100): Promise<T> {
    let done = false;
    const result = promise.finally(() => {
      done = true;
    });
    for (let tick = 0; tick < ticksMax && !done; tick++) await this.tickAll();
    return result;
  }

  /** Ticks until `condition` holds; fails after `ticksMax` ticks. */
  async tickUntil(condition: () => boolean, ticksMax = 400): Promise<void> {
    for (let tick = 0; tick < ticksMax && !condition(); tick++) await this.tickAll();
    assert.ok(condition(), `condition not reached in ${ticksMax} ticks`);
  }
}
