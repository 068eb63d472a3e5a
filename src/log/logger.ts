import { pino, type Logger, type DestinationStream } from 'pino';
import { scrub, scrubValue } from './secrets.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** Where lines go (default stderr, so stdout stays for command output). */
  destination?: DestinationStream;
  name?: string;
}

/**
 * The one pino factory. Messages are static strings with data in fields; every line is
 * scrubbed of registered secrets (values, URL userinfo, tokens), errors included.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'capsched',
      level: options.level ?? process.env.CAPSCHED_LOG_LEVEL ?? 'info',
      redact: {
        paths: [
          'apiKey',
          '*.apiKey',
          '*.*.apiKey',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'webhookUrl',
          '*.webhookUrl',
          'secret',
          '*.secret',
          'password',
          '*.password',
          'token',
          '*.token',
        ],
        censor: '[REDACTED]',
      },
      serializers: {
        err: (err: unknown) => {
          if (!(err instanceof Error)) return scrubValue(err);
          const code = (err as { code?: unknown }).code;
          return { type: err.name, message: scrub(err.message), code, stack: err.stack === undefined ? undefined : scrub(err.stack) };
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrub(arg) : scrubValue(arg))) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
