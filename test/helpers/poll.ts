// Waiting without sleeping blindly: check a condition repeatedly until it holds or a
// deadline passes, then fail with what was last seen.

/** Options of `pollUntil`. */
export interface PollOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Time between checks. */
  readonly intervalMs?: number;
  /** Named in the error when the deadline passes. */
  readonly description?: string;
}

/**
 * Calls `check` until it returns something other than undefined, and returns that. Throws
 * when `timeoutMs` passes first; a check that throws counts as "not yet" (its error is
 * reported if the deadline passes).
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError === undefined ? '' : `; last error: ${String(lastError)}`;
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${options.description ?? 'a condition'}${reason}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
