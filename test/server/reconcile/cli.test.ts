import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyCommand } from '../../../src/cli/apply.js';
import { diffCommand } from '../../../src/cli/diff.js';
import type { CliIO } from '../../../src/cli/io.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';
import { testTemporal } from '../helpers/temporal.js';
import { eventually, newInstallation, planYaml } from '../../support/reconcile.js';

function io(env: NodeJS.ProcessEnv, cwd: string): CliIO & { out: string; err: string } {
  const captured = { out: '', err: '' };
  return Object.assign(captured, {
    stdout: (t: string) => void (captured.out += t),
    stderr: (t: string) => void (captured.err += t),
    env,
    cwd,
  });
}

test('capsched diff / apply on a git repository: terraform-style output, formats and exit codes', async () => {
  const { client, address } = await testTemporal();
  const installation = newInstallation('cli');
  const repo = createTestRepo();
  const cwd = tempDir('capsched-cli-');
  const write = (name: string, text: string) => repo.write(`schedules/${name}`, text);
  write(
    'nightly.yaml',
    planYaml({
      name: 'nightly',
      namespace: 'payments.a1b2c',
      trus: 8,
      cron: '0 23 * * 1-5',
      timezone: 'America/New_York',
      duration: '3h',
      description: 'batch settlement',
    }),
  );
  const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', CAPSCHED_INSTALLATION: installation, CAPSCHED_LOG_LEVEL: 'silent' };
  const run = async (cmd: typeof diffCommand, ...argv: string[]) => {
    const cli = io(env, cwd);
    const code = await cmd(['--source', repo.remote, ...argv], cli);
    return { code, out: cli.out, err: cli.err };
  };
  const id = `capsched.${installation}.nightly`;
  const first = repo.commit('nightly boost');
  {
    // diff before anything exists: a create, with the plan's next windows; exit 2.
    const planned = await run(diffCommand);
    assert.equal(planned.code, 2, planned.err);
    assert.match(planned.out, new RegExp(`\\+ ${id.replace(/\./g, '\\.')}  \\(create: new plan\\)`));
    assert.match(planned.out, /trus: +8/);
    assert.match(planned.out, /next windows:\n.*America\/New_York/);
    assert.match(planned.out, /Plan: 1 to create, 0 to update, 0 to delete; 0 unchanged\./);

    // apply: exit 0, says what it did.
    const applied = await run(applyCommand);
    assert.equal(applied.code, 0, applied.err + applied.out);
    assert.match(applied.out, new RegExp(`created ${id.replace(/\./g, '\\.')}`));
    // Each change printed on stderr as it is made, before the summary.
    assert.match(applied.err, new RegExp(`^  \\d\\d:\\d\\d:\\d\\d created ${id.replace(/\./g, '\\.')} \\(plan nightly\\)$`, 'm'));
    const created = await client.schedule.getHandle(id).describe();
    assert.equal(created.state.paused, false);
    assert.deepEqual((created.searchAttributes as Record<string, string[]>).CapschedCommit, [first]);
    assert.equal(((created.action.args ?? [])[0] as { commit: string }).commit, first);

    // diff right after: nothing to change, exit 0 (once visibility has caught up).
    await eventually(async () => {
      const clean = await run(diffCommand);
      assert.equal(clean.code, 0, clean.out);
      assert.match(clean.out, /No changes\. 1 schedule\(s\) up to date\./);
    });

    // An edit: ~ with before → after, in JSON and Markdown too; --dry-run writes nothing.
    write(
      'nightly.yaml',
      planYaml({
        name: 'nightly',
        namespace: 'payments.a1b2c',
        trus: 10,
        cron: '0 23 * * 1-5',
        timezone: 'America/New_York',
        duration: '3h',
        description: 'batch settlement',
      }),
    );
    repo.commit('more TRUs');
    const text = await run(diffCommand);
    assert.equal(text.code, 2);
    assert.match(text.out, /~ capsched\..*\.nightly  \(update: plan changed\)\n +trus: +8 → 10/);
    const json = await run(diffCommand, '--format', 'json');
    assert.equal(json.code, 2);
    const parsed = JSON.parse(json.out) as {
      changes: { kind: string; fields: { field: string; before: string; after: string }[]; nextWindows: unknown[] }[];
      summary: { update: number };
    };
    assert.equal(parsed.summary.update, 1);
    assert.deepEqual(
      parsed.changes[0]!.fields.find((f) => f.field === 'trus'),
      { field: 'trus', before: '8', after: '10' },
    );
    assert.equal(parsed.changes[0]!.nextWindows.length, 3);
    const md = await run(diffCommand, '--format', 'markdown');
    assert.match(md.out, /```diff\n~ capsched\./);
    const dry = await run(applyCommand, '--dry-run');
    assert.equal(dry.code, 2);
    assert.doesNotMatch(dry.err, /updated|created/, 'a dry run makes no change, so prints none');
    assert.equal((((await client.schedule.getHandle(id).describe()).action.args ?? [])[0] as { desiredTrus: number }).desiredTrus, 8);

    // Invalid plans: exit 1, file:line:col, nothing applied.
    write('broken.yaml', planYaml({ name: 'broken', namespace: 'payments.a1b2c', trus: 7, cron: '0 1 * * *' }));
    repo.commit('a broken plan');
    const invalid = await run(applyCommand);
    assert.equal(invalid.code, 1);
    assert.match(invalid.err, /schedules\/broken\.yaml:\d+:\d+ trus/);
    assert.match(invalid.err, /Nothing was changed/);
    // Every plan removed (the folder stays): the prune guard refuses (exit 1) until --allow-prune-all.
    repo.remove('schedules/broken.yaml');
    repo.remove('schedules/nightly.yaml');
    write('README.md', 'plans live here\n');
    repo.commit('remove every plan');
    const refused = await run(applyCommand);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /Refused \(PRUNE_ALL_BLOCKED\)/);
    assert.equal((await client.schedule.getHandle(id).describe()).scheduleId, id);
    const pruned = await run(applyCommand, '--allow-prune-all');
    assert.equal(pruned.code, 0, pruned.out + pruned.err);
    assert.match(pruned.out, /- capsched\..*\.nightly  \(delete: plan removed\)/);
    assert.match(pruned.err, /^  \d\d:\d\d:\d\d deleted capsched\..*\.nightly \(plan nightly\)$/m);
    await assert.rejects(client.schedule.getHandle(id).describe(), /not found/i);

    // A missing plans folder is an error, never "no plans".
    const missing = await run(applyCommand, '--path', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /does not exist/);

    // Usage errors: diff exits 1 (2 means "changes"), apply exits 2.
    assert.equal((await run(diffCommand, '--format', 'yaml')).code, 1);
    assert.equal((await run(applyCommand, '--bogus')).code, 2);
    assert.equal((await run(applyCommand, '--installation', 'no spaces')).code, 2);
  }
});
