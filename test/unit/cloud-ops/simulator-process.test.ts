import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'capsched.js'), ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the real binary: cloud-ops-simulator serves, capacity reads it, SIGTERM stops it with exit 0; the key is never printed', async () => {
  const key = 'process-test-key-4e5f6a7b';
  const sim = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'capsched.js'), 'cloud-ops-simulator', '--port', '0', '--namespace', 'proc.ns001', '--operation-delay', '100ms'],
    {
      env: { ...process.env, TEMPORAL_CLOUD_API_KEY: key, CAPSCHED_LOG_LEVEL: 'info' },
    },
  );
  let out = '';
  let err = '';
  sim.stdout.on('data', (d: Buffer) => (out += d.toString()));
  sim.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => sim.on('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 200 && !/TEMPORAL_CLOUD_ENDPOINT=(\S+)/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
    const endpoint = /TEMPORAL_CLOUD_ENDPOINT=(\S+)/.exec(out)?.[1];
    assert.ok(endpoint, `simulator printed its endpoint:\n${out}\n${err}`);

    const shown = await run(['capacity', 'proc.ns001', '--json'], {
      TEMPORAL_CLOUD_API_KEY: key,
      TEMPORAL_CLOUD_ENDPOINT: endpoint,
      TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as { mode: string }).mode, 'onDemand');
  } finally {
    sim.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
  assert.match(out, /stopped/);
  assert.ok(!out.includes(key) && !err.includes(key), 'the key appears in neither stdout nor the logs');
});
