import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { cleanupInstallation, planYaml } from './helpers.js';

test('`capsched run` as a process: serves health, becomes ready, applies, and exits 0 on SIGTERM after draining', async (ctx) => {
  const { address } = await testTemporal();
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const sha = repo.commit('one plan');
  const installation = `sig-${uniqueSuffix()}`;
  cleanupInstallation(ctx, installation);

  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), 'bin/capsched.js'),
      'run',
      '--source',
      repo.remote,
      '--installation',
      installation,
      '--interval',
      '1s',
      '--listen',
      '127.0.0.1:0',
      '--task-queue',
      `tq-${installation}`,
      '--work-dir',
      tempDir(),
    ],
    {
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', CAPSCHED_LOG_LEVEL: 'info', SLACK_WEBHOOK_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    const deadline = Date.now() + 60_000;
    let base: string | undefined;
    while (base === undefined) {
      base = /serving on (http:\/\/[^ ]+) /.exec(stderr)?.[1];
      if (Date.now() > deadline) throw new Error(`daemon did not start:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    for (;;) {
      const ready = await fetch(`${base}/readyz`);
      if (ready.status === 200) break;
      if (Date.now() > deadline) throw new Error(`never ready: ${await ready.text()}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, new RegExp(`capsched_last_applied_info\\{revision="${sha}"\\} 1`));
    assert.match(metrics, /capsched_managed_schedules 1/);

    child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /daemon stopped/);
    assert.match(stderr, /capacity worker starting/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
