// `npm run bench`: the load generator's command line. Parses options, starts the target(s),
// runs the session, prints the report and writes the JSON result and the SVG chart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { USAGE, parseBenchArguments } from './cli-options.js';
import type { BenchOptions, TargetKind } from './cli-options.js';
import {
  createCommandLauncher,
  createDynaliteLauncher,
  createEndpointLauncher,
} from './launchers.js';
import type { Launcher } from './launchers.js';
import { formatPhase, formatResult, progressLine } from './report.js';
import { renderComparisonChart, renderRunChart } from './result-charts.js';
import type { PhaseStats } from './runner.js';
import { effectiveWorkload, machineInfo, resultSettings, runSession } from './session.js';
import type { PhaseObserver } from './session.js';
import { formatRatios, mergedLatency, runSideBySide } from './side-by-side.js';

/** How often the live progress line is redrawn. */
const PROGRESS_INTERVAL_MS = 1000;

function launcherFor(kind: TargetKind, options: BenchOptions, name: string): Launcher {
  switch (kind) {
    case 'dynalite':
      return createDynaliteLauncher(name);
    case 'tessera':
      return createCommandLauncher({
        name,
        command: options.tesseraCommand,
        endpoint: options.tesseraEndpoint,
        readyTimeoutMs: 120_000,
      });
    case 'endpoint':
      return createEndpointLauncher(name, options.endpoint ?? options.tesseraEndpoint);
  }
}

/** A progress observer that redraws one stderr line per second while a phase runs. */
function createProgress(enabled: boolean): { observe: PhaseObserver; stop(): void } {
  let current: { phase: string; stats: PhaseStats; limitMs: number } | undefined;
  const draw = (): void => {
    if (current === undefined) return;
    const line = progressLine(current.phase, current.stats, performance.now(), current.limitMs);
    process.stderr.write(process.stderr.isTTY ? `\r${line.padEnd(100)}` : `${line}\n`);
  };
  const timer = enabled ? setInterval(draw, PROGRESS_INTERVAL_MS) : undefined;
  timer?.unref();
  return {
    observe: (phase, stats, limitMs) => {
      if (enabled && current !== undefined && process.stderr.isTTY) process.stderr.write('\n');
      current = { phase, stats, limitMs };
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      if (enabled && current !== undefined && process.stderr.isTTY) process.stderr.write('\n');
    },
  };
}

function writeOutputs(
  options: BenchOptions,
  baseName: string,
  json: unknown,
  svg: string | undefined,
): void {
  mkdirSync(options.outDirectory, { recursive: true });
  const jsonPath = join(options.outDirectory, `${baseName}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nresult: ${jsonPath}`);
  if (svg !== undefined) {
    const svgPath = join(options.outDirectory, `${baseName}.svg`);
    writeFileSync(svgPath, svg);
    console.log(`chart:  ${svgPath}`);
  }
}

const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-');

async function runSingle(
  options: BenchOptions,
  observe: PhaseObserver,
  signal: AbortSignal,
): Promise<number> {
  const launcher = launcherFor(options.target, options, options.target);
  const launched = await launcher.start();
  if (!launched.ok) {
    console.error(`bench: could not start ${launcher.name}: ${launched.message}`);
    return 1;
  }
  try {
    const session = await runSession(options, launched.target, observe, signal);
    if (!session.ok) {
      console.error(`bench: ${session.message}`);
      return 1;
    }
    console.log(formatResult(session.result));
    const svg = options.svg ? renderRunChart(session.result) : undefined;
    writeOutputs(options, `${stamp()}-${options.workload}-${options.target}`, session.result, svg);
    return session.result.phases.every((phase) => phase.operations > phase.errors) ? 0 : 1;
  } finally {
    await launched.target.stop();
  }
}

async function runComparison(
  options: BenchOptions,
  observe: PhaseObserver,
  signal: AbortSignal,
): Promise<number> {
  const launchers = options.targets.map((kind, index) =>
    launcherFor(
      kind,
      options,
      options.targets.indexOf(kind) === index ? kind : `${kind}#${index + 1}`,
    ),
  );
  const compared = await runSideBySide(options, launchers, observe, signal);
  if (!compared.ok) {
    console.error(`bench: side by side failed: ${compared.message}`);
    return 1;
  }
  const { outcome } = compared;
  const workload = effectiveWorkload(options);
  console.log(
    `tessera-bench side by side: workload ${workload.name}, ${options.rounds} alternating rounds per target`,
  );
  console.log(`  ${workload.description}`);
  for (const totals of outcome.targets) {
    const rate = totals.elapsedMs > 0 ? (totals.operations / totals.elapsedMs) * 1000 : 0;
    console.log(
      `\n${totals.name}: ${totals.operations} operations, ${rate.toFixed(1)} ops/s over all rounds`,
    );
    console.log(
      `  rounds (ops/s): ${totals.rounds.map((round) => round.operationsPerSecond).join(', ')}`,
    );
    for (const line of formatPhase({
      ...totals.rounds[0]!,
      byOperation: mergedLatency(totals),
    }).slice(1)) {
      console.log(line);
    }
  }
  console.log(`\nratios (target / baseline):`);
  for (const line of formatRatios(outcome.ratios)) console.log(line);
  const charted = outcome.targets.map((totals) => ({
    name: totals.name,
    rounds: totals.rounds,
    merged: mergedLatency(totals),
  }));
  const json = {
    tool: 'tessera-bench',
    mode: 'side-by-side',
    workload: workload.name,
    workloadDescription: workload.description,
    settings: { ...resultSettings(options), rounds: options.rounds },
    machine: machineInfo(),
    endpoints: outcome.endpoints,
    loads: outcome.loads,
    targets: charted,
    ratios: outcome.ratios,
  };
  const svg = options.svg ? renderComparisonChart(workload.name, charted) : undefined;
  writeOutputs(options, `${stamp()}-${options.workload}-side-by-side`, json, svg);
  return 0;
}

/** Runs the command line; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseBenchArguments(argv, process.env, tmpdir());
  if (parsed.ok === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (!parsed.ok) {
    console.error(`bench: ${parsed.message}\n\n${USAGE}`);
    return 2;
  }
  const progress = createProgress(parsed.options.progress);
  // Ctrl-C ends the phase early; the report is still printed and every started target is
  // stopped by the finally blocks (a second Ctrl-C exits at once).
  const controller = new AbortController();
  const interrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    console.error('\nbench: interrupted, stopping');
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    return parsed.options.sideBySide
      ? await runComparison(parsed.options, progress.observe, controller.signal)
      : await runSingle(parsed.options, progress.observe, controller.signal);
  } finally {
    progress.stop();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

process.exitCode = await main(process.argv.slice(2));
