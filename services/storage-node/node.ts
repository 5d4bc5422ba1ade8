// Wiring of one storage node: RocksDB engine, shared log, multi-Raft host, the three gRPC
// services, the single ticker, the engine flush loop, and metrics. main.ts runs it under the
// service runtime; tests may start it in-process.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { createGrpcServer } from '../../lib/grpc/index.js';
import { raftMetrics, registerMetrics, storageMetrics } from '../../lib/metrics/index.js';
import { lockDataDirectory, type Logger } from '../../lib/runtime/index.js';
import { openRocksDbEngine } from './engine/rocksdb-engine.js';
import { StorageHost } from './host/host.js';
import { sharedLogProvider } from './host/log-provider.js';
import { buildReports, partitionAdminService } from './server/admin-service.js';
import { MembershipAgent, grpcMembership } from './server/membership.js';
import { RequestRates, SizeCache } from './server/partition-stats.js';
import { storageService } from './server/storage-service.js';
import { GrpcMessageSender, raftTransportService } from './server/transport.js';
import { openSharedLog } from '../../lib/wal/open-shared-log.js';

/** What a node needs to start. */
export interface StorageNodeConfig {
  readonly nodeId: string;
  readonly dataDirectory: string;
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** The address peers and routers use; defaults to grpcHost:boundPort. */
  readonly advertiseAddress: string;
  readonly tickIntervalMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Snapshot bandwidth bound, bytes per second. */
  readonly snapshotBytesPerSecond: number;
  /** Ticks between engine flushes (which let the log drop flushed entries). */
  readonly flushIntervalTicks: number;
  /** Entries kept in the log behind each compaction point (for slightly lagging followers). */
  readonly retainLogEntries: number;
  /** How often a partition is measured for reports (a scan); default 10 s. */
  readonly sizeReportIntervalMs?: number;
  /** host:port of the control plane's Membership service; '' runs without one. */
  readonly controlPlaneAddress: string;
  readonly zone: string;
}

/** A running node. */
export interface StorageNode {
  readonly host: StorageHost;
  readonly port: number;
  readonly address: string;
  readonly rates: RequestRates;
  stop(graceMs: number): Promise<{ forced: boolean }>;
}

function hashSeed(text: string): number {
  let seed = 2166136261;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619);
  return seed >>> 0;
}

/** Opens the node's stores, restarts its replicas, and starts serving. */
export async function startStorageNode(
  config: StorageNodeConfig,
  logger: Logger,
  registry: Registry,
): Promise<StorageNode> {
  await mkdir(config.dataDirectory, { recursive: true });
  // One process per data directory: two nodes writing one log would corrupt it silently.
  const locked = await lockDataDirectory(config.dataDirectory);
  if (!locked.ok) throw new Error(locked.reason);
  const opened = await openRocksDbEngine({ path: join(config.dataDirectory, 'engine') });
  if (!opened.ok) throw new Error(`cannot open the engine: ${opened.error.message}`);
  const engine = opened.value;
  const logOpened = await openSharedLog({ directory: join(config.dataDirectory, 'wal') });
  if (!logOpened.ok) throw new Error(`cannot open the log: ${logOpened.error.message}`);
  const { log, report } = logOpened.value;
  logger.info(
    { segments: report.segments, groups: report.groups, corrupted: report.corrupted.length },
    'log recovered',
  );
  const storage = registerMetrics(registry, storageMetrics);
  const raft = registerMetrics(registry, raftMetrics);
  // The sender needs the host's address book, and the host needs the sender.
  const late: { host?: StorageHost } = {};
  const sender = new GrpcMessageSender(
    config.nodeId,
    (nodeId) => late.host?.addresses.get(nodeId),
    {
      snapshotBytesPerSecond: config.snapshotBytesPerSecond,
    },
  );
  const host = await StorageHost.open({
    nodeId: config.nodeId,
    engine,
    logs: sharedLogProvider(log),
    sender,
    // Election timeouts only need to differ between nodes; the node id and start time do that.
    seed: hashSeed(`${config.nodeId}:${process.pid}:${Date.now()}`),
    limits: { electionTicks: config.electionTicks, heartbeatTicks: config.heartbeatTicks },
    observe: {
      proposed: (count) => raft.proposals.inc({ outcome: 'accepted' }, count),
      applied: (count) => raft.commits.inc(count),
      becameLeader: (_partitionId, leader) =>
        leader ? storage.leaders.inc() : storage.leaders.dec(),
      election: (outcome) => raft.elections.inc({ outcome }),
      leaderChanged: () => raft.leaderChanges.inc(),
      logSync: (durationMs, entries) => {
        storage.logSyncDuration.observe(durationMs / 1000);
        storage.logSyncGroupSize.observe(entries);
      },
      committed: (durationMs) => raft.commitDuration.observe(durationMs / 1000),
      applyBatch: (durationMs) => raft.applyDuration.observe(durationMs / 1000),
      snapshotSent: (bytes) => {
        storage.snapshotTransfers.inc({ direction: 'send', outcome: 'ok' });
        storage.snapshotTransferBytes.inc({ direction: 'send' }, bytes);
      },
      snapshotInstalled: () =>
        storage.snapshotTransfers.inc({ direction: 'receive', outcome: 'ok' }),
      batchSent: (messages) => raft.messagesSent.inc({ type: 'batched' }, messages),
    },
  });
  late.host = host;
  for (const broken of host.brokenReplicas()) {
    // The node serves its other replicas; this one waits to be dropped and rebuilt from peers.
    logger.error(
      { partitionId: broken.meta.partitionId, reason: broken.reason },
      'replica stopped: it could not restart',
    );
  }
  // Rates over windows of at least half a second, whoever asks; sizes re-measured at most once
  // per interval (a measurement scans the partition).
  const rates = new RequestRates(() => performance.now(), 500);
  const sizes = new SizeCache(() => performance.now(), config.sizeReportIntervalMs ?? 10_000);
  const server = createGrpcServer(
    [
      storageService(host, (method, outcome, seconds, partitionId, keyHash) => {
        storage.requests.inc({ method, outcome });
        storage.requestDuration.observe({ method }, seconds);
        rates.record(
          partitionId,
          method === 'GetItem' || method === 'Query' || method === 'Scan' ? 'read' : 'write',
          keyHash,
        );
      }),
      partitionAdminService(host, engine, rates, sizes),
      raftTransportService(host, {}, (bytes) => {
        storage.snapshotTransferBytes.inc({ direction: 'receive' }, bytes);
      }),
    ],
    { onInternalError: (error, method) => logger.error({ err: error, method }, 'handler failed') },
  );
  const port = await server.listen(config.grpcHost, config.grpcPort);
  const address =
    config.advertiseAddress === '' ? `${config.grpcHost}:${port}` : config.advertiseAddress;
  host.addresses.set(config.nodeId, address);
  let ticks = 0;
  let flushing = false;
  let compactionsSeen = 0;
  // The node's ONE timer: every replica ticks from it; Raft itself has no clock.
  const ticker = setInterval(() => {
    host.tick();
    storage.partitions.set(host.allReplicas().length);
    storage.logSize.set(log.stats().retainedEntryBytes);
    if (++ticks % config.flushIntervalTicks !== 0 || flushing) return;
    flushing = true;
    void flushEngine().finally(() => (flushing = false));
  }, config.tickIntervalMs);
  async function flushEngine(): Promise<void> {
    // Applied indexes read BEFORE the flush are durable after it (they were written earlier).
    const points = host
      .allReplicas()
      .map((replica) => [replica, replica.compactionPoint()] as const);
    const flushed = await engine.flush();
    if (!flushed.ok) return logger.error({ err: flushed.error.message }, 'engine flush failed');
    for (const [replica, point] of points) replica.compactLog(point, config.retainLogEntries);
    await host.collectRemoved();
    const stats = await engine.stats();
    if (!stats.ok) return;
    storage.rocksdbSize.set(stats.value.liveSstBytes);
    // RocksDB counts since the engine opened; the counter takes what is new since last time.
    if (stats.value.compactions > compactionsSeen)
      storage.rocksdbCompactions.inc(stats.value.compactions - compactionsSeen);
    compactionsSeen = Math.max(compactionsSeen, stats.value.compactions);
  }
  const membership = startMembership(
    config,
    address,
    () => buildReports(host, engine, rates, sizes),
    logger,
  );
  return {
    host,
    port,
    address,
    rates,
    async stop(graceMs) {
      clearInterval(ticker);
      membership.stop();
      const result = await server.shutdown(graceMs);
      host.close();
      sender.close();
      await log.close();
      await engine.close();
      await locked.lock.release();
      return result;
    },
  };
}

/** Registers with the control plane and heartbeats, when one is configured. */
function startMembership(
  config: StorageNodeConfig,
  address: string,
  reports: ConstructorParameters<typeof MembershipAgent>[2],
  logger: Logger,
): { stop(): void } {
  if (config.controlPlaneAddress === '') return { stop: () => {} };
  const membership = grpcMembership(config.controlPlaneAddress);
  const agent = new MembershipAgent(
    membership,
    { nodeId: config.nodeId, address, zone: config.zone },
    reports,
  );
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async (): Promise<void> => {
    await agent.step();
    if (agent.lastError !== undefined)
      logger.warn({ err: agent.lastError }, 'control plane unreachable');
    if (!stopped) timer = setTimeout(() => void beat(), agent.heartbeatIntervalMs);
  };
  void beat();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      membership.close();
    },
  };
}
