/**
 * `capsched doctor`, Slack: the webhook, and with --send-test one marked message.
 */
import { randomUUID } from 'node:crypto';
import * as compose from '../compose.js';
import type { DoctorCheck } from '../core/doctor/checks.js';
import { registerSecret, Secret } from '../log/secrets.js';
import type { CliIO } from './io.js';
import { cliLogger } from './log.js';

export async function checkSlack(io: CliIO, sendTest: boolean, logger: ReturnType<typeof cliLogger>): Promise<DoctorCheck> {
  const id = 'slack';
  const title = 'Slack';
  const raw = io.env.SLACK_WEBHOOK_URL?.trim();
  if (raw === undefined || raw === '')
    return {
      id,
      status: 'warn',
      title,
      detail: 'SLACK_WEBHOOK_URL is not set: alerts are only logged',
      fix: 'set SLACK_WEBHOOK_URL (then `capsched doctor --send-test`)',
    };
  registerSecret(raw);
  let host: string;
  try {
    const url = new URL(raw);
    host = url.host;
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    return { id, status: 'fail', title, detail: 'SLACK_WEBHOOK_URL is not a URL', fix: 'set it to the incoming webhook URL Slack gave you' };
  }
  if (!sendTest) return { id, status: 'ok', title, detail: `webhook configured (${host}); \`--send-test\` posts a test message` };
  const notifier = compose.notifier({ webhookUrl: new Secret(raw), logger, maxAttempts: 2, totalTimeoutMs: 15_000, initialBackoffMs: 500 });
  await notifier.notify({
    severity: 'info',
    title: 'capsched doctor: test message',
    text: 'TEST ONLY: `capsched doctor --send-test` checks that capsched alerts reach this channel. Nothing happened to any namespace; no action needed.',
    dedupeKey: `doctor-test-${randomUUID()}`,
  });
  const stats = notifier.stats();
  if (stats.delivered > 0) return { id, status: 'ok', title, detail: `webhook configured (${host}); test message posted` };
  if (stats.revoked)
    return {
      id,
      status: 'fail',
      title,
      detail: `the webhook at ${host} was revoked (404/410)`,
      fix: 'create a new incoming webhook and set SLACK_WEBHOOK_URL',
    };
  return {
    id,
    status: 'fail',
    title,
    detail: `the test message to ${host} could not be posted (see CAPSCHED_LOG_LEVEL=debug)`,
    fix: 'check SLACK_WEBHOOK_URL and that this machine can reach Slack',
  };
}
