// The storage node process: settings, then startStorageNode under the service runtime
// (logs, metrics, admin server, graceful shutdown). Settings are documented in README.md.
import { integerSetting, portSetting, runService, stringSetting } from '../../lib/runtime/index.js';
import { startStorageNode } from './node.js';

await runService({
  name: 'storage-node',
  settings: {
    nodeId: stringSetting({
      flag: 'node-id',
      env: 'TESSERA_NODE_ID',
      default: 'storage-1',
      pattern: /^[A-Za-z0-9._-]{1,64}$/,
      description: 'unique id of this storage node (Raft member id)',
    }),
    dataDirectory: stringSetting({
      flag: 'data-dir',
      env: 'TESSERA_DATA_DIR',
      default: './data/storage-1',
      description: 'directory of the RocksDB engine and the Raft log',
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
      default: 7100,
      description: 'port of the gRPC server (0 picks a free port)',
    }),
    advertiseAddress: stringSetting({
      flag: 'advertise-address',
      env: 'TESSERA_ADVERTISE_ADDRESS',
      default: '',
      description:
        'host:port peers and routers reach this node at (default: grpc host and bound port)',
    }),
    zone: stringSetting({
      flag: 'zone',
      env: 'TESSERA_ZONE',
      default: '',
      description: 'failure zone label reported to the control plane',
    }),
    retainLogEntries: integerSetting({
      flag: 'retain-log-entries',
      env: 'TESSERA_RETAIN_LOG_ENTRIES',
      default: 10_000,
      min: 0,
      max: 10_000_000,
      description: 'log entries kept behind each compaction point for lagging followers',
    }),
    sizeReportIntervalMs: integerSetting({
      flag: 'size-report-interval-ms',
      env: 'TESSERA_SIZE_REPORT_INTERVAL_MS',
      default: 10_000,
      min: 100,
      max: 3_600_000,
      description:
        'how often a partition is scanned for the size, item count and key samples it reports (reports in between repeat the last figures)',
    }),
    controlPlaneAddress: stringSetting({
      flag: 'control-plane-address',
      env: 'TESSERA_CONTROL_PLANE_ADDRESS',
      default: '',
      description:
        'host:port of the control plane, or a comma-separated list of its replicas (the leader is followed; empty: no registration or heartbeats)',
    }),
    tickIntervalMs: integerSetting({
      flag: 'tick-interval-ms',
      env: 'TESSERA_TICK_INTERVAL_MS',
      default: 50,
      min: 1,
      max: 10_000,
      description: 'length of one Raft tick (the node has one ticker for all replicas)',
    }),
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
      description: 'ticks between leader heartbeats (less than election ticks)',
    }),
    snapshotBytesPerSecond: integerSetting({
      flag: 'snapshot-bytes-per-second',
      env: 'TESSERA_SNAPSHOT_BYTES_PER_SECOND',
      default: 32 * 1024 * 1024,
      min: 1024,
      max: 10 * 1024 * 1024 * 1024,
      description: 'bandwidth bound of one snapshot transfer',
    }),
    flushIntervalTicks: integerSetting({
      flag: 'flush-interval-ticks',
      env: 'TESSERA_FLUSH_INTERVAL_TICKS',
      default: 200,
      min: 1,
      max: 1_000_000,
      description: 'ticks between engine flushes that let the log drop flushed entries',
    }),
  },
  async start({ settings, logger, metrics, setReady }) {
    const node = await startStorageNode(settings, logger, metrics);
    logger.info(
      { grpcPort: node.port, nodeId: settings.nodeId, address: node.address },
      'listening',
    );
    setReady(true);
    return { stop: (graceMs) => node.stop(graceMs) };
  },
});
