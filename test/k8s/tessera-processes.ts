// Real Tessera processes for the operator's tests: control-plane replicas and storage nodes
// started from their entry points (services/*/main.ts) on 127.0.0.1, with the clients a test
// needs to set the cluster up. Every process is recorded so `after` can stop them all by PID.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, ControlAdmin } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { createClient, GrpcError, openChannel } from '../../lib/grpc/index.js';
import { pollUntil } from '../helpers/poll.js';
import { findFreePortBlock } from '../helpers/ports.js';
import { startTypeScriptProcess, stopProcess } from '../helpers/process.js';
import type { TestProcess } from '../helpers/process.js';

/** Timing that makes elections and the leader's reconcile rounds fast enough for a test. */
const controlPlaneTimingArgs = [
  '--tick-interval-ms=20',
  '--election-ticks=10',
  '--heartbeat-ticks=1',
  '--reconcile-every-ticks=5',
];

/** A control-plane replica process with catalog and admin clients on its own address. */
export interface ControlReplica {
  readonly id: string;
  readonly address: string;
  readonly process: TestProcess;
  readonly catalog: ReturnType<typeof createClient<typeof Catalog.method>>;
  readonly admin: ReturnType<typeof createClient<typeof ControlAdmin.method>>;
}

/** The processes of one test, its data directory and its ports; `stopAll` cleans up. */
export class TesseraProcesses {
  readonly directory = mkdtempSync(join(tmpdir(), 'tessera-operator-'));
  private readonly processes: TestProcess[] = [];
  private readonly channels: { close(): void }[] = [];

  /** `count` consecutive free ports on 127.0.0.1. */
  async ports(count: number): Promise<number[]> {
    const base = await findFreePortBlock(count);
    return Array.from({ length: count }, (_, offset) => base + offset);
  }

  /**
   * Starts control-plane replicas `ids` on `ports` (one Raft group when there are several)
   * and waits until each listens. `extraArgs` go to every replica.
   */
  async startControlPlane(
    ids: readonly string[],
    ports: readonly number[],
    extraArgs: readonly string[] = [],
  ): Promise<ControlReplica[]> {
    const peers = ids.map((id, index) => `${id}=127.0.0.1:${ports[index] ?? 0}`);
    const replicas = ids.map((id, index) => {
      const port = ports[index] ?? 0;
      const process = startTypeScriptProcess('services/control-plane/main.ts', [
        `--replica-id=${id}`,
        `--data-dir=${join(this.directory, id)}`,
        `--grpc-port=${port}`,
        '--admin-port=0',
        ...controlPlaneTimingArgs,
        ...(ids.length > 1 ? [`--peers=${peers.join(',')}`] : []),
        ...extraArgs,
      ]);
      this.processes.push(process);
      const address = `127.0.0.1:${port}`;
      const channel = openChannel(address);
      this.channels.push(channel);
      const options = { defaultTimeoutMs: 5_000 };
      return {
        id,
        address,
        process,
        catalog: createClient(Catalog, channel, options),
        admin: createClient(ControlAdmin, channel, options),
      };
    });
    await Promise.all(
      replicas.map((replica) =>
        replica.process.waitForLine((line) => line.includes('"msg":"listening"'), 30_000),
      ),
    );
    return replicas;
  }

  /** Starts a storage node that registers with the control plane at `controlPlaneAddress`. */
  startStorageNode(nodeId: string, port: number, controlPlaneAddress: string): TestProcess {
    const process = startTypeScriptProcess('services/storage-node/main.ts', [
      `--node-id=${nodeId}`,
      `--data-dir=${join(this.directory, nodeId)}`,
      `--grpc-port=${port}`,
      '--admin-port=0',
      `--control-plane-address=${controlPlaneAddress}`,
    ]);
    this.processes.push(process);
    return process;
  }

  /** Stops every process by PID, closes every channel and removes the data directory. */
  async stopAll(): Promise<void> {
    for (const channel of this.channels) channel.close();
    await Promise.all(this.processes.map(async (process) => stopProcess(process)));
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** The replica that answers as leader, once one does (within `timeoutMs`). */
export async function findLeader(
  replicas: readonly ControlReplica[],
  timeoutMs = 20_000,
): Promise<ControlReplica> {
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

/** A CreateTable request for a table with a string hash key `pk`. */
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
