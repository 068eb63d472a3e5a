/**
 * `capsched doctor`: what its probes share (the parsed flags, error text, timeouts).
 */
import { scrub } from '../log/secrets.js';
import { parseLogFormat } from './log.js';

export interface Parsed {
  source: string;
  branch: string;
  path: string;
  installation: string;
  taskQueue: string;
  json: boolean;
  sendTest: boolean;
  seenWithinMs: number;
  flags: { address?: string; namespace?: string; profile?: string };
  logFormat: ReturnType<typeof parseLogFormat>;
}

/** The innermost useful text of an error, scrubbed. */
export function why(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++)
    if (e.message !== '' && !parts.some((p) => p.includes(e.message))) parts.push(e.message);
  return scrub(parts.join(': ') || String(err)).split('\n')[0] as string;
}

export function ago(ms: number): string {
  if (ms < 1_000) return 'just now';
  if (ms < 90_000) return `${Math.round(ms / 1000)}s ago`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3_600_000)} h ago`;
}

export function timestampMs(ts: { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null | undefined): number | undefined {
  if (ts === null || ts === undefined) return undefined;
  const seconds = Number(ts.seconds?.toString() ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000}s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
