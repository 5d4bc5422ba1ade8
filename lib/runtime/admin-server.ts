// The admin HTTP server every service runs: /metrics for Prometheus, /healthz for
// liveness (the process is up and not wedged) and /readyz for readiness (it should be sent
// traffic). It is separate from the service's own ports so that a probe or a scrape never
// queues behind client requests.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What the admin server reports on. */
export interface AdminState {
  /** Whether the service should receive traffic now. */
  ready(): boolean;
  /** Whether the process is healthy (false makes the liveness probe fail). */
  healthy(): boolean;
}

/** A listening admin server. */
export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the admin server on host:port (0 picks a free port). */
export async function startAdminServer(
  host: string,
  port: number,
  registry: Registry,
  state: AdminState,
): Promise<AdminServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(`metrics failed: ${String(error)}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      const healthy = state.healthy();
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' });
      response.end(healthy ? 'ok\n' : 'unhealthy\n');
      return;
    }
    if (path === '/readyz') {
      const ready = state.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
      response.end(ready ? 'ready\n' : 'not ready\n');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  // Probes and scrapes are small: bound what a slow or hostile client can hold.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.maxConnections = 64;
  await listen(server, host, port);
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
