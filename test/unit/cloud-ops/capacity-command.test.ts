import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityCommand } from '../../../src/cli/capacity.js';
import type { CliIO } from '../../../src/cli/io.js';
import { startFixture, NS, API_KEY } from './helpers.js';

function captureIO(env: NodeJS.ProcessEnv): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: process.cwd() };
}

test('capsched capacity prints mode, TRUs, latest request and valid TRU values (text and --json)', async () => {
  const f = await startFixture({ operationDelayMs: 50 });
  try {
    const op = await f.client.setCapacity(NS, { mode: 'provisioned', trus: 6 }, 'cli-raise');
    await f.client.waitForOperation(op.operationId, { timeoutMs: 5000 });

    const text = captureIO(f.env);
    assert.equal(await capacityCommand([NS], text), 0);
    const printed = text.out.join('');
    assert.match(printed, /Mode\s+provisioned, 6 TRU/);
    assert.match(printed, /APS limit\s+3000/);
    assert.match(printed, /Latest request\s+completed: 6 TRUs/);
    assert.match(printed, /operation\s+cli-raise/);
    assert.match(printed, /Valid TRU values\s+2, 3, 4, 6, 8, 10, 12/);
    assert.match(printed, /On-demand APS now\s+500 APS/);
    assert.match(printed, /7-day APS\s+mean 120 APS, p90 310 APS, p99 455 APS/);

    const json = captureIO(f.env);
    assert.equal(await capacityCommand([NS, '--json'], json), 0);
    const report = JSON.parse(json.out.join('')) as Record<string, unknown>;
    assert.equal(report.namespace, NS);
    assert.equal(report.mode, 'provisioned');
    assert.equal(report.currentTrus, 6);
    assert.equal(report.apsLimit, 3000);
    assert.deepEqual(report.latestRequest, {
      ...(report.latestRequest as object),
      state: 'completed',
      asyncOperationId: 'cli-raise',
      target: { mode: 'provisioned', trus: 6 },
    });
    assert.deepEqual(report.validTruValues, [2, 3, 4, 6, 8, 10, 12]);
    assert.equal(report.onDemandApsLimit, 500);
    assert.deepEqual(report.apsStats, { mean: 120, p90: 310, p99: 455 });
    assert.ok(!JSON.stringify(report).includes(API_KEY));
  } finally {
    await f.close();
  }
});

test('capsched capacity exit codes: 1 on API errors (key never printed), 2 on usage and missing configuration', async () => {
  const f = await startFixture();
  try {
    const unknown = captureIO(f.env);
    assert.equal(await capacityCommand(['missing.ns001'], unknown), 1);
    assert.match(unknown.err.join(''), /CLOUD_OPS_NOT_FOUND/);

    const wrongKey = captureIO({ ...f.env, TEMPORAL_CLOUD_API_KEY: 'not-the-right-key-123456' });
    assert.equal(await capacityCommand([NS, '--json'], wrongKey), 1);
    const all = wrongKey.out.join('') + wrongKey.err.join('');
    assert.match(all, /CLOUD_OPS_UNAUTHENTICATED/);
    assert.ok(!all.includes('not-the-right-key-123456'));
    assert.equal((JSON.parse(wrongKey.out.join('')) as { error: { code: string } }).error.code, 'CLOUD_OPS_UNAUTHENTICATED');

    const down = captureIO({ ...f.env, TEMPORAL_CLOUD_ENDPOINT: '127.0.0.1:1', CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '2s' });
    assert.equal(await capacityCommand([NS], down), 1);
    assert.match(down.err.join(''), /CLOUD_OPS_UNAVAILABLE/);

    assert.equal(await capacityCommand([], captureIO(f.env)), 2);
    assert.equal(await capacityCommand([NS, 'extra'], captureIO(f.env)), 2);
    assert.equal(await capacityCommand([NS, '--bogus'], captureIO(f.env)), 2);
    const noKey = captureIO({ ...f.env, TEMPORAL_CLOUD_API_KEY: undefined });
    assert.equal(await capacityCommand([NS], noKey), 2);
    assert.match(noKey.err.join(''), /TEMPORAL_CLOUD_API_KEY is not set/);
    const help = captureIO(f.env);
    assert.equal(await capacityCommand(['--help'], help), 0);
    assert.match(help.out.join(''), /usage: capsched capacity/);
  } finally {
    await f.close();
  }
});
