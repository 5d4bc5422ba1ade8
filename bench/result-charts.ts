// The charts of a run: throughput over time, latency over time and latency percentiles per
// operation. Pure: a result in, SVG text out.
import type { BenchResult, LatencyReport, PhaseReport } from './report.js';
import { renderChart } from './svg-chart.js';
import type { Panel, Series } from './svg-chart.js';

/** The percentile columns of the percentile panel. */
export const PERCENTILE_CATEGORIES = ['p50', 'p95', 'p99', 'p99.9', 'max'] as const;

/** A latency report's percentiles in the order of PERCENTILE_CATEGORIES. */
export function percentilePoints(report: LatencyReport): [number, number][] {
  return [report.p50Ms, report.p95Ms, report.p99Ms, report.p999Ms, report.maxMs].map(
    (value, index) => [index, value],
  );
}

function throughputPanel(
  title: string,
  runs: readonly { name: string; phase: PhaseReport }[],
): Panel {
  return {
    title,
    xLabel: 'seconds',
    yLabel: 'operations/s',
    series: runs.map(({ name, phase }) => ({
      name,
      points: phase.timeline.map(
        (sample) => [sample.atSeconds, sample.operationsPerSecond] as const,
      ),
    })),
  };
}

function latencyOverTimePanel(phase: PhaseReport): Panel {
  return {
    title: 'Latency over time (all operations, per second)',
    xLabel: 'seconds',
    yLabel: 'ms',
    series: [
      {
        name: 'p50',
        points: phase.timeline.map((sample) => [sample.atSeconds, sample.p50Ms] as const),
      },
      {
        name: 'p99',
        points: phase.timeline.map((sample) => [sample.atSeconds, sample.p99Ms] as const),
      },
    ],
  };
}

function percentilePanel(title: string, series: Series[]): Panel {
  return {
    title,
    xLabel: 'percentile',
    yLabel: 'ms (log scale)',
    logY: true,
    xCategories: PERCENTILE_CATEGORIES,
    series,
  };
}

/** The chart of one run (its run phase; the load phase when there is no run phase). */
export function renderRunChart(result: BenchResult): string {
  const phase = result.phases.find((p) => p.phase === 'run') ?? result.phases[0];
  const title = `Workload ${result.workload} against ${result.target}`;
  if (phase === undefined) return renderChart(title, []);
  return renderChart(title, [
    throughputPanel(`Throughput (${phase.phase} phase)`, [{ name: 'ops/s', phase }]),
    latencyOverTimePanel(phase),
    percentilePanel(
      'Latency percentiles by operation',
      Object.entries(phase.byOperation).map(([kind, report]) => ({
        name: kind,
        points: percentilePoints(report),
      })),
    ),
  ]);
}

/** The chart of a side-by-side comparison: throughput of every round, percentiles per target. */
export function renderComparisonChart(
  workload: string,
  targets: readonly {
    name: string;
    rounds: readonly PhaseReport[];
    merged: Record<string, LatencyReport>;
  }[],
): string {
  const roundSeries: Series[] = targets.map((target) => ({
    name: target.name,
    points: target.rounds.map((round, index) => [index + 1, round.operationsPerSecond] as const),
  }));
  const percentileSeries: Series[] = targets.flatMap((target) =>
    Object.entries(target.merged).map(([kind, report]) => ({
      name: `${target.name} ${kind}`,
      points: percentilePoints(report),
    })),
  );
  return renderChart(`Workload ${workload}: side by side`, [
    { title: 'Throughput per round', xLabel: 'round', yLabel: 'operations/s', series: roundSeries },
    percentilePanel('Latency percentiles (all rounds)', percentileSeries),
  ]);
}
