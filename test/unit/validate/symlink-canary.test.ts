import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NIGHTLY, runValidate, tempDir } from './helpers.js';

// A symlink under the plans folder is an error, never followed: the target's content (a canary
// standing in for a secret) must not appear in any output format.

const CANARY = 'CANARY-d0n0tleak-7f3a9';

test('symlinks (to a file, to a folder, as the argument) are refused and never followed', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'token.yaml'), `apiVersion: ${CANARY}\nkind: ${CANARY}\nname: ${CANARY}\n`);
  mkdirSync(join(dir, 'schedules'));
  writeFileSync(join(dir, 'schedules', 'nightly.yaml'), NIGHTLY);
  symlinkSync(join(dir, 'secrets', 'token.yaml'), join(dir, 'schedules', 'leak.yaml'));
  symlinkSync(join(dir, 'secrets'), join(dir, 'schedules', 'more'));
  symlinkSync('/etc/hostname', join(dir, 'schedules', 'host.yml'));
  symlinkSync(join(dir, 'secrets', 'token.yaml'), join(dir, 'direct.yaml'));

  for (const format of ['text', 'json', 'github', 'markdown']) {
    const r = await runValidate(['--now', '2026-12-01T00:00:00Z', '--format', format], dir);
    assert.equal(r.code, 1, format);
    const out = r.stdout + r.stderr;
    assert.ok(!out.includes(CANARY), `${format} output leaks the symlink target's content`);
    for (const link of ['schedules/leak.yaml', 'schedules/more', 'schedules/host.yml']) assert.ok(out.includes(link), `${format} names ${link}`);
    assert.ok(out.includes('file-symlink'));
  }
  const text = await runValidate(['--now', '2026-12-01T00:00:00Z', 'direct.yaml'], dir);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^direct\.yaml:1:1: error \[file-symlink\] is a symbolic link; capsched never follows links/m);
  assert.ok(!text.stdout.includes(CANARY));
});
