/**
 * The one catalogue of every Prometheus metric Tessera's services export.
 *
 * Services create metrics only through {@link registerMetrics} with a section of this
 * catalogue, so the Grafana dashboards (helm/tessera-cluster/dashboards) can be checked
 * against it: a panel that queries a metric missing here is a test failure, not an empty
 * graph discovered in production.
 */

/** Latency buckets in seconds for request paths: 0.5 ms to 10 s. */
export const requestLatencyBucketsSeconds = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Buckets in seconds for disk syncs, which are faster than a network round trip. */
export const syncLatencyBucketsSeconds = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
] as const;

/** Buckets for "how many entries one group commit carried". */
export const groupSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] as const;

/** A counter: a value that only goes up (reset on restart). */
export interface CounterSpec {
  readonly type: 'counter';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** A gauge: a value that goes up and down. */
export interface GaugeSpec {
  readonly type: 'gauge';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** A histogram with fixed buckets; exports `_bucket`, `_sum` and `_count` series. */
export interface HistogramSpec {
  readonly type: 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
}

/** One metric of the catalogue. */
export type MetricSpec = CounterSpec | GaugeSpec | HistogramSpec;

/** A section of the catalogue: the metrics one subsystem creates, by field name. */
export type CatalogueSection = Readonly<Record<string, MetricSpec>>;

/** Metrics of the request router (`services/router`). */
export const routerMetrics = {
  requests: {
    type: 'counter',
    name: 'tessera_router_requests_total',
    help: 'DynamoDB API requests handled, by operation, table and outcome (ok, client_error, server_error, throttled).',
    labelNames: ['operation', 'table', 'outcome'],
  },
  requestDuration: {
    type: 'histogram',
    name: 'tessera_router_request_duration_seconds',
    help: 'Time from receiving a DynamoDB API request to sending its response, by operation.',
    labelNames: ['operation'],
    buckets: requestLatencyBucketsSeconds,
  },
  throttledRequests: {
    type: 'counter',
    name: 'tessera_router_throttled_requests_total',
    help: 'Requests refused because a limit was reached, by operation, table and reason.',
    labelNames: ['operation', 'table', 'reason'],
  },
  retries: {
    type: 'counter',
    name: 'tessera_router_retries_total',
    help: 'Storage calls retried after a routing answer (not_leader, wrong_partition, unavailable).',
    labelNames: ['operation', 'reason'],
  },
  inFlightRequests: {
    type: 'gauge',
    name: 'tessera_router_in_flight_requests',
    help: 'Requests being handled right now.',
    labelNames: [],
  },
  storageCallDuration: {
    type: 'histogram',
    name: 'tessera_router_storage_call_duration_seconds',
    help: 'Duration of one gRPC call from the router to a storage node, by method.',
    labelNames: ['method'],
    buckets: requestLatencyBucketsSeconds,
  },
  partitionMapEpoch: {
    type: 'gauge',
    name: 'tessera_router_partition_map_epoch',
    help: 'Epoch of the partition map the router routes by.',
    labelNames: [],
  },
  partitionMapAge: {
    type: 'gauge',
    name: 'tessera_router_partition_map_age_seconds',
    help: 'Seconds since the router last received a partition map update from the control plane.',
    labelNames: [],
  },
} as const satisfies CatalogueSection;

/** Metrics of a storage node (`services/storage-node`), outside the Raft groups. */
export const storageMetrics = {
  requests: {
    type: 'counter',
    name: 'tessera_storage_requests_total',
    help: 'gRPC requests served by the storage node, by method and outcome.',
    labelNames: ['method', 'outcome'],
  },
  requestDuration: {
    type: 'histogram',
    name: 'tessera_storage_request_duration_seconds',
    help: 'Time to serve one storage gRPC request, by method.',
    labelNames: ['method'],
    buckets: requestLatencyBucketsSeconds,
  },
  partitions: {
    type: 'gauge',
    name: 'tessera_storage_partitions',
    help: 'Partition replicas hosted by this node.',
    labelNames: [],
  },
  leaders: {
    type: 'gauge',
    name: 'tessera_storage_leaders',
    help: 'Partition replicas on this node that are currently Raft leader.',
    labelNames: [],
  },
  logSyncDuration: {
    type: 'histogram',
    name: 'tessera_storage_log_sync_duration_seconds',
    help: 'Duration of one fdatasync of the shared Raft log (one group commit).',
    labelNames: [],
    buckets: syncLatencyBucketsSeconds,
  },
  logSyncGroupSize: {
    type: 'histogram',
    name: 'tessera_storage_log_sync_group_size',
    help: 'Log entries made durable by one group commit.',
    labelNames: [],
    buckets: groupSizeBuckets,
  },
  logSize: {
    type: 'gauge',
    name: 'tessera_storage_log_size_bytes',
    help: 'Bytes of Raft log on disk not yet compacted.',
    labelNames: [],
  },
  rocksdbSize: {
    type: 'gauge',
    name: 'tessera_storage_rocksdb_size_bytes',
    help: 'Live SST bytes of the RocksDB state machine.',
    labelNames: [],
  },
  rocksdbCompactions: {
    type: 'counter',
    name: 'tessera_storage_rocksdb_compactions_total',
    help: 'RocksDB compactions completed.',
    labelNames: [],
  },
  snapshotTransfers: {
    type: 'counter',
    name: 'tessera_storage_snapshot_transfers_total',
    help: 'Partition snapshots sent or received, by direction (send, receive) and outcome.',
    labelNames: ['direction', 'outcome'],
  },
  snapshotTransferBytes: {
    type: 'counter',
    name: 'tessera_storage_snapshot_transfer_bytes_total',
    help: 'Bytes of partition snapshots sent or received, by direction.',
    labelNames: ['direction'],
  },
} as const satisfies CatalogueSection;

/** Metrics of the Raft groups a process hosts (storage nodes and the control plane). */
export const raftMetrics = {
  proposals: {
    type: 'counter',
    name: 'tessera_raft_proposals_total',
    help: 'Commands proposed to Raft groups led by this process, by outcome (accepted, dropped, not_leader).',
    labelNames: ['outcome'],
  },
  commits: {
    type: 'counter',
    name: 'tessera_raft_commits_total',
    help: 'Log entries committed in Raft groups hosted by this process.',
    labelNames: [],
  },
  commitDuration: {
    type: 'histogram',
    name: 'tessera_raft_commit_duration_seconds',
    help: 'Time from proposing an entry on the leader to seeing it committed.',
    labelNames: [],
    buckets: requestLatencyBucketsSeconds,
  },
  applyDuration: {
    type: 'histogram',
    name: 'tessera_raft_apply_duration_seconds',
    help: 'Time to apply one batch of committed entries to the state machine.',
    labelNames: [],
    buckets: syncLatencyBucketsSeconds,
  },
  elections: {
    type: 'counter',
    name: 'tessera_raft_elections_total',
    help: 'Elections started by replicas in this process, by outcome (won, lost).',
    labelNames: ['outcome'],
  },
  leaderChanges: {
    type: 'counter',
    name: 'tessera_raft_leader_changes_total',
    help: 'Times a hosted replica observed a new leader.',
    labelNames: [],
  },
  messagesSent: {
    type: 'counter',
    name: 'tessera_raft_messages_sent_total',
    help: 'Raft messages sent to other nodes, by message type.',
    labelNames: ['type'],
  },
} as const satisfies CatalogueSection;

/** Metrics of the control plane (`services/control-plane`). */
export const controlMetrics = {
  nodes: {
    type: 'gauge',
    name: 'tessera_control_nodes',
    help: 'Storage nodes known to the control plane, by state (alive, suspect, dead, draining, drained).',
    labelNames: ['state'],
  },
  tables: {
    type: 'gauge',
    name: 'tessera_control_tables',
    help: 'Tables in the catalog, by status (CREATING, ACTIVE, UPDATING, DELETING).',
    labelNames: ['status'],
  },
  partitions: {
    type: 'gauge',
    name: 'tessera_control_partitions',
    help: 'Partitions of all tables.',
    labelNames: [],
  },
  underReplicatedPartitions: {
    type: 'gauge',
    name: 'tessera_control_under_replicated_partitions',
    help: 'Partitions with fewer healthy replicas than the replication factor.',
    labelNames: [],
  },
  leaderlessPartitions: {
    type: 'gauge',
    name: 'tessera_control_leaderless_partitions',
    help: 'Partitions whose replicas report no leader.',
    labelNames: [],
  },
  laggingPartitions: {
    type: 'gauge',
    name: 'tessera_control_lagging_partitions',
    help: 'Partitions with a voter its leader does not see caught up, or no fresh leader report (leader only; 0 on followers).',
    labelNames: [],
  },
  movesInFlight: {
    type: 'gauge',
    name: 'tessera_control_moves_in_flight',
    help: 'Replica moves (add learner, catch up, promote, remove) in progress.',
    labelNames: [],
  },
  movesCompleted: {
    type: 'counter',
    name: 'tessera_control_moves_completed_total',
    help: 'Replica moves finished, by outcome (done, aborted).',
    labelNames: ['outcome'],
  },
  splits: {
    type: 'counter',
    name: 'tessera_control_splits_total',
    help: 'Partition splits recorded, by reason (size, request-rate, recovered) and outcome.',
    labelNames: ['reason', 'outcome'],
  },
  catalogOperations: {
    type: 'counter',
    name: 'tessera_control_catalog_operations_total',
    help: 'Catalog operations (CreateTable, DeleteTable, ...), by operation and outcome.',
    labelNames: ['operation', 'outcome'],
  },
  heartbeats: {
    type: 'counter',
    name: 'tessera_control_heartbeats_total',
    help: 'Heartbeats received from storage nodes.',
    labelNames: [],
  },
  isLeader: {
    type: 'gauge',
    name: 'tessera_control_is_leader',
    help: '1 when this control-plane replica is the leader of the control-plane Raft group.',
    labelNames: [],
  },
} as const satisfies CatalogueSection;

/** Metrics of the Kubernetes operator (`operator/`). */
export const operatorMetrics = {
  reconciles: {
    type: 'counter',
    name: 'tessera_operator_reconciles_total',
    help: 'Reconciliations of TesseraCluster resources, by result (done, requeue, refused, error).',
    labelNames: ['result'],
  },
  reconcileDuration: {
    type: 'histogram',
    name: 'tessera_operator_reconcile_duration_seconds',
    help: 'Duration of one reconciliation.',
    labelNames: [],
    buckets: requestLatencyBucketsSeconds,
  },
  queueDepth: {
    type: 'gauge',
    name: 'tessera_operator_queue_depth',
    help: 'Keys waiting in the work queue.',
    labelNames: [],
  },
  isLeader: {
    type: 'gauge',
    name: 'tessera_operator_is_leader',
    help: '1 when this operator replica holds the leader-election Lease.',
    labelNames: [],
  },
} as const satisfies CatalogueSection;

/** Every section, by the service or subsystem that registers it. */
export const metricsCatalogue = {
  router: routerMetrics,
  storage: storageMetrics,
  raft: raftMetrics,
  control: controlMetrics,
  operator: operatorMetrics,
} as const;

/** Every metric of the catalogue, flattened; names are unique (a test checks it). */
export function allMetricSpecs(): MetricSpec[] {
  return Object.values(metricsCatalogue).flatMap((section) =>
    Object.values(section as CatalogueSection),
  );
}
