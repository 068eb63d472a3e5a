import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcilerWorkflowId } from '../../../src/core/reconciler-contract.js';
import { createTestRepo } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('the reconciler workflow terminated by an operator is started again by the daemon watchdog', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const first = repo.commit('one plan');
  const t = await startTestDaemon(ctx, { source: repo.remote, intervalMs: 300 });
  cleanupInstallation(ctx, t.installation);
  await t.until((s) => s.state?.lastAppliedRevision === first);
  const handle = t.client.workflow.getHandle(reconcilerWorkflowId(t.installation));
  await handle.terminate('operator');

  repo.write('schedules/nightly.yaml', planYaml('nightly', 6));
  const second = repo.commit('nightly: 6');
  await t.until((s) => s.state?.lastAppliedRevision === second, 20_000);
  assert.equal(await t.trus('nightly'), 6);
  assert.equal((await t.client.workflow.getHandle(reconcilerWorkflowId(t.installation)).describe()).status.name, 'RUNNING');
});
