/**
 * `capsched report` in CI, where there is usually no Cloud Ops key: the report says in one line
 * that throughput against on-demand was not checked (and the JSON says why), instead of guessing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportCommand } from '../../../src/cli/report.js';
import type { CliIO } from '../../../src/cli/io.js';
import type { PrReport } from '../../../src/core/report/pr-model.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';

async function run(cwd: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, cwd };
  return { code: await reportCommand(argv, io), out, err };
}

test('report without Cloud Ops credentials: one line says the comparison with on-demand could not be checked', async () => {
  const repo = createTestRepo();
  repo.write('schedules/README.md', 'plans\n');
  const base = repo.commit('empty');
  repo.write(
    'schedules/low.yaml',
    'apiVersion: capsched/v1\nkind: CapacityPlan\nname: low\nnamespace: payments.a1b2c\ntrus: 2\ncron: "0 23 * * 1-5"\ntimezone: UTC\nduration: 2h\n',
  );
  repo.commit('a plan');
  const cwd = tempDir('capsched-report-tp-');
  const md = await run(cwd, ['--source', repo.dir, '--base', base, '--head', 'HEAD', '--now', '2026-12-01T12:00:00Z']);
  assert.equal(md.code, 0, md.err);
  const lines = md.out.split('\n').filter((l) => l.includes('Throughput against on-demand'));
  assert.deepEqual(lines, [
    '**Throughput against on-demand (GetNamespaceCapacityInfo):** not checked (no Cloud Ops credentials: TEMPORAL\\_CLOUD\\_API\\_KEY is not set).',
  ]);
  // Beside the billing figures (after the capacity table).
  assert.ok(md.out.indexOf('### Capacity per week') < md.out.indexOf('**Throughput against on-demand'));

  const json = await run(cwd, ['--source', repo.dir, '--base', base, '--head', 'HEAD', '--now', '2026-12-01T12:00:00Z', '--format', 'json']);
  const report = JSON.parse(json.out) as PrReport;
  assert.deepEqual(report.throughput, { checked: false, reason: 'no Cloud Ops credentials: TEMPORAL_CLOUD_API_KEY is not set' });
});

test('report with nothing affected: no throughput line at all', async () => {
  const repo = createTestRepo();
  repo.write('schedules/README.md', 'plans\n');
  const base = repo.commit('empty');
  const cwd = tempDir('capsched-report-tp-');
  const md = await run(cwd, ['--source', repo.dir, '--base', base, '--head', 'HEAD', '--now', '2026-12-01T12:00:00Z']);
  assert.equal(md.code, 0, md.err);
  assert.ok(!md.out.includes('Throughput against on-demand'));
});
