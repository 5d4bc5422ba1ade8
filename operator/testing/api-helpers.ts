/**
 * Types and HTTP helpers of the fake Kubernetes API server (fake-api-server.ts): object
 * keys, label selectors, patches, Status bodies and JSON responses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyJsonPatch, applyMergePatch } from './patches.js';

/** One kind of resource the fake server knows. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  statusSubresource: boolean;
}

/** A stored object: any JSON with metadata. */
export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    ownerReferences?: { uid: string }[];
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/** A request the server answered, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  subresource?: string;
}

/** Largest request body the fake accepts. */
const bodyBytesMax = 4 * 1024 * 1024;

/** Map key of an object. */
export function key(type: ResourceType, namespace: string, name: string): string {
  return `${type.group}/${type.kind}/${namespace}/${name}`;
}

/** The `apiVersion` of a resource type. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** An object without metadata and status, to compare specs. */
export function withoutMeta(object: StoredObject): unknown {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

/** Applies a merge or JSON patch by content type. */
export function patchObject(
  stored: StoredObject,
  body: string,
  contentType: string,
): { object: StoredObject } | { error: string } {
  let patch: unknown;
  try {
    patch = JSON.parse(body);
  } catch {
    return { error: 'patch body is not JSON' };
  }
  if (contentType.startsWith('application/json-patch+json')) {
    const result = applyJsonPatch(structuredClone(stored), patch);
    return 'error' in result ? result : { object: result.value as StoredObject };
  }
  if (
    contentType.startsWith('application/merge-patch+json') ||
    contentType.startsWith('application/strategic-merge-patch+json')
  ) {
    return { object: applyMergePatch(structuredClone(stored), patch) as StoredObject };
  }
  return { error: `unsupported patch content type ${contentType}` };
}

/** Parses an equality-only label selector. */
export function parseSelector(text: string | null): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [label, value] = part.split('=');
    if (label !== undefined) selector[label] = value ?? '';
  }
  return selector;
}

/** Whether an object carries every selected label. */
export function matchesSelector(object: StoredObject, selector: Record<string, string>): boolean {
  const labels = object.metadata.labels ?? {};
  return Object.entries(selector).every(([label, value]) => labels[label] === value);
}

/** Writes one watch event line. */
export function writeEvent(response: ServerResponse, type: string, object: StoredObject): void {
  response.write(`${JSON.stringify({ type, object })}\n`);
}

/** A Kubernetes Status object. */
export function statusBody(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code };
}

/** A failed answer with a Status body. */
export function failure(code: number, reason: string, message: string) {
  return { status: code, payload: statusBody(code, reason, message) };
}

/** Sends a JSON answer. */
export function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(payload));
}

/** Sends a Status answer (or ends a response already started). */
export function sendStatus(
  response: ServerResponse,
  code: number,
  reason: string,
  message: string,
): void {
  if (response.headersSent) return void response.end();
  sendJson(response, code, statusBody(code, reason, message));
}

/** Parses a JSON request body. */
export function parseBody(body: string | undefined): StoredObject {
  return JSON.parse(body ?? '{}') as StoredObject;
}

/** Reads a request body, bounded. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    if (bytes > bodyBytesMax) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
