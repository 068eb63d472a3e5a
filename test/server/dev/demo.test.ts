/**
 * `capsched dev`'s demo window, as a newcomer sees it: started as a child process on a folder
 * with no plan, the table shows the raise, its verification, a ramp step, the release and its
 * verification, and what it cost, within three minutes; the page (/present.json and /) and
 * `capsched status` show the namespace; the simulator (read with `capsched capacity` through the
 * banner's exports) and the workflow's own result agree. `--no-demo` starts none. `capsched
 * status` without flags finds the playground through its discovery file, which is removed on exit.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { PresentView } from '../../../src/core/present/model.js';
import type { CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { DEMO_NAMESPACE } from '../../../src/dev/demo.js';
import { discoveryPath } from '../../../src/dev/discovery.js';
import { packageRoot } from '../../../src/paths.js';
import { tempDir } from '../../support/git-repo.js';
import { latestRow, latestTable, parseHeader, spawnWatched, within } from './spawn-dev.js';

const root = packageRoot();
const bin = join(root, 'bin/capsched.js');
const run = promisify(execFile);

/** The playground-independent environment: no Temporal/Cloud/capsched variables of the caller. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TEMPORAL_|CAPSCHED_)/.test(k) || k === 'TEMPORAL_CLI_PATH') env[k] = v;
  return { ...env, CAPSCHED_LOG_LEVEL: 'warn', ...extra };
}

/** The banner's `export NAME=value` lines. */
function exportsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^ {4}export ([A-Z_]+)=(.*)$/gm)) {
    const raw = m[2] as string;
    out[m[1] as string] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return out;
}

async function capsched(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { cwd: root, env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test(
  'capsched dev: the demo window is raised, verified, stepped and released within 3 minutes; status finds the playground; the exports work',
  { timeout: 300_000 },
  async () => {
    const dir = tempDir('capsched-demo-');
    const plans = join(dir, 'plans');
    mkdirSync(plans);
    // A per-user place of this test's own, so a playground the developer runs is not found instead.
    const runtime = join(dir, 'run');
    mkdirSync(runtime, { mode: 0o700 });
    const env = cleanEnv({ XDG_RUNTIME_DIR: runtime });
    const t0 = Date.now();
    const dev = spawnWatched(process.execPath, [bin, 'dev', plans, '--headless'], { cwd: root, env });
    after(() => {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    });

    await dev.waitFor((t) => t.includes('DEMO WINDOW'), 120_000, 'the first table with the demo window');
    const startupMs = Date.now() - t0;
    const header = parseHeader(dev.stdout());
    const exports = exportsOf(dev.stdout());
    assert.deepEqual(Object.keys(exports).sort(), [
      'CAPSCHED_INSTALLATION',
      'CAPSCHED_LISTEN',
      'CAPSCHED_PATH',
      'CAPSCHED_SOURCE',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_CLOUD_ALLOW_INSECURE',
      'TEMPORAL_CLOUD_API_KEY',
      'TEMPORAL_CLOUD_ENDPOINT',
      'TEMPORAL_NAMESPACE',
    ]);
    assert.equal(exports.TEMPORAL_ADDRESS, header.address);
    assert.equal(`http://${exports.CAPSCHED_LISTEN}/readyz`, header.readyz);
    assert.match(dev.stdout(), /DEMO WINDOW {2}demo\.playground {2}2→4 TRU/);

    // The discovery file: the user's own (0600 in a 0700 folder), naming this playground.
    const file = discoveryPath(env);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(file, '..')).mode & 0o777, 0o700);

    // `capsched status` with no flag and no CAPSCHED_LISTEN finds the playground by itself.
    const found = await capsched(['status', '--json'], env);
    assert.equal(found.code, 0, `${found.stdout}\n${found.stderr}`);
    assert.match(found.stderr, /reading the running capsched dev \(pid \d+\)/);
    assert.ok((JSON.parse(found.stdout) as PresentView).namespaces.some((n) => n.namespace === DEMO_NAMESPACE));

    // While the window runs, the page's view model (what / and status render) sees each capacity.
    const seen = new Set<string>();
    const watching = (async () => {
      while (dev.child.exitCode === null && !/release verified/.test(latestTable(dev.stdout()))) {
        const res = await fetch(`http://${exports.CAPSCHED_LISTEN}/present.json`).catch(() => undefined);
        if (res !== undefined) {
          const view = (await res.json()) as PresentView;
          const ns = view.namespaces.find((n) => n.namespace === DEMO_NAMESPACE);
          if (ns !== undefined) seen.add(ns.capacityText);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    // The table: each step once, in order, then the cost.
    const table = await dev.waitFor(
      (t) => /cost: .* TRU-hours/.test(latestTable(t)),
      180_000 - (Date.now() - t0),
      'the whole demo window within 3 minutes of the start',
    );
    const totalMs = Date.now() - t0;
    await watching;
    const demo = latestTable(table).slice(latestTable(table).indexOf('DEMO WINDOW'));
    const order = [
      /\d\d:\d\d:\d\dZ {2}raise: 2 TRUs, applied by Cloud Ops/,
      /\d\d:\d\d:\d\dZ {2}verified: the API reports 2 TRUs provisioned/,
      /\d\d:\d\d:\d\dZ {2}ramp step: 4 TRUs, applied by Cloud Ops/,
      /\d\d:\d\d:\d\dZ {2}release: on-demand, applied by Cloud Ops/,
      /\d\d:\d\d:\d\dZ {2}release verified: the API reports on-demand/,
    ].map((re) => {
      const m = re.exec(demo);
      assert.ok(m !== null, `${re} in\n${demo}`);
      return m.index;
    });
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      `the steps in order:\n${demo}`,
    );
    const cost = /cost: ([\d.]+) TRU-hours held, peak (\d+) TRU; Temporal Cloud bills each started hour at its peak: (\d+) TRU-hours/.exec(demo);
    assert.ok(cost !== null, demo);
    // 45 s at 2 TRUs and 45 s at 4 TRUs: about 0.075 TRU-hours, plus the hold across the end (its 5 s verify delay), the
    // release's own verify delay and the seconds the raise, the coordinator's first read and the release take.
    assert.ok(Number(cost[1]) > 0.06 && Number(cost[1]) < 0.13, `TRU-hours ${cost[1]}`);
    assert.equal(cost[2], '4');
    // Billed per started UTC hour at its peak: 4 within one hour; 2 + 4 when the hour turns while 2 TRUs are held;
    // 4 + 4 when it turns while 4 are held (the hours of the raise, the step and the release, as the table shows them).
    const hourOf = (re: RegExp): string => re.exec(demo)?.[1] ?? assert.fail(`${re} in\n${demo}`);
    const raiseHour = hourOf(/(\d\d):\d\d:\d\dZ {2}raise: 2 TRUs/);
    const stepHour = hourOf(/(\d\d):\d\d:\d\dZ {2}ramp step: 4 TRUs/);
    const releaseHour = hourOf(/(\d\d):\d\d:\d\dZ {2}release: on-demand/);
    const billed = 4 + (raiseHour !== stepHour ? 2 : 0) + (stepHour !== releaseHour ? 4 : 0);
    assert.equal(Number(cost[3]), billed, `billed TRU-hours (raise ${raiseHour}h, step ${stepHour}h, release ${releaseHour}h)`);
    assert.ok(seen.has('2 TRUs'), `the page saw the raise: ${[...seen].join(', ')}`);
    assert.ok(seen.has('4 TRUs'), `the page saw the ramp step: ${[...seen].join(', ')}`);

    // The window's own result, from the playground's Temporal: every step succeeded.
    const connection = await Connection.connect({ address: exports.TEMPORAL_ADDRESS as string });
    after(() => connection.close());
    const client = new Client({ connection, namespace: exports.TEMPORAL_NAMESPACE as string });
    const workflowId = /workflow (capsched-dev-demo-\S+)/.exec(demo)?.[1];
    assert.ok(workflowId !== undefined, demo);
    const result = (await client.workflow.getHandle(workflowId).result()) as CapacityChangeResult;
    assert.deepEqual(result, {
      namespace: DEMO_NAMESPACE,
      initialChangeSuccess: true,
      verificationSuccess: true,
      revertedToOnDemand: true,
      revertVerificationSuccess: true,
      errors: [],
    });

    // The page: the namespace's applied record holds the raise and the step, its alert the verified release.
    const exported = { ...cleanEnv({}), ...exports };
    const viaExports = await capsched(['status', '--json'], exported);
    assert.equal(viaExports.code, 0, viaExports.stderr);
    assert.doesNotMatch(viaExports.stderr, /reading the running capsched dev/, 'CAPSCHED_LISTEN is used as given');
    const view = JSON.parse(viaExports.stdout) as PresentView;
    const ns = view.namespaces.find((n) => n.namespace === DEMO_NAMESPACE);
    assert.ok(ns !== undefined);
    assert.equal(ns.capacityText, 'on-demand');
    assert.deepEqual(ns.active, []);
    assert.deepEqual(
      ns.applied.map((s) => s.trus).filter((t, i, all) => t !== all[i - 1]),
      [0, 2, 4, 0].slice(ns.applied[0]?.trus === 0 ? 0 : 1),
      'the page record: raise, step, release',
    );
    assert.ok(view.alerts.some((a) => a.title === 'Capacity reverted to on-demand' && a.namespace === DEMO_NAMESPACE));
    const page = await (await fetch(`http://${exports.CAPSCHED_LISTEN}/`)).text();
    assert.match(page, /data-namespace="demo\.playground"/);
    assert.match(page, /Capacity reverted to on-demand \(demo\.playground\)/);

    // The simulator, read through the exports like any Cloud Ops account: on-demand again, its last request completed.
    const capacity = await capsched(['capacity', DEMO_NAMESPACE, '--json'], exported);
    assert.equal(capacity.code, 0, capacity.stderr);
    const c = JSON.parse(capacity.stdout) as { mode: string; latestRequest?: { state: string } };
    assert.equal(c.mode, 'onDemand');
    assert.equal(c.latestRequest?.state, 'completed');

    // `capsched diff` through the exports: the playground's (empty) folder, nothing to change.
    const diff = await capsched(['diff'], exported);
    assert.equal(diff.code, 0, `${diff.stdout}\n${diff.stderr}`);
    assert.match(diff.stdout, /installation "dev"/);

    dev.child.kill('SIGINT');
    const exit = await within(dev.exited, 30_000, () => `no exit 30 s after SIGINT\n${dev.stderr()}`);
    assert.deepEqual(exit, { code: 0, signal: null }, dev.stderr());
    assert.equal(existsSync(file), false, 'the discovery file is removed on exit');
    const gone = await capsched(['status'], env);
    assert.doesNotMatch(gone.stderr, /reading the running capsched dev/, 'a stopped playground is not found');
    console.log(`capsched dev demo: banner after ${startupMs} ms, the whole window (release verified, cost shown) after ${totalMs} ms`);
  },
);

test('capsched dev --no-demo: no demo window, no demo namespace', { timeout: 180_000 }, async () => {
  const dir = tempDir('capsched-nodemo-');
  const plans = join(dir, 'plans');
  mkdirSync(plans);
  writeFileSync(
    join(plans, 'nightly.yaml'),
    'apiVersion: capsched/v1\nkind: CapacityPlan\nname: nightly\nnamespace: dev-a.t1\ntrus: 4\ncron: "0 23 * * 1-5"\ntimezone: UTC\nduration: 3h\n',
  );
  const runtime = join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const env = cleanEnv({ XDG_RUNTIME_DIR: runtime });
  const dev = spawnWatched(process.execPath, [bin, 'dev', plans, '--headless', '--no-demo'], { cwd: root, env });
  after(() => {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
  });
  await dev.waitFor((t) => latestRow(t, 'nightly')?.includes('capsched.dev.nightly') === true, 120_000, 'the first table');
  const exports = exportsOf(dev.stdout());
  assert.doesNotMatch(dev.stdout(), /DEMO WINDOW|demo window/);

  // No run of the capacity-change workflow was started (the demo's would exist from the start, delayed).
  const connection = await Connection.connect({ address: exports.TEMPORAL_ADDRESS as string });
  after(() => connection.close());
  const client = new Client({ connection, namespace: 'default' });
  await new Promise((r) => setTimeout(r, 2_000));
  const runs: string[] = [];
  for await (const w of client.workflow.list({ query: "WorkflowType = 'scheduledCapacityChange'" })) runs.push(w.workflowId);
  assert.deepEqual(runs, []);

  // The simulator does not know the demo namespace; the page does not show it.
  const exported = { ...cleanEnv({}), ...exports };
  const capacity = await capsched(['capacity', DEMO_NAMESPACE], exported);
  assert.notEqual(capacity.code, 0, capacity.stdout);
  const known = await capsched(['capacity', 'dev-a.t1', '--json'], exported);
  assert.equal(known.code, 0, known.stderr);
  assert.equal((JSON.parse(known.stdout) as { mode: string }).mode, 'onDemand');
  const status = await capsched(['status', '--json'], env);
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(
    (JSON.parse(status.stdout) as PresentView).namespaces.map((n) => n.namespace),
    ['dev-a.t1'],
  );

  dev.child.kill('SIGINT');
  const exit = await within(dev.exited, 30_000, () => `no exit 30 s after SIGINT\n${dev.stderr()}`);
  assert.deepEqual(exit, { code: 0, signal: null }, dev.stderr());
  assert.equal(existsSync(discoveryPath(env)), false);
});
