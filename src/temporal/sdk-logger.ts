/**
 * Temporal SDK (Runtime) logs into capsched's pino logger, so worker and workflow log lines are
 * structured and scrubbed like everything else.
 */
import { Runtime, type Logger as SdkLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from '../log/index.js';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The one Temporal → pino logger adapter (Runtime, Worker, bundler). `infoAs: 'debug'` demotes
 * the SDK's chatty INFO lines (worker state changes, bundling) for long-running commands.
 */
export function sdkLogger(logger: Logger, options: { infoAs?: 'info' | 'debug' } = {}): SdkLogger {
  const log = logger.child({ component: 'temporal-sdk' });
  const infoAs = options.infoAs ?? 'info';
  const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    log[level === 'INFO' ? infoAs : LEVELS[level]]({ ...meta }, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}

/**
 * Installs the SDK Runtime once per process: logs into pino, and no SDK signal handlers (the
 * command owns SIGINT/SIGTERM so it can drain and exit cleanly). `metricsListen` (host:port)
 * turns on the SDK's own Prometheus exporter for every worker of the process (task slots,
 * pollers, schedule-to-start latencies, sticky cache, …): counters end in `_total`, durations are
 * in seconds with the unit in the name, prefix `temporal_`. Returns false when a Runtime already
 * existed (e.g. the daemon installed it first); its telemetry then stays as it was.
 */
export function installTemporalRuntime(
  logger: Logger,
  options: { infoAs?: 'info' | 'debug'; metricsListen?: string; forwardCoreLogsAt?: LogLevel } = {},
): boolean {
  try {
    // forwardCoreLogsAt: the Rust core's own lines (gRPC retries, …) go through `logger` too,
    // from that level up, instead of straight to the console.
    const logging =
      options.forwardCoreLogsAt === undefined
        ? {}
        : { logging: { forward: {}, filter: { core: options.forwardCoreLogsAt, other: options.forwardCoreLogsAt } } };
    const metrics =
      options.metricsListen === undefined
        ? {}
        : { metrics: { prometheus: { bindAddress: options.metricsListen, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } };
    Runtime.install({
      logger: sdkLogger(logger, options),
      shutdownSignals: [],
      ...(options.metricsListen === undefined && options.forwardCoreLogsAt === undefined ? {} : { telemetryOptions: { ...metrics, ...logging } }),
    });
    return true;
  } catch (err) {
    // Only "already installed" is expected; a bad bind address must not pass silently.
    if (options.metricsListen !== undefined && !(err instanceof Error && /already been installed/i.test(err.message))) throw err;
    return false;
  }
}

/** Where this process reads the SDK exporter that `metricsListen` started (any-address binds are read on loopback). */
export function sdkMetricsUrl(metricsListen: string): string {
  const colon = metricsListen.lastIndexOf(':');
  const host = metricsListen.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = metricsListen.slice(colon + 1);
  const readHost = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${readHost}:${port}/metrics`;
}
