// The settings every Tessera service has, beside its own. Documented in
// docs/configuration.md (a test keeps the two in step).
import { enumSetting, integerSetting, portSetting, stringSetting } from './settings.js';

/** Settings shared by every service. */
export const commonSettings = {
  adminHost: stringSetting({
    flag: 'admin-host',
    env: 'TESSERA_ADMIN_HOST',
    default: '127.0.0.1',
    description: 'address the admin HTTP server (/metrics, /healthz, /readyz) binds to',
    pattern: /^[0-9a-zA-Z.:-]+$/,
    accepted: 'a host name or IP address',
  }),
  adminPort: portSetting({
    flag: 'admin-port',
    env: 'TESSERA_ADMIN_PORT',
    default: 9090,
    description: 'port of the admin HTTP server; 0 picks a free port',
  }),
  logLevel: enumSetting({
    flag: 'log-level',
    env: 'TESSERA_LOG_LEVEL',
    default: 'info',
    values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    description: 'least severe level of log lines written to stdout',
  }),
  shutdownGraceMs: integerSetting({
    flag: 'shutdown-grace-ms',
    env: 'TESSERA_SHUTDOWN_GRACE_MS',
    default: 10_000,
    min: 0,
    max: 600_000,
    description: 'time allowed on SIGTERM for requests in flight to finish before they are cut',
  }),
} as const;
