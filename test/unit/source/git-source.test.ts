import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPlanSource } from '../../../src/adapters/source/index.js';
import { isCapschedError } from '../../../src/core/errors.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

test('a bare remote path is a git source: fetches the branch tip and reads plans from the commit', async () => {
  const repo = createTestRepo();
  repo.write('schedules/a.yaml', 'name: a\n');
  const first = repo.commit('add a');
  const workDir = tempDir();
  const source = createPlanSource({ source: repo.remote, workDir });

  assert.equal(source.kind, 'git');
  const one = await source.snapshot();
  assert.equal(one.revision, first);
  assert.deepEqual(
    one.files.map((f) => f.path),
    ['schedules/a.yaml'],
  );
  assert.equal(one.meta?.branch, 'main');
  assert.equal(one.meta?.subject, 'add a');

  repo.write('schedules/b.yaml', 'name: b\n');
  const second = repo.commit('add b');
  const two = await source.snapshot();
  assert.equal(two.revision, second);
  assert.deepEqual(
    two.files.map((f) => f.path),
    ['schedules/a.yaml', 'schedules/b.yaml'],
  );
  assert.equal(two.meta?.previousRevision, first);
  assert.equal(two.meta?.nonFastForward, undefined);
  // The cache is one bare repository under workDir/cache/<hash>.
  const caches = readdirSync(join(workDir, 'cache'));
  assert.equal(caches.length, 1);
  assert.equal(existsSync(join(workDir, 'cache', caches[0] ?? '', 'HEAD')), true);
});

test('a force-push that rewrites history is applied and flagged non-fast-forward', async () => {
  const repo = createTestRepo();
  repo.write('schedules/a.yaml', 'name: a\n');
  repo.commit('one');
  repo.write('schedules/a.yaml', 'name: a2\n');
  const two = repo.commit('two');
  const source = createPlanSource({ source: repo.remote, workDir: tempDir() });
  assert.equal((await source.snapshot()).revision, two);

  repo.git('reset', '--quiet', '--hard', 'HEAD~1');
  repo.write('schedules/a.yaml', 'name: rewritten\n');
  const rewritten = repo.commit('rewritten');
  const snap = await source.snapshot();
  assert.equal(snap.revision, rewritten);
  assert.equal(snap.meta?.nonFastForward, 'true');
  assert.equal(text(snap.files[0]?.bytes), 'name: rewritten\n');
});

test('unreachable remote, deleted branch and bad input are typed errors', async () => {
  const repo = createTestRepo();
  repo.write('schedules/a.yaml', 'name: a\n');
  repo.commit('one');
  const source = createPlanSource({ source: repo.remote, workDir: tempDir() });
  await source.snapshot();

  renameSync(repo.remote, `${repo.remote}.moved`);
  await assert.rejects(source.snapshot(), (err) => isCapschedError(err) && err.code === 'source-unreachable' && err.retry === 'transient');
  renameSync(`${repo.remote}.moved`, repo.remote);
  await source.snapshot();

  const wrongBranch = createPlanSource({ source: repo.remote, branch: 'gone', workDir: tempDir() });
  await assert.rejects(wrongBranch.snapshot(), (err) => isCapschedError(err) && err.code === 'source-branch-not-found');

  assert.throws(() => createPlanSource({ source: '--upload-pack=touch /tmp/x' }), /must not start/);
  assert.throws(() => createPlanSource({ source: repo.remote, branch: '--evil' }), /not a valid branch/);
  assert.throws(() => createPlanSource({ source: 'ext::sh -c touch% /tmp/x' }), /neither a git URL nor an existing directory/);
  assert.throws(
    () => createPlanSource({ source: 'https://user:hunter22@example.test/plans.git' }),
    (err) => isCapschedError(err) && err.code === 'source-url-credentials',
  );
  assert.throws(() => createPlanSource({ source: '/no/such/dir' }), /neither a git URL/);
});

test('a fetch that outlives its deadline fails as a transient timeout', async () => {
  const repo = createTestRepo();
  repo.write('schedules/a.yaml', 'name: a\n');
  repo.commit('one');
  const source = createPlanSource({ source: repo.remote, workDir: tempDir(), fetchTimeoutMs: 1 });
  await assert.rejects(source.snapshot(), (err) => isCapschedError(err) && err.code === 'source-fetch-timeout' && err.retry === 'transient');
});

test('a corrupt cache is recreated', async () => {
  const repo = createTestRepo();
  repo.write('schedules/a.yaml', 'name: a\n');
  const sha = repo.commit('one');
  const workDir = tempDir();
  const source = createPlanSource({ source: repo.remote, workDir });
  await source.snapshot();
  const cache = join(workDir, 'cache', readdirSync(join(workDir, 'cache'))[0] ?? '');
  // Break the cache: HEAD says it is a repository, but there is nothing behind it.
  for (const entry of ['objects', 'refs']) renameSync(join(cache, entry), join(workDir, `${entry}.broken`));
  assert.equal((await source.snapshot()).revision, sha);
  assert.match(readFileSync(join(cache, 'HEAD'), 'utf8'), /ref:/);
});
