// One benchmark session against one running endpoint: create the table, load the records,
// run the workload. This is the I/O edge that wires the pure planner and the runner to the
// HTTP client and the real clock.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, platform, release, totalmem } from 'node:os';
import type { BenchOptions } from './cli-options.js';
import { createDynamoClient } from './dynamo-client.js';
import type { DynamoClient } from './dynamo-client.js';
import {
  createTableRequest,
  createValueSource,
  operationRequests,
  putItemRequest,
  tableRequest,
} from './dynamo-requests.js';
import { createRandom } from './random.js';
import { phaseReport } from './report.js';
import type { BenchResult, PhaseReport } from './report.js';
import { runPhase } from './runner.js';
import type { OperationOutcome, PhaseStats, RunnerClock } from './runner.js';
import { WORKLOADS, createOperationPlanner } from './workloads.js';
import type { PlannedOperation, Workload } from './workloads.js';

/** The real clock: monotonic time and timer-based waits (the only timers in the bench). */
export const SYSTEM_CLOCK: RunnerClock = {
  nowMs: () => performance.now(),
  sleepUntil: async (ms) => {
    const waitMs = ms - performance.now();
    if (waitMs > 0) await sleep(waitMs);
  },
};

/** CPU time (user + system) this process used since `before`, in milliseconds. */
function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Lets the caller show progress while a phase runs. */
export type PhaseObserver = (phase: 'load' | 'run', stats: PhaseStats, limitMs: number) => void;

/** How long table creation may take before the session gives up. */
const TABLE_ACTIVE_TIMEOUT_MS = 60_000;

/** The workload with the `--distribution` override applied. */
export function effectiveWorkload(options: BenchOptions): Workload {
  const workload = WORKLOADS[options.workload]!;
  return options.distribution === undefined
    ? workload
    : { ...workload, requestDistribution: options.distribution };
}

/** Machine facts for the result file. */
export function machineInfo(): Record<string, string | number> {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpus: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.version,
  };
}

/** Creates the table (or reuses an existing one) and waits until it is ACTIVE. */
export async function ensureTable(
  client: DynamoClient,
  table: string,
): Promise<string | undefined> {
  const created = await client.send(createTableRequest(table));
  if (!created.ok && created.errorType !== 'ResourceInUseException') {
    return `CreateTable failed: ${created.errorType}: ${created.message}`;
  }
  const deadlineMs = performance.now() + TABLE_ACTIVE_TIMEOUT_MS;
  while (performance.now() < deadlineMs) {
    const described = await client.send(tableRequest('DescribeTable', table));
    const status = described.ok
      ? ((described.body.Table as Record<string, unknown> | undefined)?.TableStatus as
          string | undefined)
      : undefined;
    if (status === 'ACTIVE') return undefined;
    await sleep(100);
  }
  return `table ${table} did not become ACTIVE within ${TABLE_ACTIVE_TIMEOUT_MS} ms`;
}

async function execute(
  client: DynamoClient,
  options: BenchOptions,
  workload: Workload,
  operation: PlannedOperation,
  values: ReturnType<typeof createValueSource>,
): Promise<OperationOutcome> {
  for (const request of operationRequests(options.table, workload, operation, values)) {
    const response = await client.send(request);
    if (!response.ok) return { ok: false, errorType: response.errorType };
  }
  return { ok: true };
}

/** Runs the load phase: inserts records 0..recordCount-1. */
export async function loadPhase(
  client: DynamoClient,
  options: BenchOptions,
  observe?: PhaseObserver,
  signal?: AbortSignal,
): Promise<PhaseReport> {
  const workload = effectiveWorkload(options);
  const values = createValueSource(createRandom(options.seed ^ 0x5eed));
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const stats = await runPhase({
    limits: {
      concurrency: options.concurrency,
      operationLimit: options.recordCount,
      durationMs: options.loadDurationMs,
    },
    clock: SYSTEM_CLOCK,
    nextOperation: () =>
      next < options.recordCount
        ? { kind: 'insert' as const, record: next++, scanLength: 1, field: 0, wholeItem: true }
        : undefined,
    execute: async (operation) => {
      const response = await client.send(
        putItemRequest(options.table, operation.record, workload.itemsPerPartition, values),
      );
      return response.ok ? { ok: true } : { ok: false, errorType: response.errorType };
    },
    onStart: (stats) => observe?.('load', stats, options.loadDurationMs),
    signal,
  });
  return phaseReport('load', stats, cpuMsSince(cpuBefore));
}

/** Runs the run phase of the workload for `durationMs` (or the operation limit). */
export async function runWorkloadPhase(
  client: DynamoClient,
  options: BenchOptions,
  durationMs: number,
  seed: number,
  observe?: PhaseObserver,
  signal?: AbortSignal,
): Promise<{ report: PhaseReport; stats: PhaseStats }> {
  const workload = effectiveWorkload(options);
  const random = createRandom(seed);
  const insertShare = workload.proportions.insert ?? 0;
  const expectedInserts = Math.ceil(
    Math.min(options.operationLimit, options.recordCount) * insertShare * 2,
  );
  const planner = createOperationPlanner(workload, random, options.recordCount, expectedInserts);
  const values = createValueSource(createRandom(seed ^ 0x7a1e));
  const cpuBefore = process.cpuUsage();
  const stats = await runPhase({
    limits: {
      concurrency: options.concurrency,
      operationLimit: options.operationLimit,
      durationMs,
      ratePerSecond: options.ratePerSecond,
    },
    clock: SYSTEM_CLOCK,
    nextOperation: () => planner.next(),
    execute: async (operation) => {
      const outcome = await execute(client, options, workload, operation, values);
      if (outcome.ok && operation.kind === 'insert') planner.acknowledgeInsert(operation.record);
      return outcome;
    },
    onStart: (stats) => observe?.('run', stats, durationMs),
    signal,
  });
  return { report: phaseReport('run', stats, cpuMsSince(cpuBefore)), stats };
}

/** Opens a client for an endpoint with the options' signing settings. */
export function openClient(options: BenchOptions, endpoint: string): DynamoClient {
  return createDynamoClient({
    endpoint,
    connections: options.concurrency,
    requestTimeoutMs: options.requestTimeoutMs,
    signing: options.sign
      ? {
          credentials: {
            accessKeyId: options.accessKeyId,
            secretAccessKey: options.secretAccessKey,
          },
          region: options.region,
        }
      : undefined,
  });
}

/** Settings recorded in the result file (never the secret). */
export function resultSettings(options: BenchOptions): BenchResult['settings'] {
  return {
    records: options.recordCount,
    concurrency: options.concurrency,
    durationSeconds: options.durationMs / 1000,
    operations: options.operationLimit,
    rate: options.ratePerSecond ?? null,
    phases: options.phases,
    seed: options.seed,
    distribution: effectiveWorkload(options).requestDistribution,
    signed: options.sign,
  };
}

/** Runs a whole session (table, load, run) against one endpoint. */
export async function runSession(
  options: BenchOptions,
  target: { name: string; endpoint: string },
  observe?: PhaseObserver,
  signal?: AbortSignal,
): Promise<{ ok: true; result: BenchResult } | { ok: false; message: string }> {
  const client = openClient(options, target.endpoint);
  const startedAt = new Date().toISOString();
  try {
    const tableError = await ensureTable(client, options.table);
    if (tableError !== undefined) return { ok: false, message: `${target.name}: ${tableError}` };
    const phases: PhaseReport[] = [];
    if (options.phases !== 'run') phases.push(await loadPhase(client, options, observe, signal));
    if (options.phases !== 'load' && signal?.aborted !== true) {
      const run = await runWorkloadPhase(
        client,
        options,
        options.durationMs,
        options.seed,
        observe,
        signal,
      );
      phases.push(run.report);
    }
    const workload = effectiveWorkload(options);
    return {
      ok: true,
      result: {
        tool: 'tessera-bench',
        version: 1,
        startedAt,
        target: target.name,
        endpoint: target.endpoint,
        workload: workload.name,
        workloadDescription: workload.description,
        settings: resultSettings(options),
        machine: machineInfo(),
        phases,
      },
    };
  } finally {
    await client.close();
  }
}
