// A bounded retry policy for storage calls that come back with a routing answer (NotLeader,
// WrongPartition, PartitionUnavailable): a fixed number of attempts, exponential backoff with
// full jitter, and never past the request's deadline. The clock, the random source and the
// sleep are injected, so the policy is deterministic under test.

/** The policy's limits. */
export interface RetryPolicyOptions {
  /** Attempts in all, the first included (at least 1). */
  readonly attemptsMax: number;
  /** Backoff ceiling of the first retry; doubled for each further retry. */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling. */
  readonly maxDelayMs: number;
}

/**
 * The defaults: twelve attempts, 10 ms doubling to at most 250 ms — backoff ceilings summing to
 * ~1.8 s, so a request rides out a Raft election (about one second with the storage nodes'
 * defaults) or a replica move's last step instead of failing; the request deadline still bounds it.
 */
export const defaultRetryPolicy: RetryPolicyOptions = {
  attemptsMax: 12,
  baseDelayMs: 10,
  maxDelayMs: 250,
};

/** What to do after a failed attempt. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: 'attempts-exhausted' | 'deadline' };

/**
 * Decides whether attempt number `attemptsMade` (1 after the first failure) may be followed by
 * another, and after how long. `random` returns a number in [0, 1).
 */
export function nextRetry(
  options: RetryPolicyOptions,
  attemptsMade: number,
  nowMs: number,
  deadlineMs: number,
  random: () => number,
): RetryDecision {
  if (attemptsMade >= options.attemptsMax) return { retry: false, reason: 'attempts-exhausted' };
  const ceilingMs = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attemptsMade - 1));
  const delayMs = Math.floor(random() * ceilingMs);
  // A retry that could not even start before the deadline is not worth waiting for.
  if (nowMs + delayMs >= deadlineMs) return { retry: false, reason: 'deadline' };
  return { retry: true, delayMs };
}

/** One attempt's verdict: done (with a value), or retryable (with why). */
export type AttemptOutcome<T> =
  | { readonly done: true; readonly value: T }
  | { readonly done: false; readonly reason: string; readonly lastValue: T };

/** The environment a retry loop runs in. */
export interface RetryEnvironment {
  readonly nowMs: () => number;
  readonly random: () => number;
  readonly sleep: (delayMs: number) => Promise<void>;
  /** Told about each retry (metrics: `tessera_router_retries_total`). */
  readonly onRetry?: (reason: string, attempt: number) => void;
}

/**
 * Runs `attempt` until it is done or the policy gives up; then returns the last value, so the
 * caller reports the last routing answer rather than a generic failure.
 */
export async function withRetries<T>(
  options: RetryPolicyOptions,
  deadlineMs: number,
  environment: RetryEnvironment,
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    const outcome = await attempt(attemptNumber);
    if (outcome.done) return outcome.value;
    const decision = nextRetry(
      options,
      attemptNumber,
      environment.nowMs(),
      deadlineMs,
      environment.random,
    );
    if (!decision.retry) return outcome.lastValue;
    environment.onRetry?.(outcome.reason, attemptNumber);
    await environment.sleep(decision.delayMs);
  }
}
