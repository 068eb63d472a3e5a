import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../../../src/cli/run.js';

test('capsched run --live-reductions: at-end or now; anything else is a usage error before anything starts', async () => {
  const out = { stdout: '', stderr: '' };
  const io = { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env: {}, cwd: process.cwd() };
  assert.equal(await runCommand(['--live-reductions', 'sometimes'], io), 2);
  assert.match(out.stderr, /--live-reductions "sometimes": use at-end \(default\) or now/);
  out.stderr = '';
  assert.equal(await runCommand(['--help'], io), 0);
  assert.match(out.stdout, /--live-reductions <when>\s+at-end \(default\)/);
  assert.equal(await runCommand([], { ...io, env: { CAPSCHED_LIVE_REDUCTIONS: 'later' } }), 2);
  assert.match(out.stderr, /"later"/);
});
