/**
 * `capsched worker` (a real child process) and `capsched change` against the real dev server,
 * the Cloud Ops simulator and a Slack HTTP server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { changeCommand } from '../../../src/cli/change.js';
import type { CliIO } from '../../../src/cli/io.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import type { CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { packageRoot } from '../../../src/paths.js';
import { startCloudOpsSimulator } from '../../../src/simulator/index.js';
import { startSlackSink } from '../../support/slack-sink.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';

const KEY = 'cmd-CANARY-cloud-key-55aa';
const ns = {
  happy: `cmd-${uniqueSuffix()}.acct1`,
  rejected: `cmd-${uniqueSuffix()}.acct1`,
  drain: `cmd-${uniqueSuffix()}.acct1`,
  busy: `cmd-${uniqueSuffix()}.acct1`,
  progress: `cmd-${uniqueSuffix()}.acct1`,
  progressJson: `cmd-${uniqueSuffix()}.acct1`,
  progressRejected: `cmd-${uniqueSuffix()}.acct1`,
};
const temporal = await testTemporal();
const sim = await startCloudOpsSimulator({ namespaces: Object.values(ns), apiKey: KEY, operationDelayMs: 1_500 });
after(() => sim.stop());
const sink = await startSlackSink({ path: '/services/T1/B1/cmd-CANARY-hook' });
const taskQueue = `cmd-${uniqueSuffix()}`;

function io(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: { CAPSCHED_TEMPORAL_UI_URL: 'http://ui.cmd:8233' },
    cwd: process.cwd(),
  };
}

const history = (namespace: string): string[] => sim.changes(namespace).map((c) => (c.target.mode === 'onDemand' ? 'onDemand' : String(c.trus)));

function startWorkerProcess(): { child: ChildProcess; stderr: string[]; exited: Promise<number | null>; ready: Promise<void> } {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'capsched.js'), 'worker', '--task-queue', taskQueue, '--address', temporal.address], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_CLOUD_API_KEY: KEY,
      TEMPORAL_CLOUD_ENDPOINT: sim.address,
      TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
      CAPSCHED_CLOUD_OPS_POLL_MIN: '50ms',
      CAPSCHED_CLOUD_OPS_POLL_MAX: '200ms',
      SLACK_WEBHOOK_URL: sink.url,
      CAPSCHED_TEMPORAL_UI_URL: 'http://ui.cmd:8233',
      CAPSCHED_SHUTDOWN_GRACE: '20s',
      CAPSCHED_LOG_LEVEL: 'info',
      XDG_CONFIG_HOME: '/nonexistent-capsched-test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString('utf8'));
    if (stderr.join('').includes('polling task queue')) onReady();
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, stderr, exited, ready };
}

const worker = startWorkerProcess();
await Promise.race([worker.ready, worker.exited.then((code) => Promise.reject(new Error(`worker exited ${code}: ${worker.stderr.join('')}`)))]);

test('capsched change N TRUs for M minutes: exit 0, a readable result, the simulator records raise and revert', async () => {
  const cli = io();
  const code = await changeCommand([ns.happy, '4', '0.1', '--verify-delay', '300ms', '--task-queue', taskQueue, '--address', temporal.address], cli);
  const out = cli.out.join('');
  assert.equal(code, 0, `${out}\n${cli.err.join('')}`);
  assert.match(out, new RegExp(`capacity change for ${ns.happy.replace(/\./g, '\\.')}: 4 TRUs until `));
  assert.match(out, /✓ set 4 TRUs/);
  assert.match(out, /✓ verified provisioned capacity/);
  assert.match(out, /✓ reverted to on-demand and verified/);
  assert.match(out, /workflow: http:\/\/ui\.cmd:8233\/namespaces\/default\/workflows\/capsched-change-/);
  assert.deepEqual(history(ns.happy), ['4', 'onDemand']);
});

test('capsched change prints each phase as it happens from the status queries (raise requested → applied → verified → waiting until HH:MM → revert requested → reverted → verified); --json prints none', async () => {
  const lines: { at: number; text: string }[] = [];
  const cli: CliIO = {
    ...io(),
    env: { CAPSCHED_TEMPORAL_UI_URL: 'http://ui.cmd:8233', TZ: 'Asia/Kolkata' },
    stderr: (t) =>
      void lines.push(
        ...t
          .split('\n')
          .filter((l) => l !== '')
          .map((text) => ({ at: Date.now(), text })),
      ),
  };
  const code = await changeCommand([ns.progress, '6', '0.1', '--verify-delay', '300ms', '--task-queue', taskQueue, '--address', temporal.address], cli);
  assert.equal(code, 0, lines.map((l) => l.text).join('\n'));
  const progress = lines.filter((l) => /^  \d\d:\d\d:\d\d /.test(l.text)).map((l) => ({ at: l.at, text: l.text.slice(11) }));
  const waiting = progress.find((l) => l.text.startsWith('waiting until'));
  const m = /^waiting until (\d\d:\d\d) \((\S+)\)$/.exec(waiting?.text ?? '');
  assert.ok(m !== null, waiting?.text);
  // HH:MM in the caller's zone (TZ): Kolkata is UTC+05:30.
  const end = new Date(Date.parse(m[2] ?? '') + 330 * 60_000);
  assert.equal(m[1], `${String(end.getUTCHours()).padStart(2, '0')}:${String(end.getUTCMinutes()).padStart(2, '0')}`);
  assert.deepEqual(
    progress.map((l) => l.text.replace(/^waiting until .*$/, 'waiting until …')),
    [
      'raise requested: 6 TRUs',
      'applied: 6 TRUs',
      'verified: 6 TRUs provisioned',
      'waiting until …',
      'revert requested',
      'reverted to on-demand',
      'verified: on-demand',
    ],
  );
  // As it happens: "waiting" was printed while the 6-second window still ran, well before the revert.
  const revert = progress.find((l) => l.text === 'revert requested');
  assert.ok(
    waiting !== undefined && revert !== undefined && revert.at - waiting.at >= 3_000,
    `waiting printed ${String((revert?.at ?? 0) - (waiting?.at ?? 0))} ms before the revert`,
  );
  assert.deepEqual(history(ns.progress), ['6', 'onDemand']);

  const quiet = io();
  assert.equal(
    await changeCommand([ns.progressJson, '4', '0.05', '--json', '--verify-delay', '300ms', '--task-queue', taskQueue, '--address', temporal.address], quiet),
    0,
  );
  assert.doesNotMatch(quiet.err.join(''), /raise requested|waiting until|reverted/);
  assert.equal((JSON.parse(quiet.out.join('')) as CapacityChangeResult).revertVerificationSuccess, true);
});

test('capsched change: a rejected TRU value shows the raise request and the failure as progress', async () => {
  const lines: string[] = [];
  const cli: CliIO = { ...io(), stderr: (t) => void lines.push(t) };
  const code = await changeCommand([ns.progressRejected, '5', '30', '--task-queue', taskQueue, '--address', temporal.address], cli);
  assert.equal(code, 1);
  const progress = lines
    .join('')
    .split('\n')
    .filter((l) => /^  \d\d:\d\d:\d\d /.test(l))
    .map((l) => l.slice(11));
  assert.equal(progress[0], 'raise requested: 5 TRUs');
  assert.match(progress.at(-1) ?? '', /^failed: .*set 5 TRUs failed/);
  assert.ok(!progress.some((l) => l.startsWith('applied') || l.startsWith('waiting')), progress.join('\n'));
});

test('capsched change --json with a rejected TRU value: exit 1, the result object, a critical Slack alert', async () => {
  const cli = io();
  const code = await changeCommand([ns.rejected, '5', '30', '--json', '--task-queue', taskQueue, '--address', temporal.address], cli);
  assert.equal(code, 1);
  const result = JSON.parse(cli.out.join('')) as CapacityChangeResult;
  assert.equal(result.namespace, ns.rejected);
  assert.equal(result.initialChangeSuccess, false);
  assert.match(result.errors.join('\n'), /set 5 TRUs failed/);
  assert.deepEqual(history(ns.rejected), []);
  const deadline = Date.now() + 10_000;
  while (!sink.messages.some((m) => m.raw.includes(ns.rejected)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const message = sink.messages.find((m) => m.raw.includes(ns.rejected));
  assert.match(message?.text ?? '', /🔴 CRITICAL/);
  assert.ok(!message?.raw.includes('CANARY'));
});

test('capsched change warns when no worker polls the task queue (and says so only then)', async () => {
  const idle = io();
  const lonelyQueue = `nobody-${uniqueSuffix()}`;
  assert.equal(await changeCommand([`idle-${uniqueSuffix()}.acct1`, '4', '--no-wait', '--task-queue', lonelyQueue, '--address', temporal.address], idle), 0);
  assert.match(idle.err.join(''), new RegExp(`warning: no worker is polling task queue ${lonelyQueue}`));
  const busy = io();
  assert.equal(await changeCommand([ns.busy, '2', '--no-wait', '--task-queue', taskQueue, '--address', temporal.address], busy), 0);
  assert.doesNotMatch(busy.err.join(''), /warning/);
});

test('capsched change usage errors exit 2 with a reason', async () => {
  for (const argv of [['only-ns'], ['ns.a', 'four'], ['ns.a', '4', '-5'], ['ns.a', '4', '--verify-delay', 'soon'], ['bad ns!', '4']]) {
    const cli = io();
    assert.equal(await changeCommand(argv, cli), 2, argv.join(' '));
    assert.match(cli.err.join(''), /capsched change: /);
  }
});

test('SIGTERM drains the worker: the in-flight Cloud Ops change finishes, then it exits 0', async () => {
  const cli = io();
  assert.equal(
    await changeCommand([ns.drain, '6', '60', '--no-wait', '--json', '--task-queue', taskQueue, '--address', temporal.address, '--verify-delay', '1s'], cli),
    0,
  );
  const { workflowId } = JSON.parse(cli.out.join('')) as { workflowId: string };
  // Wait until the raise is in flight (accepted by the simulator, not yet fulfilled), then stop the worker.
  const deadline = Date.now() + 15_000;
  while (!sim.operations().some((op) => op.namespace === ns.drain) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(
    sim.operations().some((op) => op.namespace === ns.drain && op.state !== 'fulfilled'),
    'the change is in flight',
  );
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0, worker.stderr.join(''));
  assert.deepEqual(history(ns.drain), ['6']);
  // The activity finished during the grace time instead of being cancelled by the shutdown.
  const events = (await temporal.client.workflow.getHandle(coordinatorWorkflowId(ns.drain)).fetchHistory()).events ?? [];
  assert.ok(
    events.some((e) => e.activityTaskCompletedEventAttributes != null),
    'applyCapacity completed',
  );
  assert.ok(!events.some((e) => e.activityTaskFailedEventAttributes != null), 'no activity failed');
  assert.ok(!worker.stderr.join('').includes(KEY), 'the API key never appears in the worker output');
  // Tidy the shared server: no worker will finish these.
  await temporal.client.workflow
    .getHandle(workflowId)
    .terminate('test done')
    .catch(() => undefined);
  await temporal.client.workflow
    .getHandle(coordinatorWorkflowId(ns.drain))
    .terminate('test done')
    .catch(() => undefined);
});
