// The control-plane process: settings, then startControlPlane under the service runtime (logs,
// metrics, admin server, graceful shutdown). Settings are documented in README.md.
import {
  booleanSetting,
  integerSetting,
  listSetting,
  portSetting,
  runService,
  stringSetting,
} from '../../lib/runtime/index.js';
import { startControlPlane } from './control-plane.js';
import { createControlConfig } from './core/config.js';
import {
  SNAPSHOT_EVERY_ENTRIES_DEFAULT,
  SNAPSHOT_RETAIN_ENTRIES_DEFAULT,
} from './replica/driver.js';
import { LOG_SEGMENT_BYTES_DEFAULT } from './replica/durable-log.js';
import { GrpcStorageExecutor } from './replica/grpc-executor.js';

const ms = (flag: string, fallback: number, description: string) =>
  integerSetting({
    flag,
    env: `TESSERA_${flag.toUpperCase().replaceAll('-', '_')}`,
    default: fallback,
    min: 1,
    max: 24 * 3600 * 1000,
    description,
  });

await runService({
  name: 'control-plane',
  settings: {
    replicaId: stringSetting({
      flag: 'replica-id',
      env: 'TESSERA_REPLICA_ID',
      default: 'control-1',
      pattern: /^[A-Za-z0-9._-]{1,64}$/,
      description: "this replica's id in the control-plane Raft group",
    }),
    dataDirectory: stringSetting({
      flag: 'data-dir',
      env: 'TESSERA_DATA_DIR',
      default: './data/control-1',
      description: "directory of the control plane's Raft log",
    }),
    grpcHost: stringSetting({
      flag: 'grpc-host',
      env: 'TESSERA_GRPC_HOST',
      default: '127.0.0.1',
      description: 'address the gRPC server binds to',
    }),
    grpcPort: portSetting({
      flag: 'grpc-port',
      env: 'TESSERA_GRPC_PORT',
      default: 7000,
      description: 'port of the gRPC server (0 picks a free port)',
    }),
    advertiseAddress: stringSetting({
      flag: 'advertise-address',
      env: 'TESSERA_ADVERTISE_ADDRESS',
      default: '',
      description: 'host:port clients reach this replica at (default: grpc host and bound port)',
    }),
    peers: listSetting({
      flag: 'peers',
      env: 'TESSERA_PEERS',
      default: [],
      itemPattern: /^[A-Za-z0-9._-]{1,64}=[^=,\s]+:\d{1,5}$/,
      description: 'every replica as id=host:port, this one included (empty: a single replica)',
    }),
    initialPartitions: integerSetting({
      flag: 'initial-partitions',
      env: 'TESSERA_INITIAL_PARTITIONS',
      default: 4,
      min: 1,
      max: 1024,
      description: 'partitions a new table starts with',
    }),
    replicationFactor: integerSetting({
      flag: 'replication-factor',
      env: 'TESSERA_REPLICATION_FACTOR',
      default: 3,
      min: 1,
      max: 7,
      description: 'voters per partition',
    }),
    splitSizeBytes: integerSetting({
      flag: 'split-size-bytes',
      env: 'TESSERA_SPLIT_SIZE_BYTES',
      default: 64 * 1024 * 1024,
      min: 1_024,
      max: 1024 * 1024 * 1024 * 1024,
      description: 'a partition whose leader reports more bytes than this is split by size',
    }),
    splitRequestUnitsPerSecond: integerSetting({
      flag: 'split-request-units-per-second',
      env: 'TESSERA_SPLIT_REQUEST_UNITS_PER_SECOND',
      default: 1_000,
      min: 1,
      max: 100_000_000,
      description: 'reads plus writes per second above which a partition counts as hot',
    }),
    splitHotSustainedMs: ms(
      'split-hot-sustained-ms',
      30_000,
      'how long a partition must stay hot before it is split by request rate',
    ),
    splitSamplesMin: integerSetting({
      flag: 'split-samples-min',
      env: 'TESSERA_SPLIT_SAMPLES_MIN',
      default: 16,
      min: 2,
      max: 1_024,
      description: 'key samples a partition must report before a split point is chosen',
    }),
    suspectAfterMs: ms(
      'suspect-after-ms',
      3_000,
      'heartbeat silence after which a storage node is suspect',
    ),
    downAfterMs: ms(
      'down-after-ms',
      10_000,
      'heartbeat silence after which a storage node is down',
    ),
    replaceGraceMs: ms(
      'replace-grace-ms',
      60_000,
      'time a node stays down before its replicas are rebuilt elsewhere',
    ),
    heartbeatIntervalMs: ms(
      'heartbeat-interval-ms',
      1_000,
      'how often storage nodes are told to heartbeat',
    ),
    tickIntervalMs: ms(
      'tick-interval-ms',
      50,
      "length of one Raft tick (the replica's only timer)",
    ),
    electionTicks: integerSetting({
      flag: 'election-ticks',
      env: 'TESSERA_ELECTION_TICKS',
      default: 20,
      min: 3,
      max: 1000,
      description: 'ticks without a leader before a follower campaigns',
    }),
    heartbeatTicks: integerSetting({
      flag: 'heartbeat-ticks',
      env: 'TESSERA_HEARTBEAT_TICKS',
      default: 2,
      min: 1,
      max: 100,
      description: 'ticks between Raft heartbeats (less than election ticks)',
    }),
    reconcileEveryTicks: integerSetting({
      flag: 'reconcile-every-ticks',
      env: 'TESSERA_RECONCILE_EVERY_TICKS',
      default: 10,
      min: 1,
      max: 10_000,
      description: "ticks between the leader's reconcile rounds",
    }),
    snapshotEveryEntries: integerSetting({
      flag: 'snapshot-every-entries',
      env: 'TESSERA_SNAPSHOT_EVERY_ENTRIES',
      default: SNAPSHOT_EVERY_ENTRIES_DEFAULT,
      min: 1,
      max: 10_000_000,
      description:
        'applied log entries between two snapshots of the state (then the log is compacted)',
    }),
    snapshotRetainEntries: integerSetting({
      flag: 'snapshot-retain-entries',
      env: 'TESSERA_SNAPSHOT_RETAIN_ENTRIES',
      default: SNAPSHOT_RETAIN_ENTRIES_DEFAULT,
      min: 0,
      max: 10_000_000,
      description: 'log entries kept behind a snapshot for followers a little behind',
    }),
    logSegmentBytes: integerSetting({
      flag: 'log-segment-bytes',
      env: 'TESSERA_LOG_SEGMENT_BYTES',
      default: LOG_SEGMENT_BYTES_DEFAULT,
      min: 4_096,
      max: 1024 * 1024 * 1024,
      description: 'size of one Raft log segment (compacted segments are deleted whole)',
    }),
    storageActions: booleanSetting({
      flag: 'storage-actions',
      env: 'TESSERA_STORAGE_ACTIONS',
      default: true,
      description:
        'call PartitionAdmin on storage nodes (create replicas, move steps, drop tables)',
    }),
    region: stringSetting({
      flag: 'region',
      env: 'TESSERA_REGION',
      default: 'local',
      description: 'region named in table ARNs',
    }),
    accountId: stringSetting({
      flag: 'account-id',
      env: 'TESSERA_ACCOUNT_ID',
      default: '000000000000',
      description: 'account id named in table ARNs',
    }),
  },
  async start({ settings, logger, metrics, setReady, setHealthy }) {
    const replicas = new Map<string, string>();
    for (const peer of settings.peers) {
      const [id = '', address = ''] = peer.split('=');
      replicas.set(id, address);
    }
    if (replicas.size === 0) replicas.set(settings.replicaId, settings.advertiseAddress);
    if (!replicas.has(settings.replicaId))
      throw new Error(`--peers must name this replica (${settings.replicaId})`);
    const executor = settings.storageActions ? new GrpcStorageExecutor() : null;
    const replica = await startControlPlane(
      {
        replicaId: settings.replicaId,
        dataDirectory: settings.dataDirectory,
        grpcHost: settings.grpcHost,
        grpcPort: settings.grpcPort,
        advertiseAddress: settings.advertiseAddress,
        replicas,
        config: createControlConfig({
          initialPartitionsPerTable: settings.initialPartitions,
          replicationFactor: settings.replicationFactor,
          suspectAfterMs: settings.suspectAfterMs,
          downAfterMs: settings.downAfterMs,
          replaceGraceMs: settings.replaceGraceMs,
          splitSizeBytes: settings.splitSizeBytes,
          splitRequestUnitsPerSecond: settings.splitRequestUnitsPerSecond,
          splitHotSustainedMs: settings.splitHotSustainedMs,
          splitSamplesMin: settings.splitSamplesMin,
        }),
        arn: { region: settings.region, accountId: settings.accountId },
        tickIntervalMs: settings.tickIntervalMs,
        electionTicks: settings.electionTicks,
        heartbeatTicks: settings.heartbeatTicks,
        reconcileEveryTicks: settings.reconcileEveryTicks,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        snapshotEveryEntries: settings.snapshotEveryEntries,
        snapshotRetainEntries: settings.snapshotRetainEntries,
        logSegmentBytes: settings.logSegmentBytes,
        executor,
        onFatal: () => setHealthy(false),
      },
      logger,
      metrics,
    );
    logger.info(
      { grpcPort: replica.port, replicaId: settings.replicaId, address: replica.address },
      'listening',
    );
    setReady(true);
    return {
      async stop(graceMs) {
        const stopped = await replica.stop(graceMs);
        executor?.close();
        return stopped;
      },
    };
  },
});
