/**
 * Cases 1 and 2: the capacity worker runs as a child process (`capsched worker`, or `capsched run`
 * with its in-process worker) and is SIGKILLed.
 *  1. After Cloud Ops accepted the raise but before the activity reported it: the retried activity
 *     finds its own operation id on the namespace and does not send the change again. Exactly one
 *     raise and one revert; the window completes on a new worker; the histories replay.
 *  2. Down across the revert time: nothing can revert without a worker, so the revert happens as
 *     soon as a worker returns, with a "late by X" alert; capacity is never left provisioned.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { LATE_RELEASE_MS, coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { scheduleIdFor } from '../../../src/core/desired/schedule-id.js';
import { reconcilerWorkflowId } from '../../../src/core/reconciler-contract.js';
import { packageRoot } from '../../../src/paths.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';
import { planYaml } from './daemon.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import {
  capacityBundle,
  capacityBundleFile,
  cloudOpsEnv,
  describeCapacity,
  faultNamespace,
  history,
  resultOf,
  sleep,
  startCapacityStack,
  until,
  type CapacityStack,
} from './helpers.js';

const temporal = await testTemporal();
const bundlePath = await capacityBundleFile();
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(): Promise<void>;
}

/** Starts `capsched worker` (bin/capsched.js) for the stack's task queue and waits until it polls. */
async function spawnWorker(stack: CapacityStack): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), 'bin/capsched.js'),
      'worker',
      '--task-queue',
      stack.taskQueue,
      '--address',
      temporal.address,
      '--namespace',
      temporal.namespace,
      '--workflow-bundle',
      bundlePath,
    ],
    {
      env: { ...process.env, ...cloudOpsEnv(stack.sim), SLACK_WEBHOOK_URL: stack.sink.url, CAPSCHED_SHUTDOWN_GRACE: '1s', CAPSCHED_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return watch(child, 'capsched worker: polling task queue');
}

/** Tracks a child process; resolves once `ready` appears in its output. */
async function watch(child: ChildProcess, ready: string): Promise<WorkerProcess> {
  children.add(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await until(() => out.includes(ready) || child.exitCode !== null, 60_000, `"${ready}"`);
  if (child.exitCode !== null) throw new Error(`process exited: ${out}`);
  return {
    child,
    output: () => out,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function replays(handleHistory: Parameters<typeof Worker.runReplayHistory>[1], workflowId: string): Promise<void> {
  await Worker.runReplayHistory({ workflowBundle: await capacityBundle() }, handleHistory, workflowId);
}

describe('worker killed with SIGKILL', { concurrency: true }, () => {
  test('after Cloud Ops committed the raise, before the activity reported: exactly one change, the window completes on a new worker', async () => {
    const ns = faultNamespace('kill');
    // A 1.5 s operation: the activity is waiting on it when the worker dies.
    const stack = await startCapacityStack({ namespaces: [ns], noWorker: true, simulator: { operationDelayMs: 1_500 } });
    const first = await spawnWorker(stack);
    const handle = await stack.startWindow(ns, { trus: 8, windowMs: 4_000 });
    const op = await until(
      () => stack.sim.operations().find((o) => o.namespace === ns && o.target?.mode === 'provisioned'),
      20_000,
      'the raise to be accepted',
    );
    await first.kill();
    assert.ok(['pending', 'inProgress'].includes(op.state), `killed before the operation finished (${op.state})`);

    const second = await spawnWorker(stack);
    // The dead attempt times out on its heartbeat (30 s), the retry runs on the new worker.
    const result = await resultOf(handle);
    assert.deepEqual(result, {
      namespace: ns,
      initialChangeSuccess: true,
      verificationSuccess: true,
      revertedToOnDemand: true,
      revertVerificationSuccess: true,
      errors: [],
    });
    assert.deepEqual(history(stack.sim, ns), ['8', 'onDemand']);
    const ops = stack.sim.operations().filter((o) => o.namespace === ns);
    assert.equal(ops.length, 2, 'one raise operation and one revert operation');
    assert.equal(stack.sim.requestLog().filter((r) => r.method === 'UpdateNamespace' && r.namespace === ns).length, 2, 'the raise was never sent twice');
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
    // The dead attempt held the raise past the 4 s window's end, so the release itself is late: one alert says so.
    const [alert] = await stack.sink.waitForMessages(1, 10_000);
    assert.match(alert?.raw ?? '', /ERROR: Capacity reverted late/);
    assert.equal(stack.sink.messages.length, 1);
    assert.match(second.output(), /capacity change already accepted for this operation id/);

    await replays(await handle.fetchHistory(), handle.workflowId);
    const coordinator = temporal.client.workflow.getHandle(coordinatorWorkflowId(ns));
    await replays(await coordinator.fetchHistory(), coordinator.workflowId);
    await second.kill();
  });

  test('down across the revert time: the revert happens when a worker returns, with a "late by" alert', async () => {
    const ns = faultNamespace('down');
    const stack = await startCapacityStack({ namespaces: [ns], noWorker: true });
    const first = await spawnWorker(stack);
    const endMs = Date.now() + 8_000;
    const handle = await stack.startWindow(ns, { trus: 6, windowMs: 8_000, verifyDelay: '200ms' });
    await until(async () => (await handle.query<{ phase: string }>('status')).phase === 'active', 15_000, 'the active phase');
    await first.kill();
    assert.ok(Date.now() < endMs - 1_000, 'the worker died well before the end (a slower machine needs a longer window)');

    // Past the end with no worker: nothing can act, the namespace is still provisioned.
    // Down past the late threshold: a shorter outage (plus a worker's start) is an ordinary revert.
    await sleep(Math.max(0, endMs - Date.now()) + LATE_RELEASE_MS + 2_000);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'provisioned', trus: 6 });

    const back = Date.now();
    const second = await spawnWorker(stack);
    const result = await resultOf(handle);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(history(stack.sim, ns), ['6', 'onDemand']);
    const revert = stack.sim.changes(ns).at(-1);
    assert.ok(
      revert !== undefined && revert.atMs - back < 20_000,
      `reverted ${revert === undefined ? 'never' : `${revert.atMs - back} ms`} after the worker returned`,
    );
    const [alert] = await stack.sink.waitForMessages(1, 10_000);
    assert.match(alert?.raw ?? '', /Capacity reverted late/);
    assert.match(alert?.raw ?? '', /late by \d+s/);
    assert.equal(stack.sink.messages.length, 1, 'one alert');
    await replays(await handle.fetchHistory(), handle.workflowId);
    await second.kill();
  });
  test('killed during the verify delay (a durable timer): the new worker verifies and the window completes, one operation per step', async () => {
    const ns = faultNamespace('killverify');
    const stack = await startCapacityStack({ namespaces: [ns], noWorker: true });
    const first = await spawnWorker(stack);
    const handle = await stack.startWindow(ns, { trus: 4, windowMs: 9_000, verifyDelay: '3s' });
    const coordinator = temporal.client.workflow.getHandle(coordinatorWorkflowId(ns));
    await until(
      async () => history(stack.sim, ns).includes('4') && (await coordinator.query<{ phase: string }>('status')).phase === 'verifying',
      15_000,
      'the verify delay',
    );
    await first.kill();
    const second = await spawnWorker(stack);
    const result = await resultOf(handle);
    assert.deepEqual(result, {
      namespace: ns,
      initialChangeSuccess: true,
      verificationSuccess: true,
      revertedToOnDemand: true,
      revertVerificationSuccess: true,
      errors: [],
    });
    assert.deepEqual(history(stack.sim, ns), ['4', 'onDemand']);
    assert.equal(stack.sim.operations().filter((o) => o.namespace === ns).length, 2);
    // One alert about the revert: on time, or "late" when the dead worker's sticky queue held the
    // workflow task past the end (the server moves it to the normal queue after ~10 s).
    const [alert] = await stack.sink.waitForMessages(1, 10_000);
    assert.match(alert?.raw ?? '', /INFO: Capacity reverted to on-demand|ERROR: Capacity reverted late/);
    assert.equal(stack.sink.messages.length, 1);
    await second.kill();
  });

  test('the daemon (`capsched run`, worker in-process) killed across the revert time: the restarted daemon reverts, late', async () => {
    const ns = faultNamespace('daemon');
    const stack = await startCapacityStack({ namespaces: [ns], noWorker: true });
    const repo = createTestRepo();
    repo.write('schedules/nightly.yaml', planYaml('nightly', 8, faultNamespace('unused')));
    repo.commit('a plan');
    const installation = `crash-${uniqueSuffix()}`;
    after(async () => {
      await temporal.client.workflow
        .getHandle(reconcilerWorkflowId(installation))
        .terminate('test finished')
        .catch(() => undefined);
      await temporal.client.schedule
        .getHandle(scheduleIdFor(installation, 'nightly'))
        .delete()
        .catch(() => undefined);
    });
    const workDir = tempDir('capsched-run-');
    const spawnDaemon = async (): Promise<WorkerProcess> => {
      const child = spawn(
        process.execPath,
        [
          join(packageRoot(), 'bin/capsched.js'),
          'run',
          '--source',
          repo.remote,
          '--installation',
          installation,
          '--task-queue',
          stack.taskQueue,
          '--interval',
          '1s',
          '--listen',
          '127.0.0.1:0',
          '--work-dir',
          workDir,
          '--address',
          temporal.address,
          '--namespace',
          temporal.namespace,
        ],
        {
          env: { ...process.env, ...cloudOpsEnv(stack.sim), SLACK_WEBHOOK_URL: stack.sink.url, CAPSCHED_SHUTDOWN_GRACE: '1s', CAPSCHED_LOG_LEVEL: 'info' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      return watch(child, 'capsched run: serving on');
    };
    const first = await spawnDaemon();
    const endMs = Date.now() + 8_000;
    const handle = await stack.startWindow(ns, { trus: 8, windowMs: 8_000, verifyDelay: '200ms' });
    await until(async () => (await handle.query<{ phase: string }>('status')).phase === 'active', 20_000, 'the active phase');
    await first.kill();
    assert.ok(Date.now() < endMs - 1_000, 'the daemon died well before the end (a slower machine needs a longer window)');
    // Down past the late threshold: a shorter outage (plus a worker's start) is an ordinary revert.
    await sleep(Math.max(0, endMs - Date.now()) + LATE_RELEASE_MS + 2_000);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'provisioned', trus: 8 }, 'nothing reverts while the daemon is down');
    const second = await spawnDaemon();
    const result = await resultOf(handle);
    assert.equal(result.revertedToOnDemand, true);
    assert.equal(result.revertVerificationSuccess, true);
    assert.deepEqual(history(stack.sim, ns), ['8', 'onDemand']);
    const [alert] = await stack.sink.waitForMessages(1, 10_000);
    assert.match(alert?.raw ?? '', /Capacity reverted late/);
    assert.equal(stack.sink.messages.filter((m) => m.raw.includes(ns)).length, 1);
    await second.kill();
  });
});
