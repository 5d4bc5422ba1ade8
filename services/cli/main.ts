// `npx tessera status|nodes|tables|partitions [table]`: what the control plane knows, as
// readable tables. Talks to the control plane's gRPC API (default 127.0.0.1:7000, the local
// cluster's; `--control-plane=host:port` or TESSERA_CONTROL_PLANE_ADDRESS to change it).
import { ControlAdmin, PartitionMap } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { createClient, GrpcError, openChannel } from '../../lib/grpc/index.js';
import { nodesView, partitionsView, statusView, tablesView } from './views.js';

const usage = `Usage: tessera <command> [--control-plane=host:port]

Commands:
  status              the cluster at a glance
  nodes               storage nodes, their states, replicas and leaders
  tables              tables, their status and partition counts
  partitions [TABLE]  partitions with hash ranges, leaders and replicas
`;

/** Runs one CLI command; returns the exit code. */
export async function runCli(
  argv: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  const flags = argv.filter((argument) => argument.startsWith('--'));
  const words = argv.filter((argument) => !argument.startsWith('--'));
  const addressFlag = flags.find((flag) => flag.startsWith('--control-plane='));
  const unknown = flags.filter((flag) => flag !== addressFlag && flag !== '--help');
  const [command, ...rest] = words;
  if (flags.includes('--help') || command === undefined) {
    write(usage);
    return command === undefined && !flags.includes('--help') ? 2 : 0;
  }
  if (unknown.length > 0 || !['status', 'nodes', 'tables', 'partitions'].includes(command)) {
    write(
      `tessera: unknown ${unknown.length > 0 ? `flag ${unknown[0]}` : `command "${command}"`}\n\n${usage}`,
    );
    return 2;
  }
  const address =
    addressFlag?.slice('--control-plane='.length) ??
    process.env.TESSERA_CONTROL_PLANE_ADDRESS ??
    '127.0.0.1:7000';
  const channel = openChannel(address);
  try {
    const options = { timeoutMs: 5_000 };
    if (command === 'status' || command === 'nodes') {
      const status = await createClient(ControlAdmin, channel).getClusterStatus({}, options);
      write(`${command === 'status' ? statusView(status) : nodesView(status.nodes, Date.now())}\n`);
    } else {
      const map = await createClient(PartitionMap, channel).getPartitionMap({}, options);
      write(`${command === 'tables' ? tablesView(map) : partitionsView(map, rest[0])}\n`);
    }
    return 0;
  } catch (error) {
    const reason =
      error instanceof GrpcError ? `${error.codeName}: ${error.message}` : String(error);
    write(`tessera: the control plane at ${address} did not answer (${reason})\n`);
    return 1;
  } finally {
    channel.close();
  }
}
