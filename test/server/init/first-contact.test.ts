/**
 * First contact with a plain `temporal server start-dev` (no --search-attribute flags), the way a
 * new user meets capsched: diff explains exactly what is missing and how to fix it, `init
 * --dry-run` changes nothing, `init` registers the six, diff then works, a second init is a no-op.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { startDevServer, type DevServer } from '../../../src/adapters/temporal-dev-server/index.js';
import { applyCommand } from '../../../src/cli/apply.js';
import { diffCommand } from '../../../src/cli/diff.js';
import { initCommand } from '../../../src/cli/init.js';
import type { CliIO } from '../../../src/cli/io.js';
import { CAPSCHED_SEARCH_ATTRIBUTE_NAMES } from '../../../src/core/search-attributes.js';
import { packageRoot } from '../../../src/paths.js';
import { tempDir } from '../../support/git-repo.js';
import { planYaml } from '../../support/reconcile.js';

let server: DevServer;
let connection: Connection;
let client: Client;
const dir = tempDir('capsched-first-contact-');
mkdirSync(join(dir, 'schedules'));
writeFileSync(
  join(dir, 'schedules', 'nightly.yaml'),
  planYaml({ name: 'nightly', namespace: 'payments.a1b2c', trus: 8, cron: '0 23 * * 1-5', duration: '3h' }),
);

before(async () => {
  server = await startDevServer({ capschedSearchAttributes: false });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: 'default' });
});

after(async () => {
  await connection?.close();
  await server?.stop();
});

async function run(command: typeof diffCommand, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: { TEMPORAL_ADDRESS: server.address, ...env }, cwd: dir };
  const code = await command(args, io);
  return { code, out, err };
}

async function registered(): Promise<string[]> {
  const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  return Object.keys(res.customAttributes ?? {})
    .filter((n) => n.startsWith('Capsched'))
    .sort();
}

const missingLine = (text: string): string =>
  (/is missing (?:all 6 of capsched's|\d of capsched's 6) search attributes: ([A-Za-z, ]+)/.exec(text)?.[1] ?? '').trim();

test('diff against a dev server without the attributes: SEARCH_ATTRIBUTES_MISSING naming all six and the fix, no JSON log line', async () => {
  const r = await run(diffCommand, ['--source', dir]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.err, /SEARCH_ATTRIBUTES_MISSING/);
  assert.deepEqual(missingLine(r.err).split(', ').sort(), [...CAPSCHED_SEARCH_ATTRIBUTE_NAMES].sort(), r.err);
  assert.match(r.err, /is missing all 6 of capsched's search attributes/);
  assert.match(r.err, /capsched init/);
  assert.match(r.err, /temporal operator search-attribute create --namespace default --name CapschedManagedBy/);
  assert.ok(!r.err.includes('{"level"'), `no JSON log line on a person's terminal:\n${r.err}`);
  assert.ok(!/\n\s+at /.test(r.err), `no stack trace:\n${r.err}`);
  assert.ok(!r.err.includes('capsched validate'), 'not a plan problem');
});

test('the real binary, as a person runs it: exit 1, the human message only on stderr (nothing from pino or the Temporal SDK)', () => {
  const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'capsched.js'), 'diff', '--source', dir], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: server.address },
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^capsched: the schedules could not be read from Temporal; nothing was changed:\n  Temporal namespace default is missing all 6/);
  assert.ok(!r.stderr.includes('{"level"'), r.stderr);
  assert.ok(!/WARN|ERROR|temporalio_/.test(r.stderr), r.stderr);
  assert.ok(!/\n\s+at /.test(r.stderr), r.stderr);
});

test('the same failure with --log-format json or CAPSCHED_LOG_LEVEL=debug: structured log lines are back (for machines and debugging)', async () => {
  const json = await run(diffCommand, ['--source', dir, '--log-format', 'json']);
  assert.equal(json.code, 1);
  const line = json.err.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line !== undefined, json.err);
  const entry = JSON.parse(line) as { level: number; msg: string; err: { code: string } };
  assert.equal(entry.msg, 'listing schedules failed');
  assert.equal(entry.err.code, 'SEARCH_ATTRIBUTES_MISSING');
  const debug = await run(diffCommand, ['--source', dir], { CAPSCHED_LOG_LEVEL: 'debug' });
  assert.equal(debug.code, 1);
  assert.match(debug.err, /"msg":"listing schedules failed"/);
  assert.match(debug.err, /capsched: the schedules could not be read from Temporal/, 'the human message is still there');
});

test('with two registered by hand, diff names exactly the four still missing', async () => {
  await connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: {
      CapschedManagedBy: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      CapschedPlan: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    },
  });
  const r = await run(diffCommand, ['--source', dir, '--format', 'json']);
  assert.equal(r.code, 1, r.out + r.err);
  const json = JSON.parse(r.out) as { status: string; errors: { code: string; message: string; missing?: string[] }[] };
  assert.equal(json.status, 'failed');
  assert.equal(json.errors[0]?.code, 'SEARCH_ATTRIBUTES_MISSING');
  assert.deepEqual(json.errors[0]?.missing, ['CapschedInstallation', 'CapschedNamespace', 'CapschedSpecHash', 'CapschedCommit'], 'machine-readable too');
  assert.deepEqual(
    missingLine(json.errors[0]?.message ?? '')
      .split(', ')
      .sort(),
    ['CapschedCommit', 'CapschedInstallation', 'CapschedNamespace', 'CapschedSpecHash'],
  );
});

test('with the two the list query needs registered, apply gets as far as creating and names the three the create still lacks; nothing is created', async () => {
  await connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: { CapschedInstallation: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
  });
  const r = await run(applyCommand, ['--source', dir]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out + r.err, /SEARCH_ATTRIBUTES_MISSING/);
  assert.deepEqual(
    missingLine(r.out + r.err)
      .split(', ')
      .sort(),
    ['CapschedCommit', 'CapschedNamespace', 'CapschedSpecHash'],
    r.out + r.err,
  );
  assert.match(r.out + r.err, /Temporal rejected create/);
  const schedules: string[] = [];
  for await (const s of client.schedule.list()) schedules.push(s.scheduleId);
  assert.deepEqual(schedules, []);
});

test('init --dry-run says what it would register and changes nothing', async () => {
  const before = await registered();
  const r = await run(initCommand, ['--dry-run']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /Would register 3 search attributes; nothing was changed/);
  assert.match(r.out, /\+ CapschedSpecHash +Keyword +would be registered \(through the Operator service\)/);
  assert.match(r.out, /✓ CapschedInstallation +Keyword +already registered/);
  assert.match(r.out, /✓ CapschedManagedBy +Keyword +already registered/);
  assert.deepEqual(await registered(), before);
});

test('init registers the missing ones, diff then works, and a second init changes nothing', async () => {
  const r = await run(initCommand, []);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /Registered 3 search attributes; 3 were already there/);
  assert.deepEqual(await registered(), [...CAPSCHED_SEARCH_ATTRIBUTE_NAMES].sort());

  // The frontend may take a moment to see the new attributes in queries; diff must then work.
  const deadline = Date.now() + 30_000;
  let diff = await run(diffCommand, ['--source', dir]);
  while (diff.code === 1 && /SEARCH_ATTRIBUTES_MISSING/.test(diff.err) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    diff = await run(diffCommand, ['--source', dir]);
  }
  assert.equal(diff.code, 2, `changes pending (one plan to create):\n${diff.out}${diff.err}`);
  assert.match(diff.out, /\+ /);

  const again = await run(initCommand, []);
  assert.equal(again.code, 0, again.out + again.err);
  assert.match(again.out, /Nothing to do: all 6 search attributes are registered/);
  assert.deepEqual(await registered(), [...CAPSCHED_SEARCH_ATTRIBUTE_NAMES].sort());
  assert.equal((await client.workflowService.getSystemInfo({})).serverVersion !== '', true);
});
