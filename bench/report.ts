// Turns phase statistics into the JSON result and the printed report. Pure.
import type { Histogram } from './histogram.js';
import type { PhaseStats, StopReason, TimelineSample } from './runner.js';
import { OPERATION_KINDS } from './workloads.js';
import type { OperationKind } from './workloads.js';

/** Latency figures of one operation kind, in milliseconds. */
export interface LatencyReport {
  readonly operations: number;
  readonly errors: number;
  readonly operationsPerSecond: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** One phase (load or run) as the JSON result stores it. */
export interface PhaseReport {
  readonly phase: 'load' | 'run';
  readonly elapsedMs: number;
  readonly operations: number;
  readonly errors: number;
  readonly operationsPerSecond: number;
  readonly stopReason: StopReason | undefined;
  readonly byOperation: Partial<Record<OperationKind, LatencyReport>>;
  readonly errorsByType: Record<string, number>;
  readonly timeline: readonly TimelineSample[];
  /**
   * CPU time the load generator itself used during the phase, when measured: near 1000 ms
   * per second of phase means the generator saturated a core and the figures measure it.
   */
  readonly clientCpuMs?: number;
}

/** The whole JSON result file of one run. */
export interface BenchResult {
  readonly tool: 'tessera-bench';
  readonly version: 1;
  readonly startedAt: string;
  readonly target: string;
  readonly endpoint: string;
  readonly workload: string;
  readonly workloadDescription: string;
  readonly settings: Readonly<Record<string, string | number | boolean | null>>;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly phases: readonly PhaseReport[];
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** Latency figures of one histogram (microseconds in, milliseconds out). */
export function latencyReport(
  histogram: Histogram,
  operations: number,
  errors: number,
  elapsedMs: number,
): LatencyReport {
  const ms = (us: number): number => round(us / 1000);
  return {
    operations,
    errors,
    operationsPerSecond: round(elapsedMs > 0 ? (operations / elapsedMs) * 1000 : 0, 1),
    meanMs: ms(histogram.summary().mean),
    p50Ms: ms(histogram.percentile(50)),
    p95Ms: ms(histogram.percentile(95)),
    p99Ms: ms(histogram.percentile(99)),
    p999Ms: ms(histogram.percentile(99.9)),
    maxMs: ms(histogram.summary().max),
  };
}

/** Summarises a finished phase. */
export function phaseReport(
  phase: 'load' | 'run',
  stats: PhaseStats,
  clientCpuMs?: number,
): PhaseReport {
  const byOperation: Partial<Record<OperationKind, LatencyReport>> = {};
  for (const kind of OPERATION_KINDS) {
    const kindStats = stats.byKind.get(kind);
    if (kindStats === undefined) continue;
    byOperation[kind] = latencyReport(
      kindStats.histogram,
      kindStats.operations,
      kindStats.errors,
      stats.elapsedMs,
    );
  }
  return {
    phase,
    elapsedMs: round(stats.elapsedMs, 1),
    operations: stats.operations,
    errors: stats.errors,
    operationsPerSecond: round(
      stats.elapsedMs > 0 ? (stats.operations / stats.elapsedMs) * 1000 : 0,
      1,
    ),
    stopReason: stats.stopReason,
    byOperation,
    errorsByType: Object.fromEntries([...stats.errorsByType].sort(([a], [b]) => (a < b ? -1 : 1))),
    timeline: stats.timeline,
    ...(clientCpuMs === undefined ? {} : { clientCpuMs: round(clientCpuMs, 1) }),
  };
}

function pad(value: string | number, width: number): string {
  return String(value).padStart(width);
}

/** The latency table of one phase: one row per operation kind. */
export function formatPhase(report: PhaseReport): string[] {
  const lines = [
    `${report.phase} phase: ${report.operations} operations in ${(report.elapsedMs / 1000).toFixed(2)} s ` +
      `= ${report.operationsPerSecond} ops/s, ${report.errors} errors (stopped: ${report.stopReason ?? 'n/a'})`,
    `  ${'operation'.padEnd(18)}${pad('ops', 9)}${pad('ops/s', 10)}${pad('p50 ms', 9)}${pad('p95 ms', 9)}` +
      `${pad('p99 ms', 9)}${pad('p99.9 ms', 10)}${pad('max ms', 9)}${pad('errors', 8)}`,
  ];
  for (const [kind, row] of Object.entries(report.byOperation)) {
    lines.push(
      `  ${kind.padEnd(18)}${pad(row.operations, 9)}${pad(row.operationsPerSecond, 10)}${pad(row.p50Ms, 9)}` +
        `${pad(row.p95Ms, 9)}${pad(row.p99Ms, 9)}${pad(row.p999Ms, 10)}${pad(row.maxMs, 9)}${pad(row.errors, 8)}`,
    );
  }
  if (report.clientCpuMs !== undefined && report.elapsedMs > 0 && report.operations > 0) {
    const share = (report.clientCpuMs / report.elapsedMs) * 100;
    const perOperationUs = (report.clientCpuMs * 1000) / report.operations;
    lines.push(
      `  load generator CPU: ${share.toFixed(0)}% of one core, ${perOperationUs.toFixed(0)} µs per operation`,
    );
  }
  const errorTypes = Object.entries(report.errorsByType);
  if (errorTypes.length > 0) {
    lines.push('  errors by type:');
    for (const [type, count] of errorTypes) lines.push(`    ${type}: ${count}`);
  }
  return lines;
}

/** The full printed report of one run. */
export function formatResult(result: BenchResult): string {
  const settings = Object.entries(result.settings)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
  return [
    `tessera-bench: workload ${result.workload} against ${result.target} (${result.endpoint})`,
    `  ${result.workloadDescription}`,
    `  ${settings}`,
    `  machine: ${result.machine.cpuModel} x${result.machine.cpus}, node ${result.machine.node}`,
    ...result.phases.flatMap((phase) => ['', ...formatPhase(phase)]),
  ].join('\n');
}

/** The one-line live progress of a running phase. */
export function progressLine(
  phase: string,
  stats: PhaseStats,
  nowMs: number,
  limitMs: number,
): string {
  const elapsedMs = nowMs - stats.startedAtMs;
  const last = stats.timeline.at(-1);
  const rate =
    last === undefined
      ? elapsedMs > 0
        ? (stats.operations / elapsedMs) * 1000
        : 0
      : last.operationsPerSecond;
  const p99 = last === undefined ? '-' : last.p99Ms.toFixed(2);
  return (
    `[${phase}] ${(elapsedMs / 1000).toFixed(0)}/${(limitMs / 1000).toFixed(0)} s  ` +
    `${stats.operations} ops  ${rate.toFixed(0)} ops/s  p99 ${p99} ms  ${stats.errors} errors`
  );
}
