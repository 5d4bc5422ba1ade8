// Storage-node and router processes around a control plane, for the process tests that move
// data (join, drain, node death, splits), and a view of where replicas REALLY are: each storage
// node's own partition reports, so a test can compare them with the control plane's map rather
// than trusting the control plane's bookkeeping.
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createClient, openChannel } from '../../lib/grpc/index.js';
import { PartitionMap } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { PartitionAdmin } from '../../lib/gen/tessera/storage/v1/storage_pb.js';
import { parseLogLine, startTypeScriptProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';
import { pollUntil } from '../helpers/poll.js';
import type { Replica } from './cluster.js';

/** Control-plane flags that make failure detection and reconciling fast enough for a test. */
// Suspect after 1.5 s of silence (seven missed heartbeats): short enough for the node-death test,
// long enough that a loaded CI machine's event-loop stalls do not make nodes flap.
export const FAST_CONTROL_ARGS: readonly string[] = [
  '--reconcile-every-ticks=5',
  '--replication-factor=3',
  '--heartbeat-interval-ms=200',
  '--suspect-after-ms=1500',
  '--down-after-ms=3000',
  '--replace-grace-ms=1500',
];

/** Node states as the admin API numbers them. */
export const NODE_STATE = { up: 2, down: 4, decommissioned: 6 } as const;

/** One storage-node process with the address it serves on. */
export interface StorageNode {
  readonly nodeId: string;
  readonly address: string;
  readonly process: TestProcess;
}

/**
 * Starts storage nodes on ports of their own choosing (a port picked free beforehand can be
 * taken by another test's process before the node binds it), registered with the control plane
 * at `control`; each process joins `processes` at once (the caller stops them), and the answer
 * comes once every node listens.
 */
export async function startStorageNodes(
  directory: string,
  nodeIds: readonly string[],
  control: string,
  processes: TestProcess[],
  extraArgs: readonly string[] = [],
): Promise<StorageNode[]> {
  const started = nodeIds.map((nodeId) => {
    const process = startTypeScriptProcess('services/storage-node/main.ts', [
      `--node-id=${nodeId}`,
      `--data-dir=${join(directory, nodeId)}`,
      '--grpc-port=0',
      '--admin-port=0',
      `--control-plane-address=${control}`,
      ...extraArgs,
    ]);
    processes.push(process);
    return { nodeId, process };
  });
  return Promise.all(
    started.map(async ({ nodeId, process }) => {
      const line = await process.waitForLine((l) => l.includes('"msg":"listening"'), 30_000);
      const port = parseLogLine(line)?.['grpcPort'] as number;
      return { nodeId, address: `127.0.0.1:${port}`, process };
    }),
  );
}

/** Starts a router on free ports and answers it with an SDK client pointed at it. */
export async function startRouter(
  control: string,
): Promise<{ process: TestProcess; client: DynamoDBClient }> {
  const process = startTypeScriptProcess('services/router/main.ts', [
    '--http-port=0',
    '--grpc-port=0',
    '--admin-port=0',
    `--control-plane-address=${control}`,
  ]);
  const line = await process.waitForLine((l) => l.includes('DynamoDB endpoint'), 30_000);
  const httpPort = parseLogLine(line)?.['httpPort'] as number;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${httpPort}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 3,
  });
  return { process, client };
}

/** partition id → sorted ids of the nodes holding it (voters and learners). */
export type Placement = Map<string, string[]>;

function addTo(placement: Placement, partitionId: string, nodeId: string): void {
  const nodes = placement.get(partitionId) ?? [];
  nodes.push(nodeId);
  nodes.sort();
  placement.set(partitionId, nodes);
}

/** Where replicas really are: each node's own reports of the replicas it hosts. */
export async function storagePlacement(nodes: readonly StorageNode[]): Promise<Placement> {
  const placement: Placement = new Map();
  for (const node of nodes) {
    const channel = openChannel(node.address);
    try {
      const admin = createClient(PartitionAdmin, channel, { defaultTimeoutMs: 3_000 });
      const answer = await admin.getPartitionReports({});
      for (const report of answer.reports) {
        // A stopped replica (a corrupt log, say) is shown, marked, so it never passes for a copy.
        addTo(
          placement,
          report.partitionId,
          report.stopped ? `${node.nodeId}(stopped)` : node.nodeId,
        );
      }
    } finally {
      channel.close();
    }
  }
  return placement;
}

/** Where the control plane's partition map says replicas are. */
export async function mapPlacement(control: string): Promise<Placement> {
  const channel = openChannel(control);
  try {
    const map = createClient(PartitionMap, channel, { defaultTimeoutMs: 3_000 });
    const answer = await map.getPartitionMap({});
    const placement: Placement = new Map();
    for (const table of answer.tables) {
      for (const partition of table.partitions) {
        for (const replica of partition.replicas)
          addTo(placement, partition.partitionId, replica.nodeId);
      }
    }
    return placement;
  } finally {
    channel.close();
  }
}

/** A placement as one line, for comparisons and failure messages. */
export function showPlacement(placement: Placement): string {
  return [...placement.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([id, nodes]) => `${id}:${nodes.join(',')}`)
    .join(' ');
}

/** Waits until the control plane sees `count` storage nodes up. */
export async function waitForNodesUp(leader: Replica, count: number): Promise<void> {
  let seen = '';
  await pollUntil(
    async () => {
      const status = await leader.admin.getClusterStatus({});
      seen = status.nodes.map((n) => `${n.nodeId}:${n.state}`).join(' ');
      return status.nodes.filter((n) => n.state === NODE_STATE.up).length === count
        ? true
        : undefined;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      get description() {
        return `${count} storage nodes up (last seen: ${seen})`;
      },
    },
  );
}

/** Creates table `name` (string hash key `id`) through the router and waits for ACTIVE. */
export async function createActiveTable(sdk: DynamoDBClient, name: string): Promise<void> {
  await sdk.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await pollUntil(
    async () => {
      const described = await sdk.send(new DescribeTableCommand({ TableName: name }));
      return described.Table?.TableStatus === 'ACTIVE' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: `${name} ACTIVE` },
  );
}

/**
 * Waits until the storage nodes host exactly what the control plane's map says (and `done`
 * holds of it, when given); answers the placement. A timeout names both sides.
 */
export async function waitForSamePlacement(
  nodes: readonly StorageNode[],
  control: string,
  done: (placement: Placement) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<Placement> {
  let seen = '';
  return pollUntil(
    async () => {
      const placement = await storagePlacement(nodes);
      const real = showPlacement(placement);
      const mapped = showPlacement(await mapPlacement(control));
      seen = `nodes host ${real}; the map says ${mapped}`;
      return real === mapped && done(placement) ? placement : undefined;
    },
    { timeoutMs, intervalMs: 250, description: 'storage nodes host what the map says' },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${seen}`);
  });
}
