// The service runtime's public surface.
export { startAdminServer } from './admin-server.js';
export type { AdminServer, AdminState } from './admin-server.js';
export { commonSettings } from './common-settings.js';
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
export { runService } from './service.js';
export type {
  ProcessEnvironment,
  RunningService,
  ServiceContext,
  ServiceDefinition,
  ServiceSettings,
} from './service.js';
export {
  booleanSetting,
  describeSettings,
  enumSetting,
  integerSetting,
  listSetting,
  parseSettings,
  portSetting,
  stringSetting,
} from './settings.js';
export type { Setting, SettingsOf, SettingsResult, SettingsSpec } from './settings.js';
export { startTracing } from './tracing.js';
export type { Tracing } from './tracing.js';
export { lockDataDirectory } from './data-lock.js';
export type { DataLock, DataLockResult } from './data-lock.js';
