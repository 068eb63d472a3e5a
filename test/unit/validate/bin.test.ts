import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { tempDir } from './helpers.js';

// The installed entry point: exit statuses of the real process.

const bin = join(packageRoot(), 'bin', 'capsched.js');
function run(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('capsched validate from the bin: 0 on the shipped examples, 2 on a usage error; schema --check passes', () => {
  const ok = run(['validate', '--now', '2026-12-01T00:00:00Z', '--strict'], packageRoot());
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^valid: 4 plans in 4 files \(0 errors, 0 warnings\)$/m);
  const usage = run(['validate', 'does-not-exist'], tempDir());
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /no such file or folder: does-not-exist/);
  const check = run(['schema', '--check'], packageRoot());
  assert.equal(check.status, 0, check.stderr);
});
