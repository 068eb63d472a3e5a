import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCloudOpsSimulator } from '../../../src/cli/cloud-ops-simulator.js';
import { capacityCommand } from '../../../src/cli/capacity.js';
import type { CliIO } from '../../../src/cli/io.js';
import type { CloudOpsSimulator } from '../../../src/simulator/index.js';
import { silentLogger } from '../../../src/log/index.js';

function captureIO(env: NodeJS.ProcessEnv): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: process.cwd() };
}

test('capsched cloud-ops-simulator serves until stopped, prints the endpoint and env vars but never the key', async () => {
  const key = 'sim-command-key-99c1d2';
  const controller = new AbortController();
  const io = captureIO({ TEMPORAL_CLOUD_API_KEY: key });
  let sim: CloudOpsSimulator | undefined;
  const ready = new Promise<void>((resolve) => {
    void runCloudOpsSimulator(['--port', '0', '--namespace', 'alpha.aaaaa', '--provisioned', 'beta.bbbbb=4', '--operation-delay', '100ms'], io, {
      signal: controller.signal,
      logger: silentLogger(),
      onReady: (s) => {
        sim = s;
        resolve();
      },
    }).then((code) => io.out.push(`exit ${code}\n`));
  });
  await ready;
  assert.ok(sim);
  const printed = io.out.join('');
  assert.match(printed, new RegExp(`TEMPORAL_CLOUD_ENDPOINT=${sim.address.replace(/[.[\]]/g, '\\$&')}`));
  assert.match(printed, /TEMPORAL_CLOUD_ALLOW_INSECURE=true/);
  assert.ok(!printed.includes(key), 'the key is never printed');

  // A client configured from the printed variables reads both namespaces.
  const clientEnv = { TEMPORAL_CLOUD_API_KEY: key, TEMPORAL_CLOUD_ENDPOINT: sim.address, TEMPORAL_CLOUD_ALLOW_INSECURE: 'true' };
  const beta = captureIO(clientEnv);
  assert.equal(await capacityCommand(['beta.bbbbb', '--json'], beta), 0);
  assert.equal((JSON.parse(beta.out.join('')) as { currentTrus: number }).currentTrus, 4);
  const alpha = captureIO(clientEnv);
  assert.equal(await capacityCommand(['alpha.aaaaa'], alpha), 0);
  assert.match(alpha.out.join(''), /Mode\s+on-demand/);
  // The key comes from TEMPORAL_CLOUD_API_KEY: another key is refused.
  assert.equal(await capacityCommand(['alpha.aaaaa'], captureIO({ ...clientEnv, TEMPORAL_CLOUD_API_KEY: 'some-other-key-1234' })), 1);

  controller.abort();
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < 40 && !io.out.join('').includes('exit 0'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(io.out.join(''), /stopped/);
  assert.match(io.out.join(''), /exit 0/);
  assert.equal(await capacityCommand(['alpha.aaaaa'], captureIO({ ...clientEnv, CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '1s' })), 1, 'the server is gone');
});

test('capsched cloud-ops-simulator rejects bad flags with exit code 2', async () => {
  for (const argv of [['--port', 'abc'], ['--operation-delay', 'soon'], ['--valid-tru', '2,x'], ['--provisioned', 'nope'], ['--what']]) {
    const io = captureIO({});
    assert.equal(await runCloudOpsSimulator(argv, io), 2, argv.join(' '));
    assert.match(io.err.join(''), /usage: capsched cloud-ops-simulator/);
  }
});
