/**
 * `capsched doctor` against real parts: a Temporal dev server (long polls shortened to 2 s so a
 * stopped worker ages out of the task queue's pollers in seconds, not minutes), a daemon running
 * the reconciler, a capacity worker, the Cloud Ops simulator, a git repository and a Slack sink.
 * Each case asserts the line a person reads and the exit code.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { createSlackNotifier } from '../../../src/adapters/slack/index.js';
import { createPlanSource } from '../../../src/adapters/source/index.js';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { freePort, startDevServer, type DevServer } from '../../../src/adapters/temporal-dev-server/index.js';
import { doctorCommand } from '../../../src/cli/doctor.js';
import type { CliIO } from '../../../src/cli/io.js';
import { capacityWorker, connectTemporal } from '../../../src/compose.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import type { DoctorReport } from '../../../src/core/doctor/checks.js';
import { startDaemon, type DaemonHandle } from '../../../src/daemon/index.js';
import { Secret, silentLogger } from '../../../src/log/index.js';
import { startCloudOpsSimulator, type CloudOpsSimulator } from '../../../src/simulator/index.js';
import { createTestRepo, tempDir, type TestRepo } from '../../support/git-repo.js';
import { startSlackSink, type SlackSink } from '../../support/slack-sink.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { temporalSettingsAt } from '../../../src/config/temporal.js';

const API_KEY = 'doctor-test-key-4e7b1c9d2a';
const NS = 'payments.a1b2c';
const installation = `doc-${uniqueSuffix()}`;
const taskQueue = `doctor-capacity-${uniqueSuffix()}`;
const repo: TestRepo = createTestRepo();
repo.write(
  'schedules/nightly.yaml',
  `apiVersion: capsched/v1\nkind: CapacityPlan\nname: nightly\nnamespace: ${NS}\ntrus: 8\ncron: "0 23 * * 1-5"\nduration: 3h\n`,
);
repo.commit('one plan');
const work = tempDir('capsched-doctor-work-');

let server: DevServer;
let sim: CloudOpsSimulator;
// Top level: the sink's own after() hook then belongs to the file, not to the before() hook.
const sink: SlackSink = await startSlackSink();
let connection: Connection;
let daemon: DaemonHandle;
let workerConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_CLOUD_API_KEY: API_KEY,
    TEMPORAL_CLOUD_ENDPOINT: sim.address,
    TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
    CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '5s',
    SLACK_WEBHOOK_URL: sink.url,
    ...extra,
  };
}

async function doctor(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string; lines: string[] }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: env(extraEnv), cwd: work };
  const code = await doctorCommand(
    ['--source', repo.remote, '--installation', installation, '--task-queue', taskQueue, '--worker-seen-within', '6s', ...args],
    io,
  );
  return { code, out, err, lines: out.split('\n').filter((l) => l !== '') };
}

const line = (lines: string[], title: string): string => lines.find((l) => l.slice(2).startsWith(`${title}:`)) ?? `(no "${title}" line)`;

function assertNoSecrets(text: string): void {
  assert.ok(!text.includes(API_KEY), 'the Cloud Ops key is never printed');
  assert.ok(!text.includes(sink.url) && !text.includes('/services/T000'), 'the webhook URL is never printed');
}

before(async () => {
  server = await startDevServer({ extraArgs: ['--dynamic-config-value', 'matching.longPollExpirationInterval="2s"'] });
  sim = await startCloudOpsSimulator({
    namespaces: [NS, 'other.team1', 'readonly.team2'],
    permittedNamespaces: [NS, 'readonly.team2'],
    readOnlyNamespaces: ['readonly.team2'],
    apiKey: API_KEY,
    operationDelayMs: 50,
  });
  connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const logger = silentLogger();
  daemon = await startDaemon({
    installation,
    source: createPlanSource({ source: repo.remote, workDir: tempDir('capsched-doctor-daemon-'), logger }),
    reconcile: { store: createTemporalScheduleStore({ client }), options: { plansPath: 'schedules', taskQueue, retryBaseDelayMs: 50 } },
    temporal: { connect: () => connectTemporal(temporalSettingsAt(server.address, 'default')), namespace: 'default' },
    notifier: createSlackNotifier({ webhookUrl: new Secret(sink.url), logger }),
    logger,
    intervalMs: 500,
    listen: '127.0.0.1:0',
    shutdownGraceMs: 5_000,
  });
  workerConnection = await NativeConnection.connect({ address: server.address });
  worker = await capacityWorker({
    connection: workerConnection,
    namespace: 'default',
    taskQueue,
    cloudOps: createCloudOpsClient(
      readCloudOpsSettings({ TEMPORAL_CLOUD_API_KEY: API_KEY, TEMPORAL_CLOUD_ENDPOINT: sim.address, TEMPORAL_CLOUD_ALLOW_INSECURE: 'true' }),
    ),
    notifier: createSlackNotifier({ webhookUrl: undefined, logger }),
    logger,
    settings: { dryRun: false, namespaceAllowlist: [], namespaceDenylist: [], temporalUiUrl: 'http://localhost:8233' },
    shutdownGraceMs: 1_000,
  });
  workerRun = worker.run();
  // The first pass applied the one plan.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await daemon.status();
    if (s.state?.lastAppliedRevision !== undefined && s.state.consecutiveFailures === 0) break;
    if (Date.now() > deadline) throw new Error(`the daemon's first pass did not apply: ${JSON.stringify(s.state)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

after(async () => {
  if (worker !== undefined && worker.getState() === 'RUNNING') worker.shutdown();
  await workerRun?.catch(() => undefined);
  await workerConnection?.close().catch(() => undefined);
  await daemon?.stop().catch(() => undefined);
  await connection?.close().catch(() => undefined);
  await sim?.stop();
  await server?.stop();
});

test('doctor on a healthy setup: every line ✓, --send-test posts a marked test message, exit 0, no secret printed', async () => {
  const r = await doctor(['--send-test']);
  assert.equal(r.code, 0, r.out + r.err);
  for (const l of r.lines.slice(0, -1)) assert.ok(l.startsWith('✓ '), `not ✓: ${l}\n${r.out}`);
  for (const title of [
    'Temporal',
    'Namespace',
    'Search attributes',
    'Capacity workers',
    'Reconciler workers',
    'Reconciler',
    'Cloud Ops API',
    NS,
    'Slack',
    'Plan source',
    'Clock',
  ]) {
    assert.ok(line(r.lines, title).startsWith('✓ '), `${title}: ${r.out}`);
  }
  assert.match(line(r.lines, 'Temporal'), /server version \d+\.\d+/);
  assert.match(line(r.lines, NS), /Namespace Admin, on-demand now, plans ask 8 TRU \(valid 2, 3, 4, 6, 8, 10, 12\)/);
  assert.match(line(r.lines, 'Reconciler'), /running, \d+ pass(es)?, last pass (applied|unchanged)/);
  assert.match(line(r.lines, 'Slack'), /test message posted/);
  assert.match(r.lines.at(-1) ?? '', /^capsched doctor: ready/);
  const [message] = await sink.waitForMessages(1);
  assert.match(message?.text ?? '', /capsched doctor: test message/);
  assert.match(message?.raw ?? '', /TEST ONLY/);
  assertNoSecrets(r.out + r.err);
  assert.equal(r.err, '', 'nothing on stderr');

  const json = await doctor(['--json']);
  assert.equal(json.code, 0, json.out);
  const report = JSON.parse(json.out) as DoctorReport;
  assert.equal(report.ok, true);
  assert.deepEqual(
    report.checks.filter((c) => c.status !== 'ok'),
    [],
  );
  assert.ok(report.checks.some((c) => c.id === `namespace:${NS}`));
});

test('doctor with a wrong Cloud Ops key: ✗ on the Cloud Ops line, namespaces not checked, exit 1, the key not printed', async () => {
  const wrong = 'wrong-key-0f9e8d7c6b';
  const r = await doctor([], { TEMPORAL_CLOUD_API_KEY: wrong });
  assert.equal(r.code, 1, r.out);
  assert.match(line(r.lines, 'Cloud Ops API'), /^✗ Cloud Ops API: the key was refused .*\[CLOUD_OPS_UNAUTHENTICATED\] → set TEMPORAL_CLOUD_API_KEY to a valid/);
  assert.match(line(r.lines, NS), /^! .*not checked/);
  assert.ok(line(r.lines, 'Capacity workers').startsWith('✓'), 'the rest still checked');
  assert.ok(!r.out.includes(wrong));
  assertNoSecrets(r.out + r.err);
});

test('doctor with namespaces the key may not touch: ✗ on each, with the role to grant, exit 1', async () => {
  const dir = tempDir('capsched-doctor-plans-');
  const other = createTestRepo();
  other.write(
    'schedules/nightly.yaml',
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: nightly\nnamespace: ${NS}\ntrus: 8\ncron: "0 23 * * 1-5"\nduration: 3h\n`,
  );
  other.write(
    'schedules/other.yaml',
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: other\nnamespace: other.team1\ntrus: 4\ncron: "0 22 * * 1-5"\nduration: 1h\n`,
  );
  other.write(
    'schedules/readonly.yaml',
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: ro\nnamespace: readonly.team2\ntrus: 4\ncron: "0 21 * * 1-5"\nduration: 1h\n`,
  );
  // A ramp on the first namespace: doctor checks each of its values, not only the peak.
  other.write(
    'schedules/ramp.yaml',
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: ramp\nnamespace: ${NS}\ncron: "0 9 * * 1-5"\nduration: 3h\nsteps:\n  - { after: 0h, trus: 2 }\n  - { after: 1h, trus: 12 }\n`,
  );
  other.commit('three namespaces');
  let out = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (out += t), env: env(), cwd: dir };
  const code = await doctorCommand(['--source', other.remote, '--installation', installation, '--task-queue', taskQueue, '--worker-seen-within', '6s'], io);
  const lines = out.split('\n');
  assert.equal(code, 1, out);
  assert.match(
    line(lines, 'other.team1'),
    /^✗ other\.team1: the Cloud Ops key may not read it \[CLOUD_OPS_PERMISSION_DENIED\] → give the key Namespace Admin on other\.team1$/,
  );
  assert.match(
    line(lines, 'readonly.team2'),
    /^✗ readonly\.team2: readable, but the key has only read on it .* → give the key Namespace Admin on readonly\.team2$/,
  );
  assert.ok(line(lines, NS).startsWith('✓'), out);
  assert.match(line(lines, NS), /plans ask 2, 8, 12 TRU/);
  assertNoSecrets(out);
});

test('doctor with an unreachable plan source: ✗ on the source line, exit 1', async () => {
  const port = await freePort('127.0.0.1');
  const r = await doctorCommandWith(['--source', `http://127.0.0.1:${port}/acme/plans.git`]);
  assert.equal(r.code, 1, r.out);
  assert.match(line(r.lines, 'Plan source'), /^✗ Plan source: .*127\.0\.0\.1:\d+\/acme\/plans\.git.* cannot be read: .* → check --source/);
  assert.ok(line(r.lines, 'Temporal').startsWith('✓'), r.out);
  assertNoSecrets(r.out);
});

async function doctorCommandWith(args: string[]): Promise<{ code: number; out: string; lines: string[] }> {
  let out = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (out += t), env: env(), cwd: work };
  const code = await doctorCommand(['--installation', installation, '--task-queue', taskQueue, '--worker-seen-within', '6s', ...args], io);
  return { code, out, lines: out.split('\n') };
}

test('doctor with the capacity worker stopped: ✗ on the capacity workers line with the command that fixes it, exit 1', async () => {
  worker.shutdown();
  await workerRun;
  // Its last poll ages past --worker-seen-within (6 s; the server's long polls last 2 s here).
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  const r = await doctor([]);
  assert.equal(r.code, 1, r.out);
  assert.match(
    line(r.lines, 'Capacity workers'),
    new RegExp(
      `^✗ Capacity workers: no worker polling ${taskQueue} in the last 6s; last poll \\d+s ago by .+ → start \`capsched run\` or \`capsched worker\` with --task-queue ${taskQueue}`,
    ),
  );
  assert.ok(line(r.lines, 'Reconciler workers').startsWith('✓'), `the daemon still polls its own queue: ${r.out}`);
  assert.match(r.lines.at(-1) ?? '', /^capsched doctor: 1 problem \(✗\) to fix/);
});
