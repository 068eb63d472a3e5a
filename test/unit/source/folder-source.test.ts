import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPlanSource } from '../../../src/adapters/source/index.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(25);
  }
}

test('a plain folder is a folder source: content-hash revision, symlinks listed and never read', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'schedules'));
  writeFileSync(join(root, 'secret.txt'), 'CANARY-folder-secret\n');
  writeFileSync(join(root, 'schedules', 'a.yaml'), 'name: a\n');
  symlinkSync('../secret.txt', join(root, 'schedules', 'link.yaml'));

  const source = createPlanSource({ source: root });
  assert.equal(source.kind, 'folder');
  const one = await source.snapshot();
  assert.match(one.revision, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(
    one.files.map((f) => [f.path, f.kind]),
    [
      ['schedules/a.yaml', 'file'],
      ['schedules/link.yaml', 'symlink'],
    ],
  );
  assert.equal(JSON.stringify(one).includes('CANARY'), false);
  assert.equal((await source.snapshot()).revision, one.revision, 'same content, same revision');

  writeFileSync(join(root, 'schedules', 'a.yaml'), 'name: a2\n');
  assert.notEqual((await source.snapshot()).revision, one.revision);

  const missing = await createPlanSource({ source: root, path: 'plans' }).snapshot();
  assert.equal(missing.pathExists, false);
});

test('the folder watcher fires once per burst of changes (debounced, after writes settle)', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'schedules'));
  writeFileSync(join(root, 'schedules', 'a.yaml'), 'name: a\n');
  const source = createPlanSource({ source: root });
  let changes = 0;
  const stop = source.watch(() => changes++);
  try {
    await sleep(300); // let the watcher settle
    for (let i = 0; i < 5; i++) writeFileSync(join(root, 'schedules', `p${i}.yaml`), `name: p${i}\n`);
    await waitFor(() => changes >= 1);
    await sleep(800);
    assert.equal(changes, 1);

    writeFileSync(join(root, 'schedules', 'a.yaml'), 'name: changed\n');
    await waitFor(() => changes >= 2);
  } finally {
    await stop();
  }
});

test('a local path that is the root of a git repository (work tree or bare) is a git source', async () => {
  const repo = createTestRepo();
  repo.write('schedules/a.yaml', 'name: a\n');
  const sha = repo.commit('one');
  repo.write('schedules/a.yaml', 'name: uncommitted\n');
  const fromWorkTree = createPlanSource({ source: repo.dir, workDir: tempDir() });
  assert.equal(fromWorkTree.kind, 'git');
  const snapshot = await fromWorkTree.snapshot();
  assert.equal(snapshot.revision, sha);
  assert.equal(Buffer.from(snapshot.files[0]?.bytes ?? []).toString(), 'name: a\n', 'read from the commit, not the work tree');
  assert.equal(createPlanSource({ source: repo.remote, workDir: tempDir() }).kind, 'git');
});
