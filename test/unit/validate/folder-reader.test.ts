import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readPlanFolder, readPlanPaths } from '../../../src/adapters/source/folder-reader.js';
import { NIGHTLY, tempDir } from './helpers.js';

test('readPlanFolder: recursive *.yaml/*.yml, dot-folders skipped, links listed not followed, content hash', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'schedules', 'team', '.hidden'), { recursive: true });
  writeFileSync(join(root, 'schedules', 'a.yaml'), NIGHTLY);
  writeFileSync(join(root, 'schedules', 'team', 'b.YML'), NIGHTLY);
  writeFileSync(join(root, 'schedules', 'team', 'notes.txt'), 'not a plan');
  writeFileSync(join(root, 'schedules', 'team', '.hidden', 'c.yaml'), NIGHTLY);
  writeFileSync(join(root, 'outside.yaml'), 'secret: CANARY');
  symlinkSync(join(root, 'outside.yaml'), join(root, 'schedules', 'link.yaml'));

  const snap = await readPlanFolder(root, 'schedules');
  assert.equal(snap.pathExists, true);
  assert.deepEqual(
    snap.files.map((f) => [f.path, f.kind, f.bytes === undefined ? 'no bytes' : 'bytes']),
    [
      ['schedules/a.yaml', 'file', 'bytes'],
      ['schedules/link.yaml', 'symlink', 'no bytes'],
      ['schedules/team/b.YML', 'file', 'bytes'],
    ],
  );
  assert.match(snap.revision, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await readPlanFolder(root, 'schedules')).revision, snap.revision, 'stable');
  writeFileSync(join(root, 'schedules', 'a.yaml'), NIGHTLY.replace('8', '4'));
  assert.notEqual((await readPlanFolder(root, 'schedules')).revision, snap.revision, 'changes with content');

  assert.deepEqual(await readPlanFolder(root, 'missing'), { revision: 'missing', pathExists: false, files: [] });
  symlinkSync(join(root, 'schedules'), join(root, 'linked-plans'));
  assert.equal((await readPlanFolder(root, 'linked-plans')).pathExists, false, 'a linked plans folder is not followed');
});

test('readPlanPaths: files and folders relative to cwd, duplicates once, missing paths reported', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'p'));
  writeFileSync(join(root, 'p', 'x.yaml'), NIGHTLY);
  const r = await readPlanPaths(['p', 'p/x.yaml', 'nope.yaml'], root);
  assert.deepEqual(
    r.files.map((f) => f.path),
    ['p/x.yaml'],
  );
  assert.deepEqual(r.missing, ['nope.yaml']);
});
