/**
 * A listener beyond loopback needs a webhook secret (issue 21): otherwise anyone who can reach the
 * port can make it fetch (and, before the free checks, start passes, each one billed Actions). capsched refuses to start, unless the operator
 * opts out with CAPSCHED_WEBHOOK_INSECURE=1 (a loud warning; webhooks are still rate-limited).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('capsched run --listen 0.0.0.0 without CAPSCHED_WEBHOOK_SECRET exits 2 naming the variable and the opt-out; nothing listens', () => {
  const run = (env: Record<string, string>, ...flags: string[]) =>
    spawnSync(process.execPath, [join(packageRoot(), 'bin/capsched.js'), 'run', '--source', tempDir(), ...flags], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        CAPSCHED_LOG_LEVEL: 'silent',
        CAPSCHED_WEBHOOK_SECRET: '',
        CAPSCHED_WEBHOOK_INSECURE: '',
        ...env,
      },
    });
  const refused = run({}, '--listen', '0.0.0.0:0');
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /--listen 0\.0\.0\.0:0 is beyond loopback and CAPSCHED_WEBHOOK_SECRET is not set/);
  assert.match(refused.stderr, /CAPSCHED_WEBHOOK_INSECURE=1/);
  const fromEnv = run({ CAPSCHED_LISTEN: '[::]:0' });
  assert.equal(fromEnv.status, 2, fromEnv.stderr);
  assert.match(fromEnv.stderr, /--listen \[::\]:0 is beyond loopback/);
  const otherVariable = run({ GH_SECRET: '' }, '--listen', '0.0.0.0:0', '--webhook-secret-env', 'GH_SECRET');
  assert.equal(otherVariable.status, 2);
  assert.match(otherVariable.stderr, /GH_SECRET: the variable is not set/);
});

test('startDaemon refuses a listener beyond loopback without a secret; with webhookInsecure it serves, rate-limited', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const first = repo.commit('one plan');
  await assert.rejects(startTestDaemon(ctx, { source: repo.remote, listen: '0.0.0.0:0' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'config-webhook-secret-missing');
    assert.match(err.message, /CAPSCHED_WEBHOOK_SECRET is not set/);
    return true;
  });

  const t = await startTestDaemon(ctx, {
    source: repo.remote,
    listen: '0.0.0.0:0',
    webhookInsecure: true,
    intervalMs: 3_600_000,
    webhookMinIntervalMs: 60_000,
  });
  cleanupInstallation(ctx, t.installation);
  await t.until((s) => s.state?.lastAppliedRevision === first && s.ready);
  const port = t.daemon.httpAddress.slice(t.daemon.httpAddress.lastIndexOf(':') + 1);
  const start = await t.daemon.status();
  const atStart = start.localPasses.length;
  // Unsigned: the body's `after` is not trusted, so each delivery may mean a new commit; one check at once, the rest wait.
  const answers = await Promise.all(
    Array.from({ length: 10 }, () =>
      fetch(`http://127.0.0.1:${port}/webhook`, { method: 'POST', body: JSON.stringify({ after: first }), headers: { 'x-github-event': 'push' } }).then(
        async (r) => [r.status, await r.text()],
      ),
    ),
  );
  assert.ok(answers.every(([status]) => status === 202));
  assert.equal(answers.filter(([, body]) => body === 'accepted\n').length, 1, JSON.stringify(answers));
  assert.equal(answers.filter(([, body]) => /^accepted: coalesced into one check within \d+ s\n$/.test(String(body))).length, 9);
  await t.until((s) => s.checks >= start.checks + 1, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const after = await t.daemon.status();
  assert.equal(after.checks, start.checks + 1, 'the coalesced nine wait for the end of the minute');
  // The check (free) found the applied commit: anyone who can reach the port makes capsched fetch, not spend Actions.
  assert.equal(after.localPasses.length, atStart);
  assert.equal(after.lastCheck?.passRequested, false);
});
