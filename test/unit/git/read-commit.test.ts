import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleGit } from 'simple-git';
import { readPlanFilesAtCommit, resolveCommit } from '../../../src/adapters/git/read-commit.js';
import { createTestRepo } from '../../support/git-repo.js';

test('reads plan files from the commit, not the work tree; symlinks and submodules are listed, never followed', async () => {
  const repo = createTestRepo();
  repo.write('schedules/a.yaml', 'name: a\n');
  repo.write('schedules/nested/b.yml', 'name: b\n');
  repo.write('schedules/README.md', '# not a plan\n');
  repo.write('secret.txt', 'CANARY-SECRET-CONTENT\n');
  repo.symlink('schedules/link.yaml', '../secret.txt');
  repo.write('other/c.yaml', 'name: c\n');
  const first = repo.commit('first');
  repo.write('schedules/a.yaml', 'name: a-uncommitted\n');

  const git = simpleGit(repo.dir);
  const snapshot = await readPlanFilesAtCommit(git, await resolveCommit(git, 'HEAD'), 'schedules');

  assert.equal(snapshot.revision, first);
  assert.equal(snapshot.pathExists, true);
  assert.deepEqual(
    snapshot.files.map((f) => [f.path, f.kind]),
    [
      ['schedules/a.yaml', 'file'],
      ['schedules/link.yaml', 'symlink'],
      ['schedules/nested/b.yml', 'file'],
    ],
  );
  assert.equal(Buffer.from(snapshot.files[0]?.bytes ?? []).toString(), 'name: a\n');
  assert.equal(snapshot.files[1]?.bytes, undefined);
  assert.equal(JSON.stringify(snapshot).includes('CANARY'), false);
  assert.equal(snapshot.meta?.subject, 'first');
});

test('a missing plans path is reported as missing, not as "no plans"; big files are not read', async () => {
  const repo = createTestRepo();
  repo.write('schedules/big.yaml', 'x'.repeat(2048));
  repo.commit('big');
  const git = simpleGit(repo.dir);
  const sha = await resolveCommit(git, 'main');

  const missing = await readPlanFilesAtCommit(git, sha, 'plans');
  const big = await readPlanFilesAtCommit(git, sha, './schedules/', { maxFileBytes: 1024 });

  assert.deepEqual(missing, { revision: sha, pathExists: false, files: [] });
  assert.equal(big.files[0]?.size, 2048);
  assert.equal(big.files[0]?.bytes, undefined);
  await assert.rejects(resolveCommit(git, 'no-such-branch'), /does not resolve/);
  await assert.rejects(resolveCommit(git, '--upload-pack=evil'), /must not start/);
});
