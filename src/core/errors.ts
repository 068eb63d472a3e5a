/**
 * Typed errors with stable codes and a retry class. Callers decide retries from
 * `retry`, never from message text.
 */

/** terminal: needs a human; transient: retry with backoff; waiting: retry after a known delay. */
export type RetryClass = 'terminal' | 'transient' | 'waiting';

export class CapschedError extends Error {
  readonly code: string;
  readonly retry: RetryClass;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { retry?: RetryClass; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CapschedError';
    this.code = code;
    this.retry = options.retry ?? 'terminal';
    this.details = options.details;
  }
}

export function isCapschedError(err: unknown): err is CapschedError {
  return err instanceof CapschedError;
}

/** The gRPC status code of an error or of one of its causes (four deep), as the Temporal and Cloud Ops clients carry it. */
export function grpcCodeOf(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** Documented exit codes of the CLI. */
export const ExitCode = {
  ok: 0,
  /** validate: invalid plans; apply/run: the source is invalid or a guard refused. */
  invalid: 1,
  /** usage error (validate, most commands); for `diff` it means "changes pending". */
  usage: 2,
  internal: 70,
} as const;
