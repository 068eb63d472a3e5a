/**
 * `capsched init` on Temporal Cloud goes through the Cloud Ops API (the simulator, real gRPC):
 * read-modify-write of the namespace spec's search_attributes with its resource_version, as an
 * async operation. Everything else in the spec stays as it was; a second run sends nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initCommand, isTemporalCloudAddress } from '../../../src/cli/init.js';
import type { CliIO } from '../../../src/cli/io.js';
import { CAPSCHED_SEARCH_ATTRIBUTE_NAMES } from '../../../src/core/search-attributes.js';
import { API_KEY, NS, startFixture } from '../cloud-ops/helpers.js';

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env, cwd: process.cwd() };
  return { code: await initCommand(args, io), out, err };
}

const updates = (f: { sim: { requests(): Record<string, number> } }): number => f.sim.requests().UpdateNamespace ?? 0;

test('init --via cloud: dry run sends nothing, init adds the six Keyword attributes by an async operation, a second init sends nothing', async () => {
  const f = await startFixture({ namespaces: [NS], operationDelayMs: 60 });
  try {
    const before = f.sim.specOf(NS);
    const dry = await run(['--via', 'cloud', '--namespace', NS, '--dry-run'], f.env);
    assert.equal(dry.code, 0, dry.out + dry.err);
    assert.match(dry.out, /Would register 6 search attributes; nothing was changed/);
    assert.match(dry.out, /through the Cloud Ops API/);
    assert.equal(updates(f), 0, 'a dry run sends no UpdateNamespace');
    assert.deepEqual(f.sim.specOf(NS), before);

    const r = await run(['--via', 'cloud', '--namespace', NS], f.env);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /Registered 6 search attributes \(async operation capsched-init-[0-9a-f-]+ fulfilled\); 0 were already there/);
    const after = f.sim.specOf(NS);
    const attributes = after.searchAttributes as Record<string, string>;
    for (const name of CAPSCHED_SEARCH_ATTRIBUTE_NAMES) assert.equal(attributes[name], 'SEARCH_ATTRIBUTE_TYPE_KEYWORD', name);
    assert.equal(attributes.CustomerId, 'SEARCH_ATTRIBUTE_TYPE_KEYWORD', 'existing attributes are kept');
    assert.equal(attributes.OrderTotal, 'SEARCH_ATTRIBUTE_TYPE_DOUBLE', 'existing attributes are kept');
    const { searchAttributes: _a, ...restAfter } = after;
    const { searchAttributes: _b, ...restBefore } = before;
    assert.deepEqual(restAfter, restBefore, 'regions, retention, codec server, capacity… unchanged');
    assert.equal(updates(f), 1);
    const ops = f.sim.operations();
    assert.equal(ops.length, 1);
    assert.equal(ops[0]?.state, 'fulfilled');
    assert.equal(ops[0]?.target, undefined, 'not a capacity change');
    assert.equal(f.sim.changes(NS).length, 0, 'capacity untouched');

    const again = await run(['--via', 'cloud', '--namespace', NS], f.env);
    assert.equal(again.code, 0, again.out + again.err);
    assert.match(again.out, /Nothing to do: all 6 search attributes are registered/);
    assert.equal(updates(f), 1, 'a second init sends nothing');
    assert.ok(!(r.out + r.err + again.out + again.err).includes(API_KEY), 'the key is never printed');
  } finally {
    await f.close();
  }
});

test('init --via cloud: a key without Namespace Admin, and a wrong key, say what permission is missing and change nothing', async () => {
  const f = await startFixture({ namespaces: [NS, 'other.team1'], permittedNamespaces: [NS], operationDelayMs: 20 });
  try {
    const denied = await run(['--via', 'cloud', '--namespace', 'other.team1'], f.env);
    assert.equal(denied.code, 1, denied.out + denied.err);
    assert.match(denied.err, /needs the Namespace Admin role on it/);
    assert.match(denied.err, /CLOUD_OPS_PERMISSION_DENIED/);
    const wrongKey = await run(['--via', 'cloud', '--namespace', NS], { ...f.env, TEMPORAL_CLOUD_API_KEY: 'not-the-right-key-123' });
    assert.equal(wrongKey.code, 1, wrongKey.out + wrongKey.err);
    assert.match(wrongKey.err, /API key \(TEMPORAL_CLOUD_API_KEY\) was refused/);
    assert.ok(!wrongKey.err.includes('not-the-right-key-123'), 'the key is never printed');
    const noKey = await run(['--via', 'cloud', '--namespace', NS], { ...f.env, TEMPORAL_CLOUD_API_KEY: '' });
    assert.equal(noKey.code, 2, noKey.out + noKey.err);
    assert.match(noKey.err, /TEMPORAL_CLOUD_API_KEY is not set/);
    assert.equal(updates(f), 0);
  } finally {
    await f.close();
  }
});

test('the simulator refuses to delete or retype a search attribute (the real API cannot delete one)', async () => {
  const f = await startFixture({ namespaces: [NS], operationDelayMs: 20 });
  try {
    const ns = await f.client.getNamespace(NS);
    const { rawCall } = await import('../cloud-ops/helpers.js');
    const spec = { ...ns.spec, searchAttributes: { CustomerId: 2 } };
    await assert.rejects(
      rawCall(f.sim.address, 'UpdateNamespace', { namespace: NS, spec, resourceVersion: ns.resourceVersion, asyncOperationId: 'op-delete' }),
      /OrderTotal cannot be deleted/,
    );
    const retyped = { ...ns.spec, searchAttributes: { CustomerId: 1, OrderTotal: 4 } };
    await assert.rejects(
      rawCall(f.sim.address, 'UpdateNamespace', { namespace: NS, spec: retyped, resourceVersion: ns.resourceVersion, asyncOperationId: 'op-retype' }),
      /CustomerId cannot change its type/,
    );
  } finally {
    await f.close();
  }
});

test('init --via auto picks the Cloud Ops API for Temporal Cloud endpoints only', () => {
  assert.equal(isTemporalCloudAddress('payments.a1b2c.tmprl.cloud:7233'), true);
  assert.equal(isTemporalCloudAddress('us-east-1.aws.api.temporal.io:7233'), true);
  assert.equal(isTemporalCloudAddress('localhost:7233'), false);
  assert.equal(isTemporalCloudAddress('temporal.internal.example.com:7233'), false);
});
