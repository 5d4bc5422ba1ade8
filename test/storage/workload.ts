// A client workload for cross-process tests: concurrent clients write and read a few keys
// through whichever node they believe leads, follow NotLeader hints, and record a history for
// the linearizability checker. A call whose outcome is unknown (the node died, a timeout) is
// recorded with no output and an infinite return time, as the checker expects.
import type { KvOperation } from '../../lib/linearizability/index.js';
import type { NodeProcess } from './cluster.js';

/** Which partition the workload addresses. */
export interface Target {
  readonly tableId: string;
  readonly partitionId: string;
  readonly epoch: bigint;
}

/** The answer of one attempt. */
type Attempt<T> =
  { kind: 'done'; value: T } | { kind: 'retry'; leaderAddress: string } | { kind: 'unknown' };

function s(value: string) {
  return { value: { case: 's' as const, value } };
}

/** One PutItem attempt of `id` = `value` (attribute v). */
export async function tryPut(
  node: NodeProcess,
  target: Target,
  id: string,
  value: string,
): Promise<Attempt<null>> {
  try {
    const answer = await node.storage.putItem(
      { partition: target, request: { tableName: 'Things', item: { id: s(id), v: s(value) } } },
      { timeoutMs: 3_000 },
    );
    if (answer.response !== undefined) return { kind: 'done', value: null };
    const routing = answer.routingError?.kind;
    if (routing?.case === 'notLeader')
      return { kind: 'retry', leaderAddress: routing.value.leaderAddress };
    return { kind: 'unknown' };
  } catch {
    return { kind: 'unknown' };
  }
}

/** One consistent GetItem attempt; the value of attribute v, or null when absent. */
export async function tryGet(
  node: NodeProcess,
  target: Target,
  id: string,
  consistent = true,
): Promise<Attempt<string | null>> {
  try {
    const answer = await node.storage.getItem(
      {
        partition: target,
        request: { tableName: 'Things', key: { id: s(id) }, consistentRead: consistent },
      },
      { timeoutMs: 3_000 },
    );
    const response = answer.response;
    if (response !== undefined) {
      const v = response.item['v']?.value;
      return { kind: 'done', value: response.found && v?.case === 's' ? v.value : null };
    }
    const routing = answer.routingError?.kind;
    if (routing?.case === 'notLeader')
      return { kind: 'retry', leaderAddress: routing.value.leaderAddress };
    return { kind: 'retry', leaderAddress: '' };
  } catch {
    return { kind: 'unknown' };
  }
}

/** Runs `attempt` against the believed leader, following hints, at most `attemptsMax` times. */
export async function withLeader<T>(
  nodes: () => readonly NodeProcess[],
  start: { index: number },
  attemptsMax: number,
  attempt: (node: NodeProcess) => Promise<Attempt<T>>,
): Promise<Attempt<T>> {
  for (let i = 0; i < attemptsMax; i++) {
    const live = nodes();
    const node = live[start.index % live.length]!;
    const answer = await attempt(node);
    if (answer.kind !== 'retry') {
      if (answer.kind === 'unknown') start.index++;
      return answer;
    }
    const hinted = live.findIndex((n) => n.address === answer.leaderAddress);
    start.index = hinted >= 0 ? hinted : start.index + 1;
    // Let an election finish before trying again; bounded by attemptsMax.
    if (hinted < 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { kind: 'unknown' };
}

/** The result of a workload run. */
export interface WorkloadResult {
  readonly history: KvOperation[];
  /** Unique keys whose write was acknowledged. */
  readonly acknowledged: string[];
}

/**
 * `clients` loops of `operationsPerClient` operations over `keys` registers: writes of unique
 * values, consistent reads, and a write of a key of its own that must survive. `onProgress` is
 * told the count of finished operations (the test kills a node from it).
 */
export async function runWorkload(options: {
  nodes: () => readonly NodeProcess[];
  target: Target;
  clients: number;
  operationsPerClient: number;
  keys: number;
  onProgress?: (finished: number) => void;
}): Promise<WorkloadResult> {
  const history: KvOperation[] = [];
  const acknowledged: string[] = [];
  let finished = 0;
  const origin = performance.now();
  const now = () => performance.now() - origin;
  async function client(clientId: number): Promise<void> {
    const start = { index: clientId };
    for (let n = 0; n < options.operationsPerClient; n++) {
      const key = `k${(clientId + n) % options.keys}`;
      const callTime = now();
      if (n % 3 === 2) {
        const answer = await withLeader(options.nodes, start, 40, (node) =>
          tryGet(node, options.target, key),
        );
        history.push({
          clientId,
          input: { kind: 'read', key },
          output: answer.kind === 'done' ? { kind: 'read', value: answer.value } : undefined,
          callTime,
          returnTime: answer.kind === 'done' ? now() : Infinity,
        });
      } else {
        const value = `c${clientId}-${n}`;
        const answer = await withLeader(options.nodes, start, 40, (node) =>
          tryPut(node, options.target, key, value),
        );
        history.push({
          clientId,
          input: { kind: 'write', key, value },
          output: answer.kind === 'done' ? { kind: 'write' } : undefined,
          callTime,
          returnTime: answer.kind === 'done' ? now() : Infinity,
        });
        const unique = `u-${clientId}-${n}`;
        const own = await withLeader(options.nodes, start, 40, (node) =>
          tryPut(node, options.target, unique, value),
        );
        if (own.kind === 'done') acknowledged.push(unique);
      }
      options.onProgress?.(++finished);
    }
  }
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  return { history, acknowledged };
}
