/**
 * Worker-side settings of the capacity-change worker. They are read where the worker runs and
 * never travel in workflow inputs: dry-run, namespace allow/deny lists, the Slack webhook (a
 * secret), the Temporal Web UI base URL for alert links, the shutdown grace time.
 */
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../core/workflow-contract.js';
import { parseDuration } from '../core/capacity/duration.js';
import { DEFAULT_REVERIFY_INTERVAL_MS } from '../core/capacity/window.js';
import { CapschedError } from '../core/errors.js';
import { Secret } from '../log/secrets.js';

export const DEFAULT_TEMPORAL_UI_URL = 'http://localhost:8233';

export interface WorkerSettings {
  taskQueue: string;
  /** CAPSCHED_DRY_RUN / DRY_RUN_MODE: decide and log everything, change nothing, post nothing. */
  dryRun: boolean;
  /** NAMESPACE_ALLOWLIST: when non-empty, only these namespaces may change. */
  namespaceAllowlist: string[];
  /** NAMESPACE_DENYLIST: these namespaces never change (wins over the allowlist). */
  namespaceDenylist: string[];
  /** CAPSCHED_TEMPORAL_UI_URL: base of the workflow links in alerts. */
  temporalUiUrl: string;
  /** SLACK_WEBHOOK_URL; without it alerts are only logged. */
  slackWebhookUrl: Secret | undefined;
  /** CAPSCHED_SHUTDOWN_GRACE: how long in-flight activities may finish on shutdown (default 30s). */
  shutdownGraceMs: number;
  /**
   * --reverify-interval / CAPSCHED_REVERIFY_INTERVAL: how often the coordinators this worker starts
   * re-read capacity inside an active window (default 15m; 0 turns it off). Not a secret.
   */
  reverifyIntervalMs: number;
  /** --no-reverify-self-heal / CAPSCHED_REVERIFY_SELF_HEAL=false: an out-of-band change is only alerted, not restored. */
  reverifySelfHeal: boolean;
}

export interface WorkerFlags {
  taskQueue?: string;
  dryRun?: boolean;
  /** --reverify-interval (wins over CAPSCHED_REVERIFY_INTERVAL). */
  reverifyInterval?: string;
  /** --no-reverify-self-heal. */
  noReverifySelfHeal?: boolean;
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['', '1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(v), { message: 'must be true or false' })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const httpUrl = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        const url = new URL(v);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: 'must be an http(s) URL' },
  );

/** Splits a comma-separated list, trimming blanks. */
export function parseList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function fail(variable: string, message: string): never {
  throw new CapschedError('CONFIG_INVALID', `${variable} ${message}`, { retry: 'terminal', details: { variable } });
}

export function readWorkerSettings(env: NodeJS.ProcessEnv, flags: WorkerFlags = {}): WorkerSettings {
  let dryRun = false;
  for (const name of ['DRY_RUN_MODE', 'CAPSCHED_DRY_RUN'] as const) {
    const raw = env[name];
    if (raw === undefined) continue;
    const parsed = bool.safeParse(raw);
    if (!parsed.success) fail(name, `is "${raw}": must be true or false`);
    dryRun ||= parsed.data;
  }
  if (flags.dryRun === true) dryRun = true;

  let temporalUiUrl = DEFAULT_TEMPORAL_UI_URL;
  if (env.CAPSCHED_TEMPORAL_UI_URL !== undefined && env.CAPSCHED_TEMPORAL_UI_URL.trim() !== '') {
    const parsed = httpUrl.safeParse(env.CAPSCHED_TEMPORAL_UI_URL);
    if (!parsed.success) fail('CAPSCHED_TEMPORAL_UI_URL', `is "${env.CAPSCHED_TEMPORAL_UI_URL}": must be an http(s) URL such as https://cloud.temporal.io`);
    temporalUiUrl = parsed.data.replace(/\/+$/, '');
  }

  let slackWebhookUrl: Secret | undefined;
  const hook = env.SLACK_WEBHOOK_URL?.trim();
  if (hook !== undefined && hook !== '') {
    slackWebhookUrl = new Secret(hook);
    if (!httpUrl.safeParse(hook).success) fail('SLACK_WEBHOOK_URL', 'is not an http(s) URL (its value is not shown: it is a secret)');
  }

  let shutdownGraceMs = 30_000;
  if (env.CAPSCHED_SHUTDOWN_GRACE !== undefined && env.CAPSCHED_SHUTDOWN_GRACE.trim() !== '') {
    const parsed = parseDuration(env.CAPSCHED_SHUTDOWN_GRACE.trim());
    if (!parsed.ok) fail('CAPSCHED_SHUTDOWN_GRACE', parsed.message);
    else shutdownGraceMs = parsed.ms;
  }

  let reverifyIntervalMs = DEFAULT_REVERIFY_INTERVAL_MS;
  const reverify = flags.reverifyInterval ?? env.CAPSCHED_REVERIFY_INTERVAL;
  if (reverify !== undefined && reverify.trim() !== '') {
    const name = flags.reverifyInterval !== undefined ? '--reverify-interval' : 'CAPSCHED_REVERIFY_INTERVAL';
    const parsed = reverify.trim() === '0' ? { ok: true as const, ms: 0 } : parseDuration(reverify.trim());
    if (!parsed.ok) fail(name, parsed.message);
    else if (parsed.ms !== 0 && parsed.ms < 1_000) fail(name, `is "${reverify}": use at least 1s (or 0 to turn re-verification off)`);
    else reverifyIntervalMs = parsed.ms;
  }
  let reverifySelfHeal = true;
  const heal = env.CAPSCHED_REVERIFY_SELF_HEAL;
  if (heal !== undefined) {
    const parsed = bool.safeParse(heal);
    if (!parsed.success) fail('CAPSCHED_REVERIFY_SELF_HEAL', `is "${heal}": must be true or false`);
    reverifySelfHeal = heal.trim() === '' ? true : parsed.data;
  }
  if (flags.noReverifySelfHeal === true) reverifySelfHeal = false;

  const taskQueue = flags.taskQueue ?? env.CAPSCHED_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  if (taskQueue.trim() === '') fail('--task-queue', 'must not be empty');

  return {
    taskQueue,
    dryRun,
    namespaceAllowlist: parseList(env.NAMESPACE_ALLOWLIST),
    namespaceDenylist: parseList(env.NAMESPACE_DENYLIST),
    temporalUiUrl,
    slackWebhookUrl,
    shutdownGraceMs,
    reverifyIntervalMs,
    reverifySelfHeal,
  };
}
