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
 * command owns SIGINT/SIGTERM so it can drain and exit cleanly). Returns false when a Runtime
 * already existed (e.g. the daemon installed it first).
 */
export function installTemporalRuntime(logger: Logger, options: { infoAs?: 'info' | 'debug' } = {}): boolean {
  try {
    Runtime.install({ logger: sdkLogger(logger, options), shutdownSignals: [] });
    return true;
  } catch {
    return false;
  }
}
