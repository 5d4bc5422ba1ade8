// The life of a service process: read settings, start logging, metrics, tracing and the
// admin server, start the service, and on SIGTERM/SIGINT stop it gracefully.
//
// Order matters. Settings are validated before anything listens, so a bad value exits at
// once with one line. On a signal the service first reports not-ready (so load balancers
// stop sending work), then stops accepting and drains what is in flight within the grace
// period, and only then closes the admin server and exits 0 — or 1 if it had to cut work.
import type { Registry } from 'prom-client';
import { startAdminServer } from './admin-server.js';
import { commonSettings } from './common-settings.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { describeSettings, parseSettings } from './settings.js';
import type { SettingsOf, SettingsSpec } from './settings.js';
import { startTracing } from './tracing.js';

/** The settings a service sees: its own plus the common ones. */
export type ServiceSettings<S extends SettingsSpec> = SettingsOf<S & typeof commonSettings>;

/** What a starting service is given. */
export interface ServiceContext<S extends SettingsSpec> {
  readonly settings: ServiceSettings<S>;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Marks the service ready (or not) for traffic; /readyz reports it. */
  setReady(ready: boolean): void;
  /** Marks the process unhealthy (or healthy again); /healthz reports it. */
  setHealthy(healthy: boolean): void;
}

/** A started service. */
export interface RunningService {
  /**
   * Stops accepting work and finishes what is in flight within `graceMs`. Resolves
   * `{ forced: true }` when it had to cut work short.
   */
  stop(graceMs: number): Promise<{ forced: boolean }>;
}

/** A service: its name, its own settings, and how to start it. */
export interface ServiceDefinition<S extends SettingsSpec> {
  /** Short name: `router`, `storage-node`, `control-plane`, `operator`. */
  readonly name: string;
  readonly settings: S;
  /** Starts listening and working. Readiness is the service's to set. */
  start(context: ServiceContext<S>): Promise<RunningService>;
}

/** Where the process's inputs come from; tests replace them. */
export interface ProcessEnvironment {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  exit(code: number): void;
  writeError(line: string): void;
  writeOutput(text: string): void;
  onSignal(signal: NodeJS.Signals, listener: () => void): void;
}

const processEnvironment: ProcessEnvironment = {
  argv: process.argv.slice(2),
  env: process.env,
  exit: (code) => process.exit(code),
  writeError: (line) => process.stderr.write(`${line}\n`),
  writeOutput: (text) => process.stdout.write(text),
  onSignal: (signal, listener) => process.on(signal, listener),
};

/** Runs a service until a signal stops it. Resolves once it has started. */
export async function runService<S extends SettingsSpec>(
  definition: ServiceDefinition<S>,
  environment: ProcessEnvironment = processEnvironment,
): Promise<void> {
  const spec = { ...definition.settings, ...commonSettings } as S & typeof commonSettings;
  const parsed = parseSettings(spec, environment.argv, environment.env);
  if (!parsed.ok) {
    environment.writeError(`${definition.name}: ${parsed.error}`);
    environment.exit(2);
    return;
  }
  if (parsed.help) {
    environment.writeOutput(
      `Usage: ${definition.name} [--flag=value ...]\n\n${describeSettings(spec)}\n`,
    );
    environment.exit(0);
    return;
  }
  const settings = parsed.value;
  // The common settings, typed concretely (TypeScript cannot resolve them through `S`).
  const common = settings as unknown as SettingsOf<typeof commonSettings>;
  const logger = createLogger(definition.name, common.logLevel);
  const metrics = createMetricsRegistry(definition.name);
  const tracing = startTracing(definition.name, environment.env);
  const state = { ready: false, healthy: true, stopping: false };
  const admin = await startAdminServer(common.adminHost, common.adminPort, metrics, {
    ready: () => state.ready && !state.stopping,
    healthy: () => state.healthy,
  });
  logger.info({ adminPort: admin.port, tracing: tracing.exporting }, 'admin server listening');
  let running: RunningService;
  try {
    running = await definition.start({
      settings,
      logger,
      metrics,
      setReady: (ready) => (state.ready = ready),
      setHealthy: (healthy) => (state.healthy = healthy),
    });
  } catch (error) {
    logger.fatal({ err: error }, 'service failed to start');
    await admin.close();
    environment.exit(1);
    return;
  }
  const stop = async (signal: string): Promise<void> => {
    if (state.stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      environment.exit(1);
      return;
    }
    state.stopping = true;
    logger.info({ signal, graceMs: common.shutdownGraceMs }, 'shutting down');
    let forced = true;
    try {
      forced = (await running.stop(common.shutdownGraceMs)).forced;
    } catch (error) {
      logger.error({ err: error }, 'service failed to stop cleanly');
    }
    await admin.close();
    await tracing.shutdown(2_000);
    logger.info({ forced }, 'stopped');
    environment.exit(forced ? 1 : 0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    environment.onSignal(signal, () => {
      stop(signal).catch((error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        environment.exit(1);
      });
    });
  }
}
