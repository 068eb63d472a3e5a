/**
 * Case 7: the plan repository misbehaves under a running daemon (real git, real dev server).
 * Auth revoked and branch deleted: the last applied state stays in force, nothing is written or
 * deleted, ONE alert, and the daemon recovers by itself when the remote is fixed. A force-push
 * that rewrites history is applied as the new tip, logged as non-fast-forward, with no deletes.
 * (Remote unreachable is covered by test/server/daemon/source-unreachable.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPlanSource, readGitCredentials } from '../../../src/adapters/source/index.js';
import { createTestRepo, git, tempDir } from '../../support/git-repo.js';
import { startSlackSink } from '../../support/slack-sink.js';
import { planYaml, startFaultDaemon } from './daemon.js';
import { testTemporal } from '../helpers/temporal.js';
import { serveBareRepo } from '../../support/git-http-server.js';
import { captureLogs, scheduleTrus } from './helpers.js';

await testTemporal();

const TOKEN = 'CANARY-git-token-3b9d0e71';

describe('git faults under a running daemon', { concurrency: true }, () => {
  test('auth revoked: last good state kept, no writes, one critical alert; restoring the token recovers by itself', async () => {
    const repo = createTestRepo();
    repo.write('schedules/nightly.yaml', planYaml('nightly'));
    const good = repo.commit('one plan');
    git(repo.remote, 'update-server-info');
    const server = await serveBareRepo(repo.remote, { username: 'x-access-token', password: TOKEN });
    const logs = captureLogs('info');
    const sink = await startSlackSink();
    const source = createPlanSource({
      source: server.url,
      workDir: tempDir(),
      credentials: readGitCredentials({ CAPSCHED_GIT_TOKEN: TOKEN }),
      logger: logs.logger,
    });
    const t = await startFaultDaemon({ source, sink, logger: logs.logger, intervalMs: 300 });
    await t.until((s) => s.state?.lastAppliedRevision === good);
    const writes = t.store.writes();

    server.accept.password = 'rotated-elsewhere';
    // One pass reports the outage; the checks after it are free (they fetch again, and ask for no pass while it fails).
    const failed = await t.until((s) => s.state?.lastPassResult === 'source-failed' && s.lastCheck?.passRequested === false, 30_000);
    const failing = await t.until((s) => s.checks >= failed.checks + 3, 30_000);
    assert.equal(failing.state?.passes, failed.state?.passes, 'the checks after the reported outage asked for no pass');
    assert.equal(failing.state?.lastPassResult, 'source-failed');
    assert.equal(failing.state?.lastAppliedRevision, good);
    assert.match(failing.state?.problems.source?.message ?? '', /source-auth-failed/);
    assert.equal(t.store.writes(), writes, 'no writes while the source refuses us');
    assert.equal(t.store.calls.delete ?? 0, 0);
    assert.equal(await scheduleTrus(t.scheduleId('nightly')), 8, 'the schedule keeps running');
    assert.equal(sink.messages.length, 1, 'alerted once, not on every retry');
    assert.match(sink.messages[0]?.raw ?? '', /CRITICAL: Plan source unreachable/);
    assert.match(sink.messages[0]?.raw ?? '', /refused the credentials/);

    server.accept.password = TOKEN;
    repo.write('schedules/nightly.yaml', planYaml('nightly', 10));
    const next = repo.commit('nightly: 10');
    git(repo.remote, 'update-server-info');
    await t.until((s) => s.state?.lastAppliedRevision === next, 30_000);
    assert.equal(await scheduleTrus(t.scheduleId('nightly')), 10);
    assert.equal(sink.messages.length, 2);
    assert.match(sink.messages[1]?.raw ?? '', /reachable again/);
    for (const text of [logs.text(), ...sink.requests.map((r) => r.raw), JSON.stringify(await t.daemon.status())]) assert.equal(text.includes(TOKEN), false);
  });

  test('force-push rewriting history: the new tip is applied, logged non-fast-forward, no deletes, no alert', async () => {
    const repo = createTestRepo();
    repo.write('schedules/nightly.yaml', planYaml('nightly'));
    repo.write('schedules/weekend.yaml', planYaml('weekend', 4));
    const first = repo.commit('two plans');
    const logs = captureLogs('info');
    const t = await startFaultDaemon({ source: repo.remote, logger: logs.logger, sink: await startSlackSink(), intervalMs: 300 });
    await t.until((s) => s.state?.lastAppliedRevision === first);

    // Rewrite history: a new root commit with an edited plan, force-pushed over main.
    repo.git('checkout', '--quiet', '--orphan', 'rewritten');
    repo.write('schedules/nightly.yaml', planYaml('nightly', 6));
    const rewritten = repo.commit('rewritten history');
    assert.throws(() => repo.git('merge-base', first, rewritten), 'the histories share no commit');
    await t.until((s) => s.state?.lastAppliedRevision === rewritten, 20_000);
    assert.equal(await scheduleTrus(t.scheduleId('nightly')), 6);
    assert.equal(await scheduleTrus(t.scheduleId('weekend')), 4);
    assert.equal(t.store.calls.delete ?? 0, 0, 'no deletes');
    assert.equal(logs.find(/non-fast-forward/).length >= 1, true, 'logged as non-fast-forward');
    assert.equal(t.sink.messages.length, 0);
  });

  test('branch deleted on the remote: last good state kept, no writes, one alert; recreating it recovers', async () => {
    const repo = createTestRepo();
    repo.write('schedules/nightly.yaml', planYaml('nightly'));
    const good = repo.commit('one plan');
    const t = await startFaultDaemon({ source: repo.remote, sink: await startSlackSink(), intervalMs: 300 });
    await t.until((s) => s.state?.lastAppliedRevision === good);
    const writes = t.store.writes();

    // As `git push origin :main` would on a forge: the branch is gone from the remote.
    git(repo.remote, 'update-ref', '-d', 'refs/heads/main');
    // One pass reports the outage; the checks after it are free (they fetch again, and ask for no pass while it fails).
    const failed = await t.until((s) => s.state?.lastPassResult === 'source-failed' && s.lastCheck?.passRequested === false, 30_000);
    const failing = await t.until((s) => s.checks >= failed.checks + 3, 30_000);
    assert.equal(failing.state?.passes, failed.state?.passes, 'the checks after the reported outage asked for no pass');
    assert.equal(failing.state?.lastAppliedRevision, good);
    assert.match(failing.state?.problems.source?.message ?? '', /source-branch-not-found/);
    assert.equal(t.store.writes(), writes);
    assert.equal(await scheduleTrus(t.scheduleId('nightly')), 8);
    assert.equal(t.sink.messages.length, 1);
    assert.match(t.sink.messages[0]?.raw ?? '', /Plan source unreachable/);

    const again = repo.commit('main is back');
    await t.until((s) => s.state?.lastAppliedRevision === again, 30_000);
    assert.equal(await scheduleTrus(t.scheduleId('nightly')), 8);
    assert.equal(t.store.calls.delete ?? 0, 0);
    assert.equal(t.sink.messages.length, 2);
  });
});
