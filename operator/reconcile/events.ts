/**
 * Kubernetes Events for condition changes, so `kubectl describe tesseracluster` shows why a
 * spec was refused or what the operator is doing. Emitted only when a condition's reason
 * changes, never on every pass.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Condition, TesseraCluster, TesseraClusterStatus } from '../api/types.js';
import type { KubeClient } from '../kube/client.js';

/** The events a status change deserves: a Warning per new Degraded reason, a Normal per new Progressing reason. */
export function eventsFor(
  previous: TesseraClusterStatus | undefined,
  next: TesseraClusterStatus,
): { type: 'Normal' | 'Warning'; reason: string; message: string }[] {
  const before = (type: string) =>
    previous?.conditions?.find((condition) => condition.type === type);
  const after = (type: string) => next.conditions?.find((condition) => condition.type === type);
  const changed = (a: Condition | undefined, b: Condition | undefined) =>
    b?.status === 'True' && (a?.status !== 'True' || a.reason !== b.reason);
  const events: { type: 'Normal' | 'Warning'; reason: string; message: string }[] = [];
  const degraded = after('Degraded');
  if (degraded && changed(before('Degraded'), degraded)) {
    events.push({ type: 'Warning', reason: degraded.reason, message: degraded.message });
  }
  const progressing = after('Progressing');
  if (progressing && changed(before('Progressing'), progressing)) {
    events.push({ type: 'Normal', reason: progressing.reason, message: progressing.message });
  }
  const ready = after('Ready');
  if (ready?.status === 'True' && before('Ready')?.status !== 'True') {
    events.push({ type: 'Normal', reason: 'Ready', message: ready.message });
  }
  return events;
}

/**
 * Records events on the cluster. Best effort, as client-go's recorder is: a failed event
 * write must not fail or repeat the reconcile that already changed the cluster.
 */
export async function recordEvents(
  kube: KubeClient,
  cluster: TesseraCluster,
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[],
  nowMs: number,
): Promise<void> {
  for (const [index, event] of events.entries()) {
    const time = new Date(nowMs);
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${cluster.metadata.name}.${nowMs.toString(16)}${index}`,
        namespace: cluster.metadata.namespace,
      },
      involvedObject: {
        apiVersion: cluster.apiVersion,
        kind: cluster.kind,
        name: cluster.metadata.name,
        namespace: cluster.metadata.namespace,
        ...(cluster.metadata.uid ? { uid: cluster.metadata.uid } : {}),
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: 'tessera-operator' },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    await kube.create(body).catch(() => undefined);
  }
}
