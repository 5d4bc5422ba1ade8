// Wiring of one control-plane replica: the durable log, the driver and the leader's work, the
// gRPC services (catalog, membership, partition map, admin, and the peers' Raft transport), the
// one ticker, and the metrics. main.ts reads the settings and runs this under lib/runtime.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { lockDataDirectory } from '../../lib/runtime/index.js';
import { createGrpcServer } from '../../lib/grpc/index.js';
import type { GrpcServer } from '../../lib/grpc/index.js';
import { controlMetrics, registerMetrics } from '../../lib/metrics/index.js';
import type { ArnContext } from './core/catalog.js';
import type { ControlConfig } from './core/config.js';
import { clusterStatus } from './core/status.js';
import type { NodeState } from './core/state.js';
import type { DriverEvent } from './replica/driver.js';
import { ControlDriver } from './replica/driver.js';
import type { DriverLog } from './replica/driver-log.js';
import { openDurableLog } from './replica/durable-log.js';
import type { StorageExecutor } from './replica/executor.js';
import { LeaderWork } from './replica/leader-work.js';
import { adminService } from './server/admin-service.js';
import { catalogService } from './server/catalog-service.js';
import type { ServerContext } from './server/context.js';
import { mapService } from './server/map-service.js';
import { membershipService } from './server/membership-service.js';
import { PeerSender, peerTransportService } from './server/peer-transport.js';

/** Everything a replica needs to start. */
export interface ControlPlaneOptions {
  readonly replicaId: string;
  readonly dataDirectory: string;
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** The address clients reach this replica at ('' = grpc host and bound port). */
  readonly advertiseAddress: string;
  /** Every replica's address by id, this one included (one entry: a single replica). */
  readonly replicas: ReadonlyMap<string, string>;
  readonly config: ControlConfig;
  readonly arn: ArnContext;
  readonly tickIntervalMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly reconcileEveryTicks: number;
  readonly heartbeatIntervalMs: number;
  readonly executor: StorageExecutor | null;
  /** Told when the replica stops for good (a failed log write): the process is unhealthy. */
  readonly onFatal?: (reason: string) => void;
  /** Tests may pass an in-memory log instead of the data directory's. */
  readonly log?: DriverLog;
  /** Applied entries between two snapshots of the state (the driver's default when absent). */
  readonly snapshotEveryEntries?: number;
  /** Entries kept in the log behind a snapshot (the driver's default when absent). */
  readonly snapshotRetainEntries?: number;
  /** Size of one segment of the durable log (durable-log.ts's default when absent). */
  readonly logSegmentBytes?: number;
}

/** A running replica. */
export interface RunningControlPlane {
  readonly port: number;
  readonly address: string;
  readonly driver: ControlDriver;
  readonly work: LeaderWork;
  stop(graceMs: number): Promise<{ forced: boolean }>;
}

/** The catalogue's words for node states on the nodes gauge. */
const nodeStateLabels: Readonly<Record<NodeState, string>> = {
  joining: 'joining',
  up: 'alive',
  suspect: 'suspect',
  down: 'dead',
  draining: 'draining',
  decommissioned: 'drained',
};

/** Starts one replica; resolves once its gRPC server listens. */
export async function startControlPlane(
  options: ControlPlaneOptions,
  logger: Logger,
  registry: Registry,
): Promise<RunningControlPlane> {
  const metrics = registerMetrics(registry, controlMetrics);
  const voterIds = [...options.replicas.keys()];
  // One process per data directory: two replicas writing one log would corrupt it silently.
  const locked =
    options.log === undefined ? await lockDataDirectory(options.dataDirectory) : undefined;
  if (locked !== undefined && !locked.ok) throw new Error(locked.reason);
  const durable =
    options.log === undefined
      ? await openDurableLog(options.dataDirectory, voterIds, {
          ...(options.logSegmentBytes === undefined
            ? {}
            : { segmentBytesMax: options.logSegmentBytes }),
          onWarning: (message) => logger.warn({ log: message }, 'control log'),
        })
      : undefined;
  const log = options.log ?? durable?.log;
  if (log === undefined) throw new Error('no log');
  const clock = (): number => Date.now();
  // Peers are reached lazily: the sender only calls `driver` once messages flow.
  const sender = new PeerSender(
    options.replicaId,
    options.replicas,
    (peerId) => driver.reportUnreachable(peerId),
    {
      onSnapshotStatus: (peerId, installed, reason) => {
        driver.reportSnapshot(peerId, installed);
        logger.info({ peerId, installed, reason }, 'snapshot sent to a lagging replica');
      },
    },
  );
  const driver = new ControlDriver({
    replicaId: options.replicaId,
    log,
    config: options.config,
    clock,
    randomSeed: Number.parseInt(randomUUID().slice(0, 8), 16),
    send: (messages) => sender.send(messages),
    electionTicks: options.electionTicks,
    heartbeatTicks: options.heartbeatTicks,
    ...(options.snapshotEveryEntries === undefined
      ? {}
      : { snapshotEveryEntries: options.snapshotEveryEntries }),
    ...(options.snapshotRetainEntries === undefined
      ? {}
      : { snapshotRetainEntries: options.snapshotRetainEntries }),
    onEvent: driverEventHandler(logger, metrics, options.onFatal),
  });
  const work = new LeaderWork(driver, {
    config: options.config,
    clock,
    executor: options.executor,
    reconcileEveryTicks: options.reconcileEveryTicks,
    onWarning: (message) => logger.warn({ work: message }, 'leader work'),
  });
  const server = createServer(options, driver, work, metrics, logger);
  const port = await server.listen(options.grpcHost, options.grpcPort);
  const address =
    options.advertiseAddress === '' ? `${options.grpcHost}:${port}` : options.advertiseAddress;
  const ticker = startTicker(driver, work, options.tickIntervalMs, logger, () => {
    const status = clusterStatus(driver.state, options.config);
    updateGauges(metrics, driver, status);
    metrics.laggingPartitions.set(
      driver.isLeader ? work.laggingPartitionIds(driver.state).length : 0,
    );
  });
  return {
    port,
    address,
    driver,
    work,
    async stop(graceMs) {
      const stopped = await server.shutdown(graceMs);
      await ticker.stop();
      driver.close();
      sender.close();
      await durable?.shared.close();
      if (locked?.ok === true) await locked.lock.release();
      return stopped;
    },
  };
}

type ControlMetrics = ReturnType<typeof registerMetrics<typeof controlMetrics>>;

/** Logs the driver's events and counts what the metrics need. */
function driverEventHandler(
  logger: Logger,
  metrics: ControlMetrics,
  onFatal: (reason: string) => void = () => {},
): (event: DriverEvent) => void {
  return (event) => {
    if (event.kind === 'warning') logger.warn(event.message);
    if (event.kind === 'snapshot') {
      const { index, bytes, received } = event;
      logger.info({ index, bytes, received }, received ? 'snapshot installed' : 'snapshot taken');
    }
    if (event.kind === 'fatal') {
      logger.error({ reason: event.message }, 'control-plane replica stopped');
      onFatal(event.message);
    }
    if (event.kind === 'role') {
      logger.info(
        { leaderId: event.leaderId, leader: event.leader },
        'control-plane leader changed',
      );
      metrics.isLeader.set(event.leader ? 1 : 0);
    }
    if (event.kind === 'applied' && event.ok) countApplied(event, metrics);
  };
}

/** The gRPC server with every control-plane service (not listening yet). */
function createServer(
  options: ControlPlaneOptions,
  driver: ControlDriver,
  work: LeaderWork,
  metrics: ControlMetrics,
  logger: Logger,
): GrpcServer {
  const context: ServerContext = {
    driver,
    work,
    clock: () => Date.now(),
    config: () => options.config,
    arn: options.arn,
    newTableId: () => randomUUID(),
    replicaAddresses: options.replicas,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    lastHeartbeatMs: new Map(),
    watchersMax: 1_000,
    onCatalogOperation: (operation, outcome) =>
      metrics.catalogOperations.inc({ operation, outcome }),
  };
  return createGrpcServer(
    [
      catalogService(context),
      membershipService(context, () => metrics.heartbeats.inc()),
      mapService(context),
      adminService(context),
      peerTransportService((message) => driver.step(message)),
    ],
    { onInternalError: (error, method) => logger.error({ err: error, method }, 'internal error') },
  );
}

function countApplied(
  event: Extract<DriverEvent, { kind: 'applied' }>,
  metrics: ControlMetrics,
): void {
  if (event.command.type === 'finish-move') metrics.movesCompleted.inc({ outcome: 'done' });
  if (event.command.type === 'abort-move') metrics.movesCompleted.inc({ outcome: 'aborted' });
  if (event.command.type === 'split-partition')
    metrics.splits.inc({ reason: event.command.reason, outcome: 'done' });
}

function updateGauges(
  metrics: ControlMetrics,
  driver: ControlDriver,
  status: ReturnType<typeof clusterStatus>,
): void {
  metrics.nodes.reset();
  for (const node of status.nodes) metrics.nodes.inc({ state: nodeStateLabels[node.state] });
  metrics.tables.reset();
  for (const table of Object.values(driver.state.tables))
    metrics.tables.inc({ status: table.status });
  metrics.partitions.set(status.partitionCount);
  metrics.underReplicatedPartitions.set(status.underReplicated.length);
  metrics.leaderlessPartitions.set(status.leaderlessPartitionIds.length);
  metrics.movesInFlight.set(status.movesInFlight.length);
  metrics.isLeader.set(driver.isLeader ? 1 : 0);
}

/** Gauges are refreshed every this many ticks (a status build walks the whole state). */
const GAUGE_EVERY_TICKS = 20;

/** The replica's only timer: one tick at a time (a slow tick delays the next, never overlaps). */
function startTicker(
  driver: ControlDriver,
  work: LeaderWork,
  intervalMs: number,
  logger: Logger,
  refreshGauges: () => void,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running !== null) return;
    running = (async () => {
      await driver.tick();
      await work.tick();
      if (driver.tickCount % GAUGE_EVERY_TICKS === 1) refreshGauges();
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'tick failed'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
