/**
 * Notifier port over a Slack incoming webhook. A failing or slow webhook never fails or blocks a
 * capacity change: each alert gets bounded retries with backoff under a total time cap (429
 * Retry-After, 5xx, timeouts, network errors); 404/410 means the webhook was revoked, which is
 * logged once and never retried. notify() never throws. Without a webhook, alerts are logged only.
 */
import type { Alert, Notifier } from '../../core/ports.js';
import type { Logger } from '../../log/index.js';
import type { Secret } from '../../log/secrets.js';
import { scrub } from '../../log/secrets.js';
import { formatAlert } from './format.js';

export interface SlackNotifierOptions {
  /** SLACK_WEBHOOK_URL; undefined = log only. */
  webhookUrl: Secret | undefined;
  logger: Logger;
  /** Per-attempt timeout (default 5 s). */
  attemptTimeoutMs?: number;
  /** Attempts per alert (default 4). */
  maxAttempts?: number;
  /** Total time one alert may take, retries and waits included (default 20 s). */
  totalTimeoutMs?: number;
  /** First backoff (default 500 ms, doubled each retry). */
  initialBackoffMs?: number;
  /** Dry-run: log what would be posted, post nothing. */
  dryRun?: boolean;
  /** Injected for tests; global fetch by default. */
  fetch?: typeof fetch;
}

export interface SlackNotifier extends Notifier {
  /** Delivery counters (for status and tests). */
  stats(): { delivered: number; failed: number; deduped: number; revoked: boolean };
}

const DEDUPE_CAPACITY = 1000;

export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const log = options.logger.child({ component: 'slack' });
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const totalTimeoutMs = options.totalTimeoutMs ?? 20_000;
  const initialBackoffMs = options.initialBackoffMs ?? 500;
  const doFetch = options.fetch ?? fetch;
  const delivered = new Map<string, true>();
  const inFlight = new Map<string, Promise<boolean>>();
  const counters = { delivered: 0, failed: 0, deduped: 0, revoked: false };

  /** True when the alert is settled (posted, logged, or refused for good); false when it gave up. */
  async function post(alert: Alert): Promise<boolean> {
    const payload = JSON.stringify(formatAlert(alert));
    const fields = { severity: alert.severity, title: alert.title, namespace: alert.namespace, dedupeKey: alert.dedupeKey };
    if (options.webhookUrl === undefined || options.dryRun === true) {
      log.info(
        { ...fields, dryRun: options.dryRun === true, text: alert.text },
        options.dryRun === true ? 'alert not posted (dry run)' : 'alert logged (no SLACK_WEBHOOK_URL)',
      );
      return true;
    }
    if (counters.revoked) {
      log.warn(fields, 'alert not posted: the Slack webhook was revoked (404/410); set a new SLACK_WEBHOOK_URL');
      return true;
    }
    const url = options.webhookUrl.reveal();
    const started = Date.now();
    let lastProblem = 'not attempted';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const remaining = totalTimeoutMs - (Date.now() - started);
      if (remaining <= 0) break;
      let waitMs = initialBackoffMs * 2 ** (attempt - 1);
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload,
          signal: AbortSignal.timeout(Math.min(attemptTimeoutMs, remaining)),
        });
        // Drain the body so the socket is released; its text is never logged (it may echo secrets).
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          counters.delivered++;
          log.info({ ...fields, attempt }, 'alert posted to Slack');
          return true;
        }
        if (res.status === 404 || res.status === 410) {
          counters.revoked = true;
          counters.failed++;
          log.warn({ ...fields, status: res.status }, 'Slack webhook revoked or deleted (404/410): alerts are logged only until SLACK_WEBHOOK_URL is replaced');
          return true;
        }
        lastProblem = `HTTP ${res.status}`;
        if (res.status === 429) {
          const retryAfter = Number(res.headers.get('retry-after'));
          if (Number.isFinite(retryAfter) && retryAfter > 0) waitMs = retryAfter * 1000;
        } else if (res.status < 500) {
          counters.failed++;
          log.error({ ...fields, status: res.status }, 'Slack rejected the alert; not retried');
          return true;
        }
      } catch (err) {
        lastProblem =
          err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
            ? 'timed out'
            : scrub(err instanceof Error ? err.message : String(err));
      }
      if (attempt === maxAttempts) break;
      const left = totalTimeoutMs - (Date.now() - started);
      if (waitMs >= left) break;
      log.debug({ ...fields, attempt, problem: lastProblem, waitMs }, 'Slack post failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    counters.failed++;
    log.error({ ...fields, problem: lastProblem, elapsedMs: Date.now() - started }, 'alert not delivered to Slack (gave up)');
    return false;
  }

  return {
    async notify(alert: Alert): Promise<void> {
      try {
        const key = alert.dedupeKey;
        if (key === undefined) {
          await post(alert);
          return;
        }
        if (delivered.has(key)) {
          counters.deduped++;
          log.debug({ dedupeKey: key }, 'duplicate alert dropped');
          return;
        }
        const running = inFlight.get(key);
        if (running !== undefined) {
          counters.deduped++;
          await running;
          return;
        }
        const p = post(alert).finally(() => inFlight.delete(key));
        inFlight.set(key, p);
        // A give-up is not remembered, so a later retry of the same alert may still get through.
        if (!(await p)) return;
        delivered.set(key, true);
        if (delivered.size > DEDUPE_CAPACITY) delivered.delete(delivered.keys().next().value as string);
      } catch (err) {
        log.error({ err }, 'alert delivery crashed');
      }
    },
    stats: () => ({ ...counters }),
  };
}
