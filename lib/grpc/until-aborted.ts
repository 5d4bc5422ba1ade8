// Ending a stream handler's loop when the server shuts down.
//
// A handler blocked in `for await (const request of requests)` waits for the peer's next
// message; a long-lived stream (Raft traffic, a watch) would then hold a graceful shutdown
// for its whole grace period. Wrapping the requests in `untilAborted(requests,
// context.shutdownSignal)` ends the loop as soon as shutdown begins, so the call completes
// and the server can close.

/** Yields from `source` until it ends or `signal` aborts, whichever comes first. */
export async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
): AsyncIterable<T> {
  if (signal.aborted) return;
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: () => void = () => {};
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    onAbort = () => resolve({ done: true, value: undefined });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  let finished = false;
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) {
        finished = !signal.aborted;
        return;
      }
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // A `next()` may still be pending; `return()` would queue behind it, so it is not awaited.
    if (!finished) iterator.return?.().catch(() => {});
  }
}
