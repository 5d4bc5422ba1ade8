/**
 * Creates or updates one owned object idempotently. The desired object's hash is kept in
 * an annotation, so an object is patched only when what the operator wants changed, not
 * whenever the API server filled in a default.
 */
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';

/** Annotation holding the hash of what the operator last applied. */
export const appliedHashAnnotation = 'tessera.dev/applied-hash';

/** A stable hash of any JSON value (object keys sorted). */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

/** The outcome of {@link applyObject}. */
export interface Applied<T> {
  object: T;
  action: 'created' | 'patched' | 'unchanged';
}

/**
 * Makes the object match `desired`: creates it if missing, merge-patches it (guarded by
 * its resourceVersion, so a concurrent change fails with 409 and is retried) if the hash
 * differs or `alsoPatchWhen` says so. `hashInput` defaults to the desired object itself.
 */
export async function applyObject<T extends KubernetesObject>(
  kube: KubeClient,
  desired: T,
  options: { hashInput?: unknown; alsoPatchWhen?: (existing: T) => boolean } = {},
): Promise<Applied<T>> {
  const hash = hashOf(options.hashInput ?? desired);
  const withHash = {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...(desired.metadata?.annotations ?? {}), [appliedHashAnnotation]: hash },
    },
  } as T;
  const metadata = desired.metadata ?? {};
  const existing = await kube.get<T>({
    apiVersion: desired.apiVersion ?? 'v1',
    kind: desired.kind ?? '',
    namespace: metadata.namespace ?? 'default',
    name: metadata.name ?? '',
  });
  if (!existing) return { object: await kube.create(withHash), action: 'created' };
  const sameHash = existing.metadata?.annotations?.[appliedHashAnnotation] === hash;
  if (sameHash && !(options.alsoPatchWhen?.(existing) ?? false)) {
    return { object: existing, action: 'unchanged' };
  }
  const patch = {
    ...withHash,
    metadata: { ...withHash.metadata, resourceVersion: existing.metadata?.resourceVersion },
  };
  return { object: await kube.mergePatch<T>(patch), action: 'patched' };
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([field, item]) => `${JSON.stringify(field)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
