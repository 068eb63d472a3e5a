/**
 * The Slack notifier against a real HTTP server: message content, bounded retries (5xx, 429
 * Retry-After, timeouts), revoked webhooks (404/410), dedupe, and no secret in any message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSlackNotifier, formatAlert } from '../../../src/adapters/slack/index.js';
import type { Alert } from '../../../src/core/ports.js';
import { Secret, registerSecret, silentLogger } from '../../../src/log/index.js';
import { startSlackSink } from '../../support/slack-sink.js';

const HOOK = '/services/T9/B9/slack-CANARY-token-4c1d';

const alert = (over: Partial<Alert> = {}): Alert => ({
  severity: 'critical',
  title: 'Capacity change failed',
  namespace: 'payments.a1b2c',
  plan: 'black-friday',
  trus: 8,
  window: { start: '2026-11-27T05:00:00.000Z', end: '2026-11-27T09:00:00.000Z' },
  workflowUrl: 'http://localhost:8233/namespaces/default/workflows/wf-1',
  text: 'Setting 8 TRUs failed: rejected',
  ...over,
});

test('a message names severity, namespace, plan, TRUs, the window (reader-local and UTC) and links the workflow', () => {
  const payload = formatAlert(alert());
  const body = payload.blocks[0]?.text.text ?? '';
  assert.equal(payload.text, '🔴 CRITICAL: Capacity change failed (payments.a1b2c)');
  assert.match(body, /🔴 \*CRITICAL: Capacity change failed\* — `payments\.a1b2c`/);
  assert.match(body, /\*Plan:\* black-friday/);
  assert.match(body, /\*TRUs:\* 8/);
  const start = Date.parse('2026-11-27T05:00:00Z') / 1000;
  assert.ok(body.includes(`*Window:* <!date^${start}^{date_short_pretty} {time}|2026-11-27 05:00 UTC> (2026-11-27 05:00 UTC) → <!date^${start + 4 * 3600}^`));
  assert.match(body, /<http:\/\/localhost:8233\/namespaces\/default\/workflows\/wf-1\|Open the workflow in the Temporal Web UI>/);
  assert.equal(formatAlert(alert({ severity: 'error' })).text.startsWith('⚠️ ERROR'), true);
  assert.equal(formatAlert(alert({ severity: 'info' })).text.startsWith('✅ INFO'), true);
  // Slack control characters in free text are escaped.
  assert.match(formatAlert(alert({ text: 'a <b> & c' })).blocks[0]?.text.text ?? '', /a &lt;b&gt; &amp; c/);
});

test('registered secrets are scrubbed from alert text', () => {
  registerSecret('tcld-SECRET-api-key-123456');
  const body = JSON.stringify(formatAlert(alert({ text: 'failed with key tcld-SECRET-api-key-123456 and https://hooks.slack.com/services/T1/B1/abc' })));
  assert.ok(!body.includes('tcld-SECRET-api-key-123456'));
  assert.ok(!body.includes('/services/T1/B1/abc'));
});

test('delivers on 200; retries 500 and 429 (Retry-After) and a timeout, then delivers once', async () => {
  const sink = await startSlackSink({ path: HOOK });
  sink.respondWith({ status: 500 }, { status: 429, retryAfterSeconds: 1 }, { timeout: true } as never, { status: 200 });
  const notifier = createSlackNotifier({
    webhookUrl: new Secret(sink.url),
    logger: silentLogger(),
    attemptTimeoutMs: 300,
    maxAttempts: 5,
    totalTimeoutMs: 8_000,
    initialBackoffMs: 20,
  });
  const started = Date.now();
  await notifier.notify(alert());
  const elapsed = Date.now() - started;
  assert.equal(sink.requests.length, 4);
  assert.equal(sink.messages.length, 1);
  assert.ok(elapsed >= 1_000, `waited for Retry-After (${elapsed} ms)`);
  assert.equal(sink.requests[0]?.path, HOOK);
  assert.ok(!sink.messages[0]?.raw.includes('CANARY'), 'the webhook URL is not in the message');
  assert.deepEqual(notifier.stats(), { delivered: 1, failed: 0, deduped: 0, revoked: false });
});

test('a webhook that keeps failing gives up within the total time cap and never throws', async () => {
  const sink = await startSlackSink({ path: HOOK });
  sink.setDefault({ status: 500 });
  const notifier = createSlackNotifier({
    webhookUrl: new Secret(sink.url),
    logger: silentLogger(),
    attemptTimeoutMs: 200,
    maxAttempts: 10,
    totalTimeoutMs: 700,
    initialBackoffMs: 100,
  });
  const started = Date.now();
  await notifier.notify(alert());
  assert.ok(Date.now() - started < 1_500, 'bounded by the total cap');
  assert.ok(sink.requests.length >= 2 && sink.requests.length <= 4, `bounded attempts (${sink.requests.length})`);
  assert.equal(notifier.stats().failed, 1);
});

test('a revoked webhook (410/404) is not retried and later alerts are only logged', async () => {
  const sink = await startSlackSink({ path: HOOK });
  sink.setDefault({ status: 410 });
  const notifier = createSlackNotifier({ webhookUrl: new Secret(sink.url), logger: silentLogger(), initialBackoffMs: 10 });
  await notifier.notify(alert());
  await notifier.notify(alert({ title: 'another' }));
  assert.equal(sink.requests.length, 1);
  assert.equal(notifier.stats().revoked, true);
});

test('alerts with the same dedupe key are posted once per process; a failed one may be retried', async () => {
  const sink = await startSlackSink({ path: HOOK });
  const notifier = createSlackNotifier({ webhookUrl: new Secret(sink.url), logger: silentLogger(), initialBackoffMs: 10, maxAttempts: 1 });
  sink.respondWith({ status: 500 });
  await notifier.notify(alert({ dedupeKey: 'wf-1:raise:critical' })); // fails (one attempt)
  await Promise.all([notifier.notify(alert({ dedupeKey: 'wf-1:raise:critical' })), notifier.notify(alert({ dedupeKey: 'wf-1:raise:critical' }))]);
  await notifier.notify(alert({ dedupeKey: 'wf-1:raise:critical' }));
  await notifier.notify(alert({ dedupeKey: 'wf-2:raise:critical' }));
  assert.equal(sink.messages.length, 2);
  assert.equal(sink.requests.length, 3);
});

test('without a webhook, or in dry-run, nothing is posted', async () => {
  const sink = await startSlackSink({ path: HOOK });
  await createSlackNotifier({ webhookUrl: undefined, logger: silentLogger() }).notify(alert());
  await createSlackNotifier({ webhookUrl: new Secret(sink.url), logger: silentLogger(), dryRun: true }).notify(alert());
  assert.equal(sink.requests.length, 0);
});
