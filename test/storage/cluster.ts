// Storage-node processes for cross-process tests: start real `services/storage-node/main.ts`
// processes on 127.0.0.1 with free ports and temporary data directories, play the control
// plane (CreateReplica on every node), and talk to them over gRPC.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, openChannel, type ServiceClient } from '../../lib/grpc/index.js';
import { PartitionAdmin, Storage } from '../../lib/gen/tessera/storage/v1/storage_pb.js';
import { startTypeScriptProcess, type TestProcess } from '../helpers/process.js';

const entry = 'services/storage-node/main.ts';

/** One storage-node process and clients for it. */
export interface NodeProcess {
  readonly nodeId: string;
  readonly dataDirectory: string;
  /** Port of the admin HTTP server (/metrics, /healthz, /readyz). */
  readonly adminPort: number;
  process: TestProcess;
  address: string;
  storage: ServiceClient<typeof Storage.method>;
  admin: ServiceClient<typeof PartitionAdmin.method>;
  close(): void;
}

/** Starts (or restarts, reusing `dataDirectory`) a node; resolves once it listens. */
export async function startNode(
  nodeId: string,
  dataDirectory: string,
  port = 0,
  /** Timing and other flags; the default is fast ticks so that tests elect leaders quickly. */
  flags: readonly string[] = [
    '--tick-interval-ms=20',
    '--election-ticks=10',
    // Sizes in reports are re-measured at most this often (10 s by default).
    '--size-report-interval-ms=100',
  ],
): Promise<NodeProcess> {
  const process = startTypeScriptProcess(entry, [
    `--node-id=${nodeId}`,
    `--data-dir=${dataDirectory}`,
    `--grpc-port=${port}`,
    '--admin-port=0',
    ...flags,
  ]);
  const line = await process.waitForLine((l) => l.includes('"msg":"listening"'), 30_000);
  const grpcPort = (JSON.parse(line) as { grpcPort: number }).grpcPort;
  const adminLine = await process.waitForLine(
    (l) => l.includes('"msg":"admin server listening"'),
    5_000,
  );
  const adminPort = (JSON.parse(adminLine) as { adminPort: number }).adminPort;
  const address = `127.0.0.1:${grpcPort}`;
  const channel = openChannel(address);
  return {
    nodeId,
    dataDirectory,
    adminPort,
    process,
    address,
    storage: createClient(Storage, channel, { defaultTimeoutMs: 5_000 }),
    admin: createClient(PartitionAdmin, channel, { defaultTimeoutMs: 5_000 }),
    close: () => channel.close(),
  };
}

/** A temporary directory for one test's nodes. */
export async function temporaryDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'tessera-storage-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Stops a node process by PID (SIGKILL) and waits for it to exit. */
export async function killNode(node: NodeProcess): Promise<void> {
  node.close();
  if (node.process.child.exitCode === null && node.process.child.signalCode === null) {
    node.process.signal('SIGKILL');
  }
  await node.process.exited;
}

/** The table every cross-process test uses: a string partition key `id`. */
export const testTable = {
  tableId: 'tbl-1',
  tableName: 'Things',
  keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
  attributeDefinitions: [{ attributeName: 'id', attributeType: 'S' }],
};

/** Creates the replicas of one partition on every node (the test plays the control plane). */
export async function createPartition(
  nodes: readonly NodeProcess[],
  partitionId: string,
  learners: readonly NodeProcess[] = [],
): Promise<void> {
  const replicas = [
    ...nodes.map((n) => ({ nodeId: n.nodeId, address: n.address, learner: false })),
    ...learners.map((n) => ({ nodeId: n.nodeId, address: n.address, learner: true })),
  ];
  for (const node of [...nodes, ...learners]) {
    const answer = await node.admin.createReplica({
      table: testTable,
      partitionId,
      epoch: 1n,
      replicas,
    });
    if (answer.routingError !== undefined)
      throw new Error(`CreateReplica on ${node.nodeId} refused`);
  }
}

/** The node whose replica of `partitionId` reports itself leader, if any. */
export async function findLeader(
  nodes: readonly NodeProcess[],
  partitionId: string,
): Promise<NodeProcess | undefined> {
  for (const node of nodes) {
    try {
      const reports = await node.admin.getPartitionReports({}, { timeoutMs: 2_000 });
      if (reports.reports.some((r) => r.partitionId === partitionId && r.leader)) return node;
    } catch {
      // A node that is down or starting answers nothing.
    }
  }
  return undefined;
}
