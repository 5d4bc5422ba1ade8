// Control-plane processes for the process tests: free ports chosen up front (peers must know
// each other's addresses), start/stop, and finding the leader over the admin API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, GrpcError, openChannel } from '../../lib/grpc/index.js';
import { Catalog, ControlAdmin, Membership } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { startTypeScriptProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';
import { pollUntil } from '../helpers/poll.js';
import { findFreePortBlock } from '../helpers/ports.js';

const entry = 'services/control-plane/main.ts';

/** A fresh temporary directory for replicas' data. */
export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-control-'));
}

/**
 * Ports free right now, from below the ephemeral range (see `findFreePortBlock`): peers must
 * know each other's addresses before they start, so these cannot be port 0.
 */
export async function freePorts(count: number): Promise<number[]> {
  const base = await findFreePortBlock(count);
  return Array.from({ length: count }, (_, i) => base + i);
}

/** One control-plane replica process and its clients. */
export interface Replica {
  readonly id: string;
  readonly address: string;
  readonly process: TestProcess;
  readonly catalog: ReturnType<typeof createClient<typeof Catalog.method>>;
  readonly admin: ReturnType<typeof createClient<typeof ControlAdmin.method>>;
  readonly membership: ReturnType<typeof createClient<typeof Membership.method>>;
  close(): void;
}

/** Starts a replica and waits until it listens. */
export async function startReplica(
  id: string,
  dataDirectory: string,
  port: number,
  peers: readonly string[] = [],
  extraArgs: readonly string[] = ['--storage-actions=false'],
): Promise<Replica> {
  // extraArgs come last: the last value of a flag wins, so a test can override the defaults.
  const process = startTypeScriptProcess(entry, [
    `--replica-id=${id}`,
    `--data-dir=${dataDirectory}`,
    `--grpc-port=${port}`,
    '--admin-port=0',
    '--tick-interval-ms=20',
    '--election-ticks=10',
    '--heartbeat-ticks=1',
    '--reconcile-every-ticks=2',
    '--initial-partitions=2',
    ...(peers.length === 0 ? [] : [`--peers=${peers.join(',')}`]),
    ...extraArgs,
  ]);
  await process.waitForLine((line) => line.includes('"msg":"listening"'), 30_000);
  const address = `127.0.0.1:${port}`;
  const channel = openChannel(address);
  const options = { defaultTimeoutMs: 5_000 };
  return {
    id,
    address,
    process,
    catalog: createClient(Catalog, channel, options),
    admin: createClient(ControlAdmin, channel, options),
    membership: createClient(Membership, channel, options),
    close: () => channel.close(),
  };
}

/** The replica that answers as leader, once one does. */
export async function findLeader(
  replicas: readonly Replica[],
  timeoutMs = 20_000,
): Promise<Replica> {
  return pollUntil(
    async () => {
      for (const replica of replicas) {
        try {
          const status = await replica.admin.getClusterStatus({});
          if (status.controlPlaneLeader) return replica;
        } catch (error) {
          if (!(error instanceof GrpcError)) throw error;
        }
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 50, description: 'a control-plane leader' },
  );
}

/** Registers storage nodes and heartbeats until they are up (tables need three up nodes). */
export async function bringNodesUp(leader: Replica, nodeIds: readonly string[]): Promise<void> {
  for (const nodeId of nodeIds) {
    await leader.membership.registerNode({
      nodeId,
      address: `127.0.0.1:${9000 + nodeIds.indexOf(nodeId)}`,
      zone: '',
    });
  }
  await pollUntil(
    async () => {
      for (const nodeId of nodeIds) await leader.membership.heartbeat({ nodeId, reports: [] });
      const status = await leader.admin.getClusterStatus({});
      return status.nodes.filter((n) => n.state === 2).length === nodeIds.length ? true : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50, description: 'storage nodes up' },
  );
}

/** A CreateTable request with a string hash key. */
export function tableRequest(tableName: string) {
  return {
    request: {
      tableName,
      keySchema: [{ attributeName: 'pk', keyType: 'HASH' }],
      attributeDefinitions: [{ attributeName: 'pk', attributeType: 'S' }],
      billingMode: 'PAY_PER_REQUEST',
    },
  };
}
