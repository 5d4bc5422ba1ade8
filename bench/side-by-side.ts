// Side by side: the same workload against several targets in one run, in alternating rounds
// (ABBA order), so that drift of the machine over time (thermal, other tenants, caches)
// hits every target alike. The plan and the ratios are pure; `runSideBySide` is the edge.
import { createHistogram } from './histogram.js';
import type { Histogram } from './histogram.js';
import type { BenchOptions } from './cli-options.js';
import type { Launcher, RunningTarget } from './launchers.js';
import { latencyReport } from './report.js';
import type { LatencyReport, PhaseReport } from './report.js';
import type { PhaseStats } from './runner.js';
import { ensureTable, loadPhase, openClient, runWorkloadPhase } from './session.js';
import type { PhaseObserver } from './session.js';
import { OPERATION_KINDS } from './workloads.js';
import type { OperationKind } from './workloads.js';

/** One slot of the plan: which target runs in which round. */
export interface PlanSlot {
  readonly round: number;
  readonly target: number;
}

/**
 * The order of runs: round 0 runs targets 0..n-1, round 1 runs them in reverse, and so on
 * (ABBA…), so each target runs as often first as last and drift cancels out.
 */
export function alternationPlan(targetCount: number, rounds: number): PlanSlot[] {
  const slots: PlanSlot[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const order = Array.from({ length: targetCount }, (_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const target of order) slots.push({ round, target });
  }
  return slots;
}

/** Everything measured for one target over all its rounds. */
export interface TargetTotals {
  readonly name: string;
  operations: number;
  errors: number;
  elapsedMs: number;
  readonly byKind: Map<OperationKind, { histogram: Histogram; operations: number; errors: number }>;
  readonly rounds: PhaseReport[];
}

/** Creates empty totals for a target. */
export function createTargetTotals(name: string): TargetTotals {
  return { name, operations: 0, errors: 0, elapsedMs: 0, byKind: new Map(), rounds: [] };
}

/** Adds one round's statistics to a target's totals. */
export function addRound(totals: TargetTotals, stats: PhaseStats, report: PhaseReport): void {
  totals.operations += stats.operations;
  totals.errors += stats.errors;
  totals.elapsedMs += stats.elapsedMs;
  totals.rounds.push(report);
  for (const [kind, kindStats] of stats.byKind) {
    let merged = totals.byKind.get(kind);
    if (merged === undefined) {
      merged = { histogram: createHistogram(kindStats.histogram.config), operations: 0, errors: 0 };
      totals.byKind.set(kind, merged);
    }
    merged.histogram.merge(kindStats.histogram);
    merged.operations += kindStats.operations;
    merged.errors += kindStats.errors;
  }
}

/** Per-kind latency figures over all rounds of a target. */
export function mergedLatency(totals: TargetTotals): Record<string, LatencyReport> {
  const merged: Record<string, LatencyReport> = {};
  for (const kind of OPERATION_KINDS) {
    const stats = totals.byKind.get(kind);
    if (stats === undefined) continue;
    merged[kind] = latencyReport(stats.histogram, stats.operations, stats.errors, totals.elapsedMs);
  }
  return merged;
}

/** One row of the ratio table: a target against the baseline (the first target). */
export interface RatioRow {
  readonly target: string;
  readonly baseline: string;
  readonly operation: string;
  /** Target throughput ÷ baseline throughput: above 1 is faster. */
  readonly throughputRatio: number;
  /** Target latency ÷ baseline latency: below 1 is faster. */
  readonly p50Ratio: number;
  readonly p99Ratio: number;
}

const ratio = (a: number, b: number): number => (b > 0 ? Number((a / b).toFixed(3)) : Number.NaN);

/** Ratios of every other target to the first one, overall and per operation kind. */
export function computeRatios(targets: readonly TargetTotals[]): RatioRow[] {
  const [baseline, ...others] = targets;
  if (baseline === undefined) return [];
  const baseLatency = mergedLatency(baseline);
  const rate = (t: TargetTotals): number =>
    t.elapsedMs > 0 ? (t.operations / t.elapsedMs) * 1000 : 0;
  const rows: RatioRow[] = [];
  for (const other of others) {
    const otherLatency = mergedLatency(other);
    rows.push({
      target: other.name,
      baseline: baseline.name,
      operation: 'all',
      throughputRatio: ratio(rate(other), rate(baseline)),
      p50Ratio: Number.NaN,
      p99Ratio: Number.NaN,
    });
    for (const [kind, base] of Object.entries(baseLatency)) {
      const theirs = otherLatency[kind];
      if (theirs === undefined) continue;
      rows.push({
        target: other.name,
        baseline: baseline.name,
        operation: kind,
        throughputRatio: ratio(theirs.operationsPerSecond, base.operationsPerSecond),
        p50Ratio: ratio(theirs.p50Ms, base.p50Ms),
        p99Ratio: ratio(theirs.p99Ms, base.p99Ms),
      });
    }
  }
  return rows;
}

/** The printed ratio table. */
export function formatRatios(rows: readonly RatioRow[]): string[] {
  const show = (value: number): string => (Number.isNaN(value) ? '-' : `${value.toFixed(2)}x`);
  return [
    `  ${'target / baseline'.padEnd(34)}${'operation'.padEnd(20)}${'throughput'.padStart(11)}${'p50'.padStart(9)}${'p99'.padStart(9)}`,
    ...rows.map(
      (row) =>
        `  ${`${row.target} / ${row.baseline}`.padEnd(34)}${row.operation.padEnd(20)}` +
        `${show(row.throughputRatio).padStart(11)}${show(row.p50Ratio).padStart(9)}${show(row.p99Ratio).padStart(9)}`,
    ),
  ];
}

/** What a side-by-side run produced. */
export interface SideBySideOutcome {
  readonly targets: TargetTotals[];
  readonly loads: PhaseReport[];
  readonly ratios: RatioRow[];
  readonly endpoints: string[];
}

/**
 * Starts every target, loads each, runs the alternating rounds (each round gets
 * durationMs / rounds and the same seed on every target), and stops every target by PID.
 */
export async function runSideBySide(
  options: BenchOptions,
  launchers: readonly Launcher[],
  observe?: PhaseObserver,
  signal?: AbortSignal,
): Promise<{ ok: true; outcome: SideBySideOutcome } | { ok: false; message: string }> {
  const running: RunningTarget[] = [];
  try {
    for (const launcher of launchers) {
      const launched = await launcher.start();
      if (!launched.ok) return { ok: false, message: `${launcher.name}: ${launched.message}` };
      running.push(launched.target);
    }
    const clients = running.map((target) => openClient(options, target.endpoint));
    try {
      const loads: PhaseReport[] = [];
      for (const [index, client] of clients.entries()) {
        const tableError = await ensureTable(client, options.table);
        if (tableError !== undefined)
          return { ok: false, message: `${running[index]!.name}: ${tableError}` };
        if (options.phases !== 'run') loads.push(await loadPhase(client, options, observe, signal));
      }
      const totals = running.map((target) => createTargetTotals(target.name));
      const roundMs = Math.max(1000, Math.floor(options.durationMs / options.rounds));
      for (const slot of alternationPlan(running.length, options.rounds)) {
        if (signal?.aborted === true) break;
        const seed = options.seed + slot.round;
        const client = clients[slot.target]!;
        const run = await runWorkloadPhase(client, options, roundMs, seed, observe, signal);
        addRound(totals[slot.target]!, run.stats, run.report);
      }
      const endpoints = running.map((target) => target.endpoint);
      return {
        ok: true,
        outcome: { targets: totals, loads, ratios: computeRatios(totals), endpoints },
      };
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  } finally {
    for (const target of running) await target.stop();
  }
}
