// The local cluster's shape, as data: which processes, with which arguments, in which order.
// Pure, so the plan is tested without starting anything.
import { join } from 'node:path';

/** What the local cluster is asked to be. */
export interface LocalClusterOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly controlPort: number;
  /** The first storage node's gRPC port; node i listens on storagePort + i. */
  readonly storagePort: number;
  /** The first admin port: control plane, then storage nodes, then the router. */
  readonly adminPort: number;
  readonly storageNodes: number;
  readonly replicationFactor: number;
  readonly initialPartitions: number;
}

/** One process of the cluster. */
export interface ProcessPlan {
  /** Short name, also the log file's name. */
  readonly name: string;
  /** The TypeScript entry point, relative to the repository root. */
  readonly entry: string;
  readonly args: readonly string[];
  readonly adminPort: number;
}

/** The processes to start, in start order (stop in reverse). */
export function planLocalCluster(options: LocalClusterOptions): ProcessPlan[] {
  const control = `${options.host}:${options.controlPort}`;
  const common = (adminPort: number): string[] => [
    `--admin-host=${options.host}`,
    `--admin-port=${adminPort}`,
  ];
  const plans: ProcessPlan[] = [
    {
      name: 'control-plane',
      entry: 'services/control-plane/main.ts',
      adminPort: options.adminPort,
      args: [
        '--replica-id=control-1',
        `--data-dir=${join(options.dataDir, 'control-plane')}`,
        `--grpc-host=${options.host}`,
        `--grpc-port=${options.controlPort}`,
        `--replication-factor=${options.replicationFactor}`,
        `--initial-partitions=${options.initialPartitions}`,
        ...common(options.adminPort),
      ],
    },
  ];
  for (let index = 0; index < options.storageNodes; index++) {
    const name = `storage-${index + 1}`;
    const adminPort = options.adminPort + 1 + index;
    plans.push({
      name,
      entry: 'services/storage-node/main.ts',
      adminPort,
      args: [
        `--node-id=${name}`,
        `--data-dir=${join(options.dataDir, name)}`,
        `--grpc-host=${options.host}`,
        `--grpc-port=${options.storagePort + index}`,
        `--control-plane-address=${control}`,
        ...common(adminPort),
      ],
    });
  }
  const routerAdminPort = options.adminPort + 1 + options.storageNodes;
  plans.push({
    name: 'router',
    entry: 'services/router/main.ts',
    adminPort: routerAdminPort,
    args: [
      `--http-host=${options.host}`,
      `--http-port=${options.httpPort}`,
      `--grpc-port=${options.grpcPort}`,
      `--control-plane-address=${control}`,
      ...common(routerAdminPort),
    ],
  });
  return plans;
}

/** Checks options a plan cannot work with; returns one line per problem. */
export function checkLocalClusterOptions(options: LocalClusterOptions): string[] {
  const problems: string[] = [];
  if (options.replicationFactor > options.storageNodes) {
    problems.push(
      `--replication-factor ${options.replicationFactor} needs at least that many storage nodes (--storage-nodes is ${options.storageNodes})`,
    );
  }
  const ports = [
    options.httpPort,
    options.grpcPort,
    options.controlPort,
    ...Array.from({ length: options.storageNodes }, (_, index) => options.storagePort + index),
    ...Array.from({ length: options.storageNodes + 2 }, (_, index) => options.adminPort + index),
  ];
  if (ports.some((port) => port > 65535)) problems.push('a port is above 65535');
  const seen = new Set<number>();
  for (const port of ports) {
    if (seen.has(port))
      problems.push(`port ${port} is used twice; give the processes distinct ports`);
    seen.add(port);
  }
  return problems;
}
