/**
 * `capsched apply` prints each schedule change on stderr as it is made (a failed one too), before
 * the summary on stdout; `--format json` prints no progress. Real dev server, real git repository.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyCommand } from '../../../src/cli/apply.js';
import { diffCommand } from '../../../src/cli/diff.js';
import type { CliIO } from '../../../src/cli/io.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';
import { testTemporal } from '../helpers/temporal.js';
import { eventually, newInstallation, planYaml } from '../../support/reconcile.js';

const PROGRESS = /^ {2}\d\d:\d\d:\d\d /;

test('apply prints each change as it is made — created, updated, deleted, a refused one with its code — before the summary; --format json stays quiet', async () => {
  const { client, address } = await testTemporal();
  const installation = newInstallation('progress');
  const repo = createTestRepo();
  const cwd = tempDir('capsched-progress-');
  const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', CAPSCHED_INSTALLATION: installation, CAPSCHED_LOG_LEVEL: 'silent' };
  const plan = (name: string, trus: number, hour: number): void =>
    repo.write(`schedules/${name}.yaml`, planYaml({ name, namespace: 'payments.a1b2c', trus, cron: `0 ${hour} * * *`, duration: '1h' }));
  const run = async (...argv: string[]) => {
    const events: { stream: 'out' | 'err'; text: string }[] = [];
    const io: CliIO = { stdout: (t) => void events.push({ stream: 'out', text: t }), stderr: (t) => void events.push({ stream: 'err', text: t }), env, cwd };
    const code = await applyCommand(['--source', repo.remote, ...argv], io);
    const lines = events.flatMap((e) =>
      e.text
        .split('\n')
        .filter((l) => l !== '')
        .map((text) => ({ stream: e.stream, text })),
    );
    const progress = lines.filter((l) => l.stream === 'err' && PROGRESS.test(l.text)).map((l) => l.text.slice(11));
    const firstOut = lines.findIndex((l) => l.stream === 'out');
    const lastProgress = lines.findLastIndex((l) => l.stream === 'err' && PROGRESS.test(l.text));
    return {
      code,
      progress,
      beforeSummary: lastProgress < firstOut,
      out: events
        .filter((e) => e.stream === 'out')
        .map((e) => e.text)
        .join(''),
    };
  };
  const id = (name: string): string => `capsched.${installation}.${name}`;

  plan('alpha', 4, 1);
  plan('beta', 6, 2);
  plan('gamma', 8, 3);
  repo.commit('three plans');
  const first = await run();
  assert.equal(first.code, 0, first.out);
  assert.deepEqual([...first.progress].sort(), [
    `created ${id('alpha')} (plan alpha)`,
    `created ${id('beta')} (plan beta)`,
    `created ${id('gamma')} (plan gamma)`,
  ]);
  assert.ok(first.beforeSummary, 'each change is printed as it is made, before the summary');

  // One edited, one removed, one colliding with a schedule capsched does not own.
  // Visibility caught up with the creates (else the next pass would see them as new).
  await eventually(async () => assert.equal(await diffCommand(['--source', repo.remote], { stdout: () => undefined, stderr: () => undefined, env, cwd }), 0));
  await client.schedule.create({
    scheduleId: id('delta'),
    spec: { cronExpressions: ['0 5 * * *'], timezone: 'UTC' },
    action: { type: 'startWorkflow', workflowType: 'somethingElse', taskQueue: 'not-ours', args: [] },
  });
  plan('alpha', 10, 1);
  repo.remove('schedules/gamma.yaml');
  plan('delta', 2, 4);
  repo.commit('edit alpha, drop gamma, add delta');
  const second = await run();
  assert.equal(second.code, 1, 'a refused change fails the pass');
  assert.deepEqual(
    second.progress.filter((l) => !l.startsWith('✗')),
    [`updated ${id('alpha')} (plan alpha)`, `deleted ${id('gamma')} (plan gamma)`],
    'deletes run after the other writes',
  );
  assert.match(
    second.progress.find((l) => l.startsWith('✗')) ?? '',
    new RegExp(`^✗ create ${id('delta').replace(/\./g, '\\.')} \\(plan delta\\) failed: .*left untouched.* \\[SCHEDULE_NOT_OWNED\\]$`),
  );

  plan('alpha', 12, 1);
  repo.commit('alpha again');
  const json = await run('--format', 'json');
  assert.deepEqual(json.progress, [], '--format json prints no progress');
  assert.equal((JSON.parse(json.out) as { version: number }).version, 1);
  assert.equal((((await client.schedule.getHandle(id('alpha')).describe()).action.args ?? [])[0] as { desiredTrus: number }).desiredTrus, 12);
});
