import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPlanSource, readGitCredentials } from '../../../src/adapters/source/index.js';
import { packageRoot } from '../../../src/paths.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { serveBareRepo } from '../../support/git-http-server.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

const TOKEN = 'failover-token-123456';

test('a daemon killed mid-pass: the pass is handed to the other daemon after the heartbeat timeout, which applies the commit once', async (ctx) => {
  const { address } = await testTemporal();
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const first = repo.commit('one plan');
  const server = await serveBareRepo(repo.remote, { username: 'x-access-token', password: TOKEN }, ctx);
  const installation = `fo-${uniqueSuffix()}`;
  cleanupInstallation(ctx, installation);

  // Daemon A: a separate process, so it can really die.
  const a = spawn(
    process.execPath,
    [
      join(packageRoot(), 'bin/capsched.js'),
      'run',
      '--source',
      server.url,
      '--installation',
      installation,
      '--interval',
      '1h',
      '--listen',
      '127.0.0.1:0',
      '--no-worker',
      '--pass-heartbeat-timeout',
      '3s',
      '--fetch-timeout',
      '5m',
      '--work-dir',
      tempDir(),
    ],
    {
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', CAPSCHED_GIT_TOKEN: TOKEN, SLACK_WEBHOOK_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  ctx.after(() => {
    if (a.exitCode === null) a.kill('SIGKILL');
  });
  let stderr = '';
  a.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 60_000;
  let base: string | undefined;
  for (;;) {
    base ??= /serving on (http:\/\/[^ ]+) /.exec(stderr)?.[1];
    if (base !== undefined) {
      const status = (await (await fetch(`${base}/status`)).json()) as { state?: { lastAppliedRevision?: string } };
      if (status.state?.lastAppliedRevision === first) break;
    }
    if (Date.now() > deadline) throw new Error(`daemon A never applied:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // The remote starts hanging; a merge and a webhook start a pass on A that blocks in `git fetch`.
  server.delayMs = 600_000;
  repo.write('schedules/nightly.yaml', planYaml('nightly', 12));
  const second = repo.commit('nightly: 12');
  assert.equal((await fetch(`${base}/webhook`, { method: 'POST', body: '{}' })).status, 202);
  while (server.held === 0) {
    if (Date.now() > deadline) throw new Error('A never fetched');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  a.kill('SIGKILL');
  server.delayMs = 0;

  // Daemon B joins the installation: the pass A held times out (3 s without heartbeat) and B runs the next one.
  const b = await startTestDaemon(ctx, {
    source: createPlanSource({ source: server.url, workDir: tempDir(), credentials: readGitCredentials({ CAPSCHED_GIT_TOKEN: TOKEN }) }),
    installation,
    intervalMs: 3_600_000,
  });
  const applied = await b.until((s) => s.state?.lastAppliedRevision === second, 30_000);
  assert.equal(applied.state?.lastPassBy, b.daemon.identity);
  assert.ok(applied.localPasses.some((p) => p.revision === second && p.result === 'applied'));
  assert.equal(b.store.writes(), 1, 'one update, applied once');
  assert.equal(await b.trus('nightly'), 12);
});
