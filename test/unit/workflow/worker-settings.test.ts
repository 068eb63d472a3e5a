/** Worker-side settings from the environment (src/config/worker.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namespaceRefusal } from '../../../src/core/capacity/namespace-rules.js';
import { readWorkerSettings } from '../../../src/config/worker-settings.js';
import { DEFAULT_TASK_QUEUE } from '../../../src/core/workflow-contract.js';
import { scrub } from '../../../src/log/index.js';

test('defaults', () => {
  const s = readWorkerSettings({});
  assert.equal(s.taskQueue, DEFAULT_TASK_QUEUE);
  assert.equal(s.dryRun, false);
  assert.deepEqual(s.namespaceAllowlist, []);
  assert.equal(s.temporalUiUrl, 'http://localhost:8233');
  assert.equal(s.slackWebhookUrl, undefined);
  assert.equal(s.shutdownGraceMs, 30_000);
});

test('dry run from DRY_RUN_MODE (the seed) or CAPSCHED_DRY_RUN; lists; UI URL; grace; flags win', () => {
  assert.equal(readWorkerSettings({ DRY_RUN_MODE: 'true' }).dryRun, true);
  assert.equal(readWorkerSettings({ CAPSCHED_DRY_RUN: '1' }).dryRun, true);
  assert.equal(readWorkerSettings({ CAPSCHED_DRY_RUN: 'false' }, { dryRun: true }).dryRun, true);
  const s = readWorkerSettings(
    {
      NAMESPACE_ALLOWLIST: ' a.1, b.2 ,',
      NAMESPACE_DENYLIST: 'prod.9',
      CAPSCHED_TEMPORAL_UI_URL: 'https://cloud.temporal.io/',
      CAPSCHED_SHUTDOWN_GRACE: '45s',
    },
    { taskQueue: 'q2' },
  );
  assert.deepEqual(s.namespaceAllowlist, ['a.1', 'b.2']);
  assert.deepEqual(s.namespaceDenylist, ['prod.9']);
  assert.equal(s.temporalUiUrl, 'https://cloud.temporal.io');
  assert.equal(s.shutdownGraceMs, 45_000);
  assert.equal(s.taskQueue, 'q2');
  assert.equal(namespaceRefusal('prod.9', { namespaceAllowlist: [], namespaceDenylist: ['prod.9'] }), 'namespace prod.9 is on NAMESPACE_DENYLIST');
  assert.equal(namespaceRefusal('c.3', s), 'namespace c.3 is not on NAMESPACE_ALLOWLIST');
  assert.equal(namespaceRefusal('a.1', s), undefined);
});

test('bad values are refused with the variable named; the webhook URL is a secret', () => {
  assert.throws(() => readWorkerSettings({ DRY_RUN_MODE: 'maybe' }), /DRY_RUN_MODE is "maybe": must be true or false/);
  assert.throws(() => readWorkerSettings({ CAPSCHED_TEMPORAL_UI_URL: 'localhost' }), /CAPSCHED_TEMPORAL_UI_URL/);
  assert.throws(() => readWorkerSettings({ CAPSCHED_SHUTDOWN_GRACE: 'soon' }), /CAPSCHED_SHUTDOWN_GRACE/);
  assert.throws(
    () => readWorkerSettings({ SLACK_WEBHOOK_URL: 'not a url SECRETVALUE' }),
    (err: Error) => !err.message.includes('SECRETVALUE') && /SLACK_WEBHOOK_URL/.test(err.message),
  );
  const s = readWorkerSettings({ SLACK_WEBHOOK_URL: 'https://hooks.example.com/services/T1/B1/zzzzSECRETzzzz' });
  assert.equal(String(s.slackWebhookUrl), '[REDACTED]');
  assert.equal(JSON.stringify({ s }).includes('zzzzSECRETzzzz'), false);
  assert.equal(scrub('posting to https://hooks.example.com/services/T1/B1/zzzzSECRETzzzz').includes('zzzzSECRETzzzz'), false);
});

test('re-verify interval (issue #11): default 15 minutes, env or flag (the flag wins), 0 turns it off; self-heal on unless turned off', () => {
  assert.equal(readWorkerSettings({}).reverifyIntervalMs, 15 * 60_000);
  assert.equal(readWorkerSettings({}).reverifySelfHeal, true);
  assert.equal(readWorkerSettings({ CAPSCHED_REVERIFY_INTERVAL: '5m' }).reverifyIntervalMs, 5 * 60_000);
  assert.equal(readWorkerSettings({ CAPSCHED_REVERIFY_INTERVAL: '5m' }, { reverifyInterval: '2s' }).reverifyIntervalMs, 2_000);
  assert.equal(readWorkerSettings({ CAPSCHED_REVERIFY_INTERVAL: '0' }).reverifyIntervalMs, 0);
  assert.throws(() => readWorkerSettings({}, { reverifyInterval: 'often' }), /--reverify-interval/);
  assert.throws(() => readWorkerSettings({ CAPSCHED_REVERIFY_INTERVAL: '10ms' }), /CAPSCHED_REVERIFY_INTERVAL .*at least 1s/);
  assert.equal(readWorkerSettings({ CAPSCHED_REVERIFY_SELF_HEAL: 'false' }).reverifySelfHeal, false);
  assert.equal(readWorkerSettings({}, { noReverifySelfHeal: true }).reverifySelfHeal, false);
  assert.throws(() => readWorkerSettings({ CAPSCHED_REVERIFY_SELF_HEAL: 'sometimes' }), /CAPSCHED_REVERIFY_SELF_HEAL/);
});
