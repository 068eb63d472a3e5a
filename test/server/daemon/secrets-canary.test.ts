import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { createPlanSource, readGitCredentials } from '../../../src/adapters/source/index.js';
import { reconcilerWorkflowId } from '../../../src/core/reconciler-contract.js';
import { createLogger, Secret } from '../../../src/log/index.js';
import { createTestRepo, git, tempDir } from '../../support/git-repo.js';
import { serveBareRepo } from '../../support/git-http-server.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

const GIT_TOKEN = 'CANARY-git-token-0a9b8c7d';
const HOOK_SECRET = 'CANARY-hook-secret-1b2c3d4e';

test('credentials revoked: one critical alert, last good state kept; secrets canary: git token, webhook secret never appear in logs, alerts, metrics, status or the reconciler history', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const sha = repo.commit('one plan');
  git(repo.remote, 'update-server-info');
  const server = await serveBareRepo(repo.remote, { username: 'x-access-token', password: GIT_TOKEN }, ctx);
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
  const source = createPlanSource({ source: server.url, workDir: tempDir(), credentials: readGitCredentials({ CAPSCHED_GIT_TOKEN: GIT_TOKEN }), logger });
  const t = await startTestDaemon(ctx, { source, logger, webhookSecret: new Secret(HOOK_SECRET) });
  cleanupInstallation(ctx, t.installation);
  await t.until((s) => s.state?.lastAppliedRevision === sha);

  // A valid and a forged webhook, then the token is revoked: an auth failure and its alert.
  const body = '{"ref":"refs/heads/main"}';
  const signature = `sha256=${createHmac('sha256', HOOK_SECRET).update(body).digest('hex')}`;
  assert.equal((await t.http('/webhook', { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-hub-signature-256': signature } })).status, 202);
  assert.equal(
    (await t.http('/webhook', { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-hub-signature-256': `${signature.slice(0, -4)}0000` } })).status,
    401,
  );
  server.accept.password = 'rotated';
  await t.daemon.triggerNow('test');
  const failed = await t.until((s) => s.state?.problems.source !== undefined);
  assert.match(failed.state?.problems.source?.message ?? '', /source-auth-failed/);
  // Revoked credentials: the last good state stays, checks retry for free (backing off) with no further pass, and the alert is sent once.
  const retried = await t.quietChecks(3, 30_000);
  assert.match(retried.lastCheck?.reason ?? '', /still fails \(source-auth-failed\)/);
  assert.equal(t.sink.messages.length, 1);
  assert.match(t.sink.messages[0]?.raw ?? '', /CRITICAL/);
  assert.equal((await t.daemon.status()).state?.lastAppliedRevision, sha);
  assert.equal(t.store.writes(), 1);

  const history = await t.client.workflow.getHandle(reconcilerWorkflowId(t.installation)).fetchHistory();
  const everything = [
    ...lines,
    ...t.sink.messages.map((m) => m.raw),
    await (await t.http('/metrics')).text(),
    JSON.stringify(await t.daemon.status()),
    JSON.stringify(history),
    source.describe(),
  ].join('\n');
  assert.ok(lines.length > 10, 'logs were captured');
  for (const canary of [GIT_TOKEN, HOOK_SECRET]) assert.equal(everything.includes(canary), false, `${canary} leaked`);
});
