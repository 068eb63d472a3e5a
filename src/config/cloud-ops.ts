/**
 * Cloud Ops API settings, read from the variables Temporal's own tools use:
 *   TEMPORAL_CLOUD_API_KEY         API key (user or service account with Namespace Admin on targets)
 *   TEMPORAL_CLOUD_ENDPOINT        host:port of the gRPC API (default saas-api.tmprl.cloud:443)
 *   TEMPORAL_CLOUD_ALLOW_INSECURE  "true" = plain-text gRPC (the local simulator only)
 * Poll tuning (rarely needed): CAPSCHED_CLOUD_OPS_POLL_MIN, CAPSCHED_CLOUD_OPS_POLL_MAX,
 * CAPSCHED_CLOUD_OPS_CALL_TIMEOUT as durations in Go syntax ("500ms", "10s", "2m"; src/core/capacity/duration.ts).
 */
import { CapschedError } from '../core/errors.js';
import { parseDuration } from '../core/capacity/duration.js';
import { Secret } from '../log/secrets.js';
import { DEFAULT_CLOUD_OPS_ENDPOINT } from '../adapters/cloud-ops/wire.js';
import { CloudOpsErrorCode } from '../adapters/cloud-ops/errors.js';
import type { CloudOpsSettings } from '../adapters/cloud-ops/settings.js';

export type { CloudOpsSettings } from '../adapters/cloud-ops/settings.js';

export interface CloudOpsFlags {
  endpoint?: string;
  allowInsecure?: boolean;
}

export const CLOUD_OPS_DEFAULTS = { pollMinMs: 1_000, pollMaxMs: 15_000, callTimeoutMs: 30_000 } as const;

/** Reads a duration (the one grammar, src/core/capacity/duration.ts) for `what`, or throws a config error naming it. */
export function parseDurationMs(text: string, what: string): number {
  const parsed = parseDuration(text.trim());
  if (!parsed.ok) throw new CapschedError(CloudOpsErrorCode.config, `${what}: ${parsed.message}`, { retry: 'terminal' });
  return parsed.ms;
}

function parseBool(text: string | undefined, what: string): boolean {
  if (text === undefined || text.trim() === '') return false;
  const v = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new CapschedError(CloudOpsErrorCode.config, `${what}: "${text}" is not a boolean (use true or false)`, { retry: 'terminal' });
}

export function readCloudOpsSettings(env: NodeJS.ProcessEnv, flags: CloudOpsFlags = {}): CloudOpsSettings {
  const key = env.TEMPORAL_CLOUD_API_KEY?.trim();
  const endpoint = (flags.endpoint ?? env.TEMPORAL_CLOUD_ENDPOINT ?? '').trim() || DEFAULT_CLOUD_OPS_ENDPOINT;
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d+$/.test(endpoint)) {
    throw new CapschedError(CloudOpsErrorCode.config, `TEMPORAL_CLOUD_ENDPOINT: "${endpoint}" must be host:port (e.g. ${DEFAULT_CLOUD_OPS_ENDPOINT})`, {
      retry: 'terminal',
    });
  }
  const pollMinMs = env.CAPSCHED_CLOUD_OPS_POLL_MIN
    ? parseDurationMs(env.CAPSCHED_CLOUD_OPS_POLL_MIN, 'CAPSCHED_CLOUD_OPS_POLL_MIN')
    : CLOUD_OPS_DEFAULTS.pollMinMs;
  const pollMaxMs = env.CAPSCHED_CLOUD_OPS_POLL_MAX
    ? parseDurationMs(env.CAPSCHED_CLOUD_OPS_POLL_MAX, 'CAPSCHED_CLOUD_OPS_POLL_MAX')
    : Math.max(pollMinMs, CLOUD_OPS_DEFAULTS.pollMaxMs);
  if (pollMaxMs < pollMinMs)
    throw new CapschedError(CloudOpsErrorCode.config, 'CAPSCHED_CLOUD_OPS_POLL_MAX must not be below CAPSCHED_CLOUD_OPS_POLL_MIN', { retry: 'terminal' });
  return {
    endpoint,
    apiKey: key ? new Secret(key) : undefined,
    allowInsecure: flags.allowInsecure ?? parseBool(env.TEMPORAL_CLOUD_ALLOW_INSECURE, 'TEMPORAL_CLOUD_ALLOW_INSECURE'),
    pollMinMs,
    pollMaxMs,
    callTimeoutMs: env.CAPSCHED_CLOUD_OPS_CALL_TIMEOUT
      ? parseDurationMs(env.CAPSCHED_CLOUD_OPS_CALL_TIMEOUT, 'CAPSCHED_CLOUD_OPS_CALL_TIMEOUT')
      : CLOUD_OPS_DEFAULTS.callTimeoutMs,
  };
}
