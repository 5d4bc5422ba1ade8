// `npm start`: a whole Tessera cluster on this machine — a control plane, storage nodes and a
// router, each its own process, with data and logs under one folder. Waits until every
// process is ready, prints the DynamoDB endpoint, and on Ctrl-C (or SIGTERM) stops them in
// reverse order. Data survives a restart on the same folder.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  describeSettings,
  integerSetting,
  parseSettings,
  portSetting,
  stringSetting,
} from '../../lib/runtime/index.js';
import { waitForNodesUp } from './cluster-ready.js';
import { checkLocalClusterOptions, planLocalCluster } from './plan.js';
import { hasExited, logTail, startSupervised, stopSupervised, waitReady } from './supervisor.js';
import type { Supervised } from './supervisor.js';

const settings = {
  dataDir: stringSetting({
    flag: 'data-dir',
    env: 'TESSERA_DATA_DIR',
    default: './data',
    description: "folder for every process's data and logs",
  }),
  host: stringSetting({
    flag: 'host',
    env: 'TESSERA_HOST',
    default: '127.0.0.1',
    description: 'address every process binds to',
    pattern: /^[0-9a-zA-Z.:-]+$/,
    accepted: 'a host name or IP address',
  }),
  httpPort: portSetting({
    flag: 'http-port',
    env: 'TESSERA_HTTP_PORT',
    default: 8000,
    description: 'the DynamoDB HTTP endpoint',
  }),
  grpcPort: portSetting({
    flag: 'grpc-port',
    env: 'TESSERA_GRPC_PORT',
    default: 8001,
    description: 'the tessera.v1 gRPC endpoint',
  }),
  controlPort: portSetting({
    flag: 'control-port',
    env: 'TESSERA_CONTROL_PORT',
    default: 7000,
    description: "the control plane's gRPC port",
  }),
  storagePort: portSetting({
    flag: 'storage-port',
    env: 'TESSERA_STORAGE_PORT',
    default: 7100,
    description: "the first storage node's gRPC port (the next nodes take the next ports)",
  }),
  adminPort: portSetting({
    flag: 'admin-port',
    env: 'TESSERA_ADMIN_PORT',
    default: 9090,
    description: 'the first admin port (control plane, storage nodes, then router)',
  }),
  storageNodes: integerSetting({
    flag: 'storage-nodes',
    env: 'TESSERA_STORAGE_NODES',
    default: 3,
    min: 1,
    max: 9,
    description: 'storage node processes',
  }),
  replicationFactor: integerSetting({
    flag: 'replication-factor',
    env: 'TESSERA_REPLICATION_FACTOR',
    default: 3,
    min: 1,
    max: 7,
    description: 'replicas per partition',
  }),
  initialPartitions: integerSetting({
    flag: 'initial-partitions',
    env: 'TESSERA_INITIAL_PARTITIONS',
    default: 4,
    min: 1,
    max: 64,
    description: 'partitions a new table starts with',
  }),
  readyTimeoutMs: integerSetting({
    flag: 'ready-timeout-ms',
    env: 'TESSERA_READY_TIMEOUT_MS',
    default: 60_000,
    min: 1_000,
    max: 600_000,
    description: 'how long each process may take to become ready',
  }),
};

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const parsed = parseSettings(settings, process.argv.slice(2), process.env);
if (!parsed.ok) {
  process.stderr.write(`tessera: ${parsed.error}\n`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(`Usage: npm start -- [--flag=value ...]\n\n${describeSettings(settings)}\n`);
  process.exit(0);
}
const options = { ...parsed.value, dataDir: resolve(parsed.value.dataDir) };
const problems = checkLocalClusterOptions(options);
if (problems.length > 0) {
  process.stderr.write(`tessera: ${problems.join('; ')}\n`);
  process.exit(2);
}

const logDir = resolve(options.dataDir, 'logs');
mkdirSync(logDir, { recursive: true });
const started: Supervised[] = [];
let stopping = false;

/** Stops every process, newest first, then exits with `code`. */
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const supervised of [...started].reverse()) await stopSupervised(supervised, 15_000);
  process.exit(code);
}

function onSignal(signal: NodeJS.Signals): void {
  process.stdout.write(`\ntessera: ${signal}: stopping the cluster…\n`);
  void stopAll(0);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

for (const plan of planLocalCluster(options)) {
  if (stopping) break;
  const supervised = startSupervised(plan, rootDir, logDir);
  started.push(supervised);
  process.stdout.write(`tessera: started ${plan.name} (pid ${supervised.pid})\n`);
  const outcome = await waitReady(supervised, options.host, options.readyTimeoutMs);
  if (outcome !== 'ready') {
    if (stopping) break;
    process.stderr.write(
      `tessera: ${plan.name} ${outcome === 'exited' ? 'exited' : 'did not become ready'}; the end of ${supervised.logPath}:\n${logTail(supervised, 20)}\n`,
    );
    await stopAll(1);
  }
  void supervised.exited.then(() => {
    if (stopping) return;
    process.stderr.write(
      `tessera: ${plan.name} exited unexpectedly; the end of ${supervised.logPath}:\n${logTail(supervised, 20)}\n`,
    );
    void stopAll(1);
  });
}
if (!stopping) {
  const control = `${options.host}:${options.controlPort}`;
  if (!(await waitForNodesUp(control, options.storageNodes, options.readyTimeoutMs))) {
    process.stderr.write(
      `tessera: the control plane did not see ${options.storageNodes} storage nodes up in time\n`,
    );
    await stopAll(1);
  }
}
if (!stopping && started.every((supervised) => !hasExited(supervised))) {
  const pids = Object.fromEntries(
    started.map((supervised) => [supervised.plan.name, supervised.pid]),
  );
  process.stdout.write(
    [
      '',
      `Tessera is ready. DynamoDB endpoint: http://localhost:${options.httpPort}`,
      `  gRPC (tessera.v1): ${options.host}:${options.grpcPort}   data: ${options.dataDir}   logs: ${logDir}`,
      `  try: aws dynamodb list-tables --endpoint-url http://localhost:${options.httpPort}`,
      '  Ctrl-C stops the cluster.',
      `  processes: ${JSON.stringify(pids)}`,
      '',
    ].join('\n'),
  );
}
