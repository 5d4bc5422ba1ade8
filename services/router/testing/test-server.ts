// A router HTTP server on 127.0.0.1 over the in-memory backend, for the router's tests.

import { startHttpServer, type HttpServer } from '../http/server.js';
import type { AccessKeys } from '../http/auth.js';
import { createMemoryBackend, type MemoryBackend } from './memory-backend.js';

/** A started test server and its backend. */
export interface TestServer {
  readonly backend: MemoryBackend;
  readonly server: HttpServer;
  readonly endpoint: string;
  /** POSTs a raw request: `target` is the operation (or a whole X-Amz-Target when it has a dot). */
  post(
    target: string | undefined,
    body: string,
    headers?: Record<string, string>,
  ): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a router HTTP server on a free port. */
export async function startTestServer(
  options: { accessKeys?: AccessKeys; requestBytesMax?: number } = {},
): Promise<TestServer> {
  const backend = createMemoryBackend({ nowMs: () => 1_700_000_000_000 });
  const server = await startHttpServer(
    {
      context: { backend, endpointAddress: '127.0.0.1', batchConcurrencyMax: 8 },
      requestBytesMax: options.requestBytesMax ?? 16 * 1024 * 1024,
      region: 'us-east-1',
      nowMs: () => Date.now(),
      ...(options.accessKeys === undefined ? {} : { accessKeys: options.accessKeys }),
    },
    '127.0.0.1',
    0,
  );
  const endpoint = `http://127.0.0.1:${server.port}`;
  return {
    backend,
    server,
    endpoint,
    post: (target, body, headers = {}) =>
      fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          ...(target === undefined
            ? {}
            : { 'x-amz-target': target.includes('.') ? target : `DynamoDB_20120810.${target}` }),
          ...headers,
        },
        body,
      }),
    close: async () => {
      await server.close(1000);
    },
  };
}
