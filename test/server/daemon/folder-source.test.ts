import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

test('a folder source: a saved edit triggers a pass through the watcher (no interval needed)', async (ctx) => {
  const root = tempDir();
  mkdirSync(join(root, 'schedules'));
  writeFileSync(join(root, 'schedules', 'nightly.yaml'), planYaml('nightly'));
  // One-hour interval: only the start-up pass and the watcher can cause passes.
  const t = await startTestDaemon(ctx, { source: root, intervalMs: 3_600_000 });
  cleanupInstallation(ctx, t.installation);
  const first = await t.until((s) => s.state?.lastAppliedRevision !== undefined);
  assert.match(first.state?.lastAppliedRevision ?? '', /^sha256:/);
  assert.match(first.source, /^folder /);
  assert.equal(await t.trus('nightly'), 8);

  writeFileSync(join(root, 'schedules', 'nightly.yaml'), planYaml('nightly', 12));
  const changed = await t.until((s) => s.state?.lastAppliedRevision !== first.state?.lastAppliedRevision, 15_000);
  assert.equal(changed.state?.lastPassResult, 'applied');
  assert.equal(await t.trus('nightly'), 12);
});
