export { ConfigError, readEnv, type Env, type EnvValues, type EnvVariable, type EnvVariables } from './env/readEnv.js';
export { integer, LOG_LEVELS, logLevel, nonEmpty, port, secretOfBytes, type LogLevel } from './env/envSchemas.js';
export type { Component } from './lifecycle/component.js';
export { Lifecycle, type LifecycleOptions } from './lifecycle/lifecycle.js';
export { runService, type RunServiceOptions } from './lifecycle/runService.js';
export { exitOnSignals, onShutdownSignal, type ShutdownSignal, type ShutdownSignalOptions } from './lifecycle/signals.js';
export { errorText, isEntryPoint } from './lifecycle/entryPoint.js';
export { listen, urlOf } from './http/listen.js';
export { createLogger, type LoggerOptions } from './logging/createLogger.js';
export { silentLogger, type ServiceLogger } from './logging/serviceLogger.js';
export { startMetricsServer, type MetricsServer, type MetricsSource, type ReadinessReport } from './metrics/metricsServer.js';
export {
  exitWithCode,
  parseCommandLine,
  runCommandLine,
  UsageError,
  type CommandLineIo,
  type CommandLineSpec,
  type OptionSpec,
  type ParsedCommandLine,
} from './cli/commandLine.js';
export { createProgress, type Progress, type ProgressOptions, type ProgressStream } from './cli/progress.js';
export { readOrCreateSecretFile, SECRETS_FOLDER, secretsDir } from './secrets/secretFile.js';
