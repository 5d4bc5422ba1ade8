// The closed-loop (or rate-limited) load runner: `concurrency` workers take operations from
// a source and execute them until an operation limit, a deadline or an abort. It knows
// nothing of DynamoDB: the clock, the source and the executor are injected, which is how
// the tests drive it with a fake clock and fake operations.
import { createHistogram } from './histogram.js';
import type { Histogram } from './histogram.js';
import type { OperationKind } from './workloads.js';

/** Bounds of one phase. Every phase is bounded by both operations and time. */
export interface PhaseLimits {
  /** Workers, i.e. operations in flight at once. */
  readonly concurrency: number;
  /** Stop after issuing this many operations. */
  readonly operationLimit: number;
  /** Stop issuing after this long. */
  readonly durationMs: number;
  /** Issue at most this many operations per second (open-loop schedule) when set. */
  readonly ratePerSecond?: number;
}

/** Monotonic time in milliseconds and a way to wait for it. */
export interface RunnerClock {
  nowMs(): number;
  sleepUntil(ms: number): Promise<void>;
}

/** What executing one operation gave. */
export type OperationOutcome =
  { readonly ok: true } | { readonly ok: false; readonly errorType: string };

/** One interval of the timeline (for the throughput and latency-over-time charts). */
export interface TimelineSample {
  /** Seconds since the phase started, at the end of the interval. */
  readonly atSeconds: number;
  readonly operations: number;
  readonly errors: number;
  /** Completed operations per second over the interval (the last one may be shorter). */
  readonly operationsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Per-operation-kind statistics. */
export interface KindStats {
  readonly histogram: Histogram;
  operations: number;
  errors: number;
}

/** Why a phase stopped. */
export type StopReason = 'operation-limit' | 'duration' | 'source-exhausted' | 'aborted';

/** Live statistics of a running phase; the progress line reads them while it runs. */
export interface PhaseStats {
  readonly startedAtMs: number;
  elapsedMs: number;
  operations: number;
  errors: number;
  readonly byKind: Map<OperationKind, KindStats>;
  readonly errorsByType: Map<string, number>;
  readonly timeline: TimelineSample[];
  stopReason: StopReason | undefined;
}

/** Width of one timeline interval. */
export const TIMELINE_INTERVAL_MS = 1000;

/** Longest phase accepted: every run stops by itself. */
export const PHASE_DURATION_MS_MAX = 3_600_000;

/** What `runPhase` needs. */
export interface RunPhaseInput<Operation extends { readonly kind: OperationKind }> {
  readonly limits: PhaseLimits;
  readonly clock: RunnerClock;
  /** The next operation, or undefined when the source is exhausted (the load phase). */
  readonly nextOperation: () => Operation | undefined;
  /** Executes one operation; must not throw for operating errors. */
  readonly execute: (operation: Operation) => Promise<OperationOutcome>;
  readonly signal?: AbortSignal;
  /** Called with the live statistics as soon as they exist. */
  readonly onStart?: (stats: PhaseStats) => void;
}

function checkLimits(limits: PhaseLimits): void {
  if (!(
    Number.isInteger(limits.concurrency) &&
    limits.concurrency >= 1 &&
    limits.concurrency <= 4096
  )) {
    throw new Error(`runPhase: concurrency must be 1-4096, got ${limits.concurrency}`);
  }
  if (!(
    limits.operationLimit >= 0 &&
    limits.durationMs > 0 &&
    limits.durationMs <= PHASE_DURATION_MS_MAX
  )) {
    throw new Error(
      'runPhase: the phase must be bounded in operations and in time (at most an hour)',
    );
  }
  if (limits.ratePerSecond !== undefined && !(limits.ratePerSecond > 0)) {
    throw new Error(`runPhase: rate must be positive, got ${limits.ratePerSecond}`);
  }
}

/** Runs one phase to completion and returns its statistics. */
export async function runPhase<Operation extends { readonly kind: OperationKind }>(
  input: RunPhaseInput<Operation>,
): Promise<PhaseStats> {
  const { limits, clock } = input;
  checkLimits(limits);
  const startedAtMs = clock.nowMs();
  const deadlineMs = startedAtMs + limits.durationMs;
  const stats: PhaseStats = {
    startedAtMs,
    elapsedMs: 0,
    operations: 0,
    errors: 0,
    byKind: new Map(),
    errorsByType: new Map(),
    timeline: [],
    stopReason: undefined,
  };
  const timeline = createTimelineRecorder(stats, startedAtMs);
  input.onStart?.(stats);
  let issued = 0;
  const stopReason = (): StopReason | undefined => {
    if (input.signal?.aborted === true) return 'aborted';
    if (issued >= limits.operationLimit) return 'operation-limit';
    if (clock.nowMs() >= deadlineMs) return 'duration';
    return undefined;
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const reason = stopReason();
      if (reason !== undefined) {
        stats.stopReason ??= reason;
        return;
      }
      const index = issued;
      issued += 1;
      let operationStartMs = clock.nowMs();
      if (limits.ratePerSecond !== undefined) {
        // Latency counts from the scheduled start, so a server that falls behind is charged
        // for the queueing it causes (no coordinated omission).
        operationStartMs = startedAtMs + (index * 1000) / limits.ratePerSecond;
        if (operationStartMs >= deadlineMs) {
          stats.stopReason ??= 'duration';
          return;
        }
        await clock.sleepUntil(operationStartMs);
      }
      const operation = input.nextOperation();
      if (operation === undefined) {
        stats.stopReason ??= 'source-exhausted';
        return;
      }
      const outcome = await input.execute(operation);
      const endMs = clock.nowMs();
      recordOutcome(stats, operation.kind, outcome, (endMs - operationStartMs) * 1000);
      timeline.record(endMs, (endMs - operationStartMs) * 1000, outcome.ok);
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, () => worker()));
  stats.elapsedMs = clock.nowMs() - startedAtMs;
  timeline.finish(startedAtMs + stats.elapsedMs);
  return stats;
}

function recordOutcome(
  stats: PhaseStats,
  kind: OperationKind,
  outcome: OperationOutcome,
  latencyUs: number,
): void {
  let kindStats = stats.byKind.get(kind);
  if (kindStats === undefined) {
    kindStats = { histogram: createHistogram(), operations: 0, errors: 0 };
    stats.byKind.set(kind, kindStats);
  }
  kindStats.operations += 1;
  stats.operations += 1;
  if (outcome.ok) {
    kindStats.histogram.record(latencyUs);
    return;
  }
  kindStats.errors += 1;
  stats.errors += 1;
  const key = `${kind}: ${outcome.errorType}`;
  stats.errorsByType.set(key, (stats.errorsByType.get(key) ?? 0) + 1);
}

/**
 * Keeps the current interval's operations in a small histogram and closes it into a
 * sample when time moves on, so a long run stores numbers, not histograms.
 */
function createTimelineRecorder(
  stats: PhaseStats,
  startedAtMs: number,
): { record(nowMs: number, latencyUs: number, ok: boolean): void; finish(nowMs: number): void } {
  const intervalConfig = { highestTrackableValue: 600_000_000, significantDigits: 2 };
  let interval = 0;
  let histogram = createHistogram(intervalConfig);
  let operations = 0;
  let errors = 0;
  const close = (atSeconds: number, lengthSeconds: number): void => {
    stats.timeline.push({
      atSeconds,
      operations,
      errors,
      operationsPerSecond: operations / lengthSeconds,
      p50Ms: histogram.percentile(50) / 1000,
      p99Ms: histogram.percentile(99) / 1000,
    });
    histogram = createHistogram(intervalConfig);
    operations = 0;
    errors = 0;
  };
  const advanceTo = (nowMs: number): void => {
    const current = Math.floor((nowMs - startedAtMs) / TIMELINE_INTERVAL_MS);
    while (interval < current) {
      interval += 1;
      close((interval * TIMELINE_INTERVAL_MS) / 1000, TIMELINE_INTERVAL_MS / 1000);
    }
  };
  return {
    record(nowMs, latencyUs, ok) {
      advanceTo(nowMs);
      operations += 1;
      if (ok) histogram.record(latencyUs);
      else errors += 1;
    },
    finish(nowMs) {
      advanceTo(nowMs);
      const partialMs = nowMs - startedAtMs - interval * TIMELINE_INTERVAL_MS;
      // A sliver of an interval would chart as a meaningless spike or dip.
      if (partialMs >= TIMELINE_INTERVAL_MS / 4)
        close((nowMs - startedAtMs) / 1000, partialMs / 1000);
    },
  };
}
