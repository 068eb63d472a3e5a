import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestRepo } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('an invalid commit changes nothing: last good revision stays applied, ONE alert names the commit and file:line; the fix applies', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly', 8));
  repo.write('schedules/weekend.yaml', planYaml('weekend', 4));
  const good = repo.commit('good plans');
  const t = await startTestDaemon(ctx, { source: repo.remote });
  cleanupInstallation(ctx, t.installation);
  await t.until((s) => s.state?.lastAppliedRevision === good);
  const writesBefore = t.store.writes();

  // One good edit and one bad file in the same commit: nothing of it may be applied.
  repo.write('schedules/nightly.yaml', planYaml('nightly', 10));
  repo.write('schedules/weekend.yaml', planYaml('weekend', 5));
  const bad = repo.commit('weekend: 5 TRUs');
  await t.daemon.triggerNow('test');
  const invalid = await t.until((s) => s.state?.lastAttemptedRevision === bad);
  assert.equal(invalid.state?.lastAppliedRevision, good);
  assert.equal(invalid.state?.lastPassResult, 'invalid');
  assert.equal(invalid.state?.problems.plans?.revision, bad);
  // /status carries the issue itself (file, line, column, field, code), as validation found it.
  const statusBody = (await (await t.http('/status')).json()) as {
    state?: { problems: { plans?: { issues?: Array<{ file: string; line: number; column: number; field: string; code: string }> } } };
  };
  const issue = statusBody.state?.problems.plans?.issues?.find((i) => i.file === 'schedules/weekend.yaml');
  assert.ok(issue, JSON.stringify(statusBody.state?.problems.plans));
  assert.deepEqual([issue.field, issue.code], ['trus', 'invalid-trus']);
  assert.ok(issue.line > 1, `a real line, got ${issue.line}`);

  // More checks over the same bad commit: no pass, still nothing written, still one alert.
  await t.quietChecks(3);
  assert.equal(t.store.writes(), writesBefore);
  assert.equal(await t.trus('nightly'), 8, 'the valid edit in the bad commit was not applied');
  assert.equal(await t.trus('weekend'), 4);
  const alerts = t.sink.messages.map((m) => JSON.parse(m.raw) as { text: string; blocks: { text: { text: string } }[] });
  assert.equal(alerts.length, 1, JSON.stringify(alerts));
  const body = alerts[0]?.blocks[0]?.text.text ?? '';
  assert.match(alerts[0]?.text ?? '', /Invalid plans: nothing applied/);
  assert.ok(body.includes(bad.slice(0, 12)), body);
  assert.ok(body.includes(good.slice(0, 12)), 'names the revision that stays in force');
  assert.match(body, /schedules\/weekend\.yaml:\d+:\d+ trus/);

  const metrics = await (await t.http('/metrics')).text();
  assert.match(metrics, new RegExp(`capsched_last_applied_info\\{revision="${good}"\\} 1`));
  assert.match(metrics, new RegExp(`capsched_last_attempted_info\\{revision="${bad}"\\} 1`));
  assert.match(metrics, /capsched_reconcile_passes_total\{result="invalid"\} [1-9]/);

  // The fixing commit applies, and one info alert says so.
  repo.write('schedules/weekend.yaml', planYaml('weekend', 6));
  const fixed = repo.commit('weekend: 6 TRUs');
  await t.daemon.triggerNow('test');
  const after = await t.until((s) => s.state?.lastAppliedRevision === fixed);
  assert.equal(after.state?.problems.plans, undefined);
  assert.equal(await t.trus('nightly'), 10);
  assert.equal(await t.trus('weekend'), 6);
  assert.equal(t.sink.messages.length, 2);
  assert.match(t.sink.messages[1]?.raw ?? '', /Plans valid again/);
});
