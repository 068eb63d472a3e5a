/**
 * Logs of the one-shot commands (diff, apply, init, doctor): a person at a terminal reads the
 * command's own message, not JSON. By default only warnings and unexpected errors reach stderr, as
 * one short text line each, without a stack; an expected error (a CapschedError: the command
 * prints it itself) is not logged twice. Structured JSON logs come back with `--log-format json`
 * (env CAPSCHED_LOG_FORMAT) or an explicit CAPSCHED_LOG_LEVEL. The daemon (`capsched run`,
 * `capsched worker`) always logs JSON.
 */
import type { DestinationStream } from 'pino';
import { createLogger, scrub, type Logger } from '../log/index.js';
import type { CliIO } from './io.js';
import { UsageError } from './reconcile-options.js';

export type LogFormat = 'text' | 'json';

export const LOG_FORMAT_HELP = `  --log-format <f>        text (default: warnings only, as plain lines) or json (pino JSON lines on
                          stderr; env CAPSCHED_LOG_FORMAT). CAPSCHED_LOG_LEVEL=debug also turns on JSON logs`;

export function parseLogFormat(flag: string | undefined, env: NodeJS.ProcessEnv): LogFormat {
  const value = (flag ?? env.CAPSCHED_LOG_FORMAT ?? 'text').trim().toLowerCase();
  if (value !== 'text' && value !== 'json') throw new UsageError(`--log-format must be text or json, not "${value}"`);
  return value;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'err']);

function field(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** One pino JSON line → one human line, or nothing (an expected error the command reports itself). */
export function humanLogLine(json: string): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const err = entry.err as { type?: string; message?: string; code?: string } | undefined;
  if (level >= 50 && err?.type === 'CapschedError') return undefined;
  const fields = Object.entries(entry)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${field(v)}`);
  const why = err === undefined ? '' : `: ${err.message ?? ''}${err.code === undefined ? '' : ` [${err.code}]`}`;
  const hint = level >= 50 && err !== undefined ? ' (CAPSCHED_LOG_LEVEL=debug shows the details)' : '';
  return scrub(
    `capsched: ${LEVEL_NAMES[level] ?? 'log'}: ${typeof entry.msg === 'string' ? entry.msg : ''}${why}${fields.length === 0 ? '' : ` (${fields.join(', ')})`}${hint}\n`,
  );
}

/** The logger of a one-shot command (see the file comment). */
export function cliLogger(io: CliIO, format: LogFormat, name = 'capsched'): Logger {
  const level = io.env.CAPSCHED_LOG_LEVEL?.trim();
  // Through io.stderr, like everything else the command prints (tests pass their own io).
  if (format === 'json' || (level !== undefined && level !== ''))
    return createLogger({ name, level: level === undefined || level === '' ? 'info' : level, destination: { write: (line: string) => io.stderr(line) } });
  const destination: DestinationStream = {
    write(line: string) {
      const text = humanLogLine(line.trimEnd());
      if (text !== undefined) io.stderr(text);
    },
  };
  return createLogger({ name, level: 'warn', destination });
}

/**
 * The Temporal SDK's own log lines (the core's gRPC retry warnings, worker state changes) go
 * through the command's logger too: at the default text format only SDK errors reach the
 * terminal, as plain lines; with JSON logs they are structured like the rest. Installs the
 * process's Runtime once; a Runtime that exists already is left as it is.
 */
export async function routeTemporalSdkLogs(logger: Logger, format: LogFormat, io: CliIO): Promise<void> {
  const { installTemporalRuntime } = await import('../temporal/sdk-logger.js');
  const explicit = io.env.CAPSCHED_LOG_LEVEL !== undefined && io.env.CAPSCHED_LOG_LEVEL.trim() !== '';
  if (format === 'json' || explicit) installTemporalRuntime(logger, { infoAs: 'debug', forwardCoreLogsAt: 'WARN' });
  else installTemporalRuntime(logger.child({}, { level: 'error' }), { infoAs: 'debug', forwardCoreLogsAt: 'ERROR' });
}
