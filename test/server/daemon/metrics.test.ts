/**
 * GET /metrics of a real `capsched run` process (prom-client + the Temporal SDK's exporter merged),
 * against the dev server, the Cloud Ops simulator and a Slack stand-in: one capacity window with
 * a Cloud Ops outage on its first change, then the domain series, the Prometheus conventions, and
 * every metric the shipped Grafana dashboard and alert rules name.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { freePort } from '../../../src/adapters/temporal-dev-server/index.js';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput, type CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { packageRoot } from '../../../src/paths.js';
import { startCloudOpsSimulator } from '../../../src/simulator/index.js';
import { windowRevertOf } from '../../../src/temporal/activities/index.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';
import { startSlackSink } from '../../support/slack-sink.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { spawnWatched, within } from '../dev/spawn-dev.js';

const root = packageRoot();

interface Exposition {
  /** Family name → TYPE. */
  types: Map<string, string>;
  /** Every sample line: name, labels, value. */
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Exposition['samples'] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) {
      assert.ok(!types.has(type[1] as string), `family ${type[1]} is declared twice`);
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

function value(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  return e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** Metric names in PromQL text (selectors and function arguments), without histogram suffixes. */
function metricNames(promql: string): string[] {
  const names = new Set<string>();
  for (const m of promql.matchAll(/\b((?:capsched|temporal|process|nodejs)_[a-z0-9_]+)\b/g)) names.add(m[1] as string);
  return [...names];
}

function family(e: Exposition, name: string): string | undefined {
  if (e.types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return e.types.get(base) === 'histogram' ? base : undefined;
}

test('window ends are classified from the keys the capacity-change workflow and the coordinator put on their alerts', () => {
  const wf = 'capsched.prod.nightly-2026-12-24T09:00:00Z:0193-run';
  assert.equal(windowRevertOf({ severity: 'info', title: 'Capacity reverted to on-demand', text: '', dedupeKey: `${wf}:release:info` }), 'on-time');
  assert.equal(windowRevertOf({ severity: 'error', title: 'Capacity reverted late', text: '', dedupeKey: `${wf}:release:error` }), 'late');
  assert.equal(windowRevertOf({ severity: 'critical', title: 'Revert to on-demand failed', text: '', dedupeKey: `${wf}:release:critical` }), 'failed');
  assert.equal(
    windowRevertOf({ severity: 'critical', title: 'Revert to on-demand failed', text: '', dedupeKey: `capacity-coordinator-ns:${wf}/run:release` }),
    'failed',
  );
  assert.equal(windowRevertOf({ severity: 'critical', title: 'Capacity change failed', text: '', dedupeKey: `${wf}:raise:critical` }), undefined);
  assert.equal(windowRevertOf({ severity: 'info', title: 'x', text: '' }), undefined);
});

test('`capsched run` /metrics: process, Node and SDK worker metrics, the domain series after one window, Prometheus names, and every metric the dashboard and alert rules name', async () => {
  const temporal = await testTemporal();
  const suffix = uniqueSuffix();
  const namespace = `metrics-${suffix}.acct1`;
  const simulator = await startCloudOpsSimulator({ namespaces: [namespace], apiKey: 'metrics-test-key', operationDelayMs: 100 });
  after(() => simulator.stop());
  const slack = await startSlackSink();
  after(() => slack.close());
  const repo = createTestRepo();
  repo.write(
    'schedules/nightly.yaml',
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: nightly\nnamespace: ${namespace}\ntrus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\n`,
  );
  repo.write(
    'schedules/paused.yaml',
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: weekend\nnamespace: ${namespace}\ntrus: 4\ncron: "0 8 * * 6"\nduration: 2h\npaused: true\n`,
  );
  const sha = repo.commit('two plans');

  const [port, sdkPort] = [await freePort(), await freePort()];
  const installation = `met${suffix}`;
  const taskQueue = `metrics-${suffix}`;
  const daemon = spawnWatched(
    process.execPath,
    [
      join(root, 'bin/capsched.js'),
      'run',
      '--source',
      repo.remote,
      '--installation',
      installation,
      '--task-queue',
      taskQueue,
      '--interval',
      '2s',
      '--listen',
      `127.0.0.1:${port}`,
      '--sdk-metrics-listen',
      `127.0.0.1:${sdkPort}`,
      '--work-dir',
      tempDir(),
    ],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        TEMPORAL_CLOUD_API_KEY: 'metrics-test-key',
        TEMPORAL_CLOUD_ENDPOINT: simulator.address,
        TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
        SLACK_WEBHOOK_URL: slack.url,
        CAPSCHED_LOG_LEVEL: 'warn',
      },
    },
  );
  after(() => {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  });
  const base = `http://127.0.0.1:${port}`;
  await within(
    (async () => {
      for (;;) {
        const res = await fetch(`${base}/readyz`).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.status === 200) return;
        if (daemon.child.exitCode !== null) throw new Error(`capsched run exited ${daemon.child.exitCode}\n${daemon.stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
    90_000,
    () => `not ready in 90 s\n${daemon.stderr()}`,
  );

  // One short window; the first UpdateNamespace meets a Cloud Ops outage (retried by the activity).
  simulator.injectFault({ kind: 'unavailable', method: 'UpdateNamespace', namespace, times: 1 });
  const input: CapacityChangeInput = {
    namespace,
    desiredTrus: 4,
    endTime: new Date(Date.now() + 6_000).toISOString(),
    verifyDelay: '1s',
    plan: 'metrics-test',
  };
  const result = await temporal.client.workflow.execute<(i: CapacityChangeInput) => Promise<CapacityChangeResult>>(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue,
    workflowId: `metrics-window-${suffix}`,
    args: [input],
    workflowExecutionTimeout: '2 minutes',
  });
  assert.equal(
    result.initialChangeSuccess && result.verificationSuccess && result.revertedToOnDemand && result.revertVerificationSuccess,
    true,
    JSON.stringify(result),
  );

  const scrape = async (): Promise<{ text: string; e: Exposition; contentType: string | null }> => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    return { text, e: parseExposition(text), contentType: res.headers.get('content-type') };
  };
  // The revert alert is delivered after the workflow returned its result: wait for it.
  let { text, e, contentType } = await scrape();
  for (const deadline = Date.now() + 30_000; value(e, 'capsched_window_reverts_total', { result: 'on-time' }) !== 1 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 250));
    ({ text, e, contentType } = await scrape());
  }
  assert.match(contentType ?? '', /^text\/plain; version=0\.0\.4/);

  // ---- the domain series ----
  assert.equal(value(e, 'capsched_capacity_changes_total', { result: 'applied' }), 2, 'raise and revert');
  assert.equal(value(e, 'capsched_capacity_changes_total', { result: 'failed' }), 1, 'the attempt that met the outage');
  assert.equal(value(e, 'capsched_cloud_ops_errors_total', { code: 'CLOUD_OPS_UNAVAILABLE' }), 1);
  assert.equal(value(e, 'capsched_capacity_verifications_total', { result: 'ok' }), 2);
  assert.equal(value(e, 'capsched_capacity_verifications_total', { result: 'mismatch' }), 0);
  assert.equal(value(e, 'capsched_window_reverts_total', { result: 'on-time' }), 1);
  assert.equal(value(e, 'capsched_window_reverts_total', { result: 'late' }), 0);
  const infos = value(e, 'capsched_alerts_sent_total', { severity: 'info' }) ?? 0;
  assert.ok(
    infos >= 1 && infos === slack.messages.length,
    `alerts counted as sent (${infos}) = messages the Slack stand-in received (${slack.messages.length})`,
  );
  assert.equal(
    value(e, 'capsched_plan_info', { plan: 'nightly', namespace, file: 'schedules/nightly.yaml', commit: sha }),
    1,
    text
      .split('\n')
      .filter((l) => l.startsWith('capsched_plan'))
      .join('\n'),
  );
  assert.equal(value(e, 'capsched_plan_paused', { plan: 'nightly' }), 0);
  assert.equal(value(e, 'capsched_plan_paused', { plan: 'weekend' }), 1);
  assert.equal(value(e, 'capsched_plan_trus', { plan: 'weekend' }), 4);
  const next = value(e, 'capsched_plan_next_window_start_timestamp_seconds', { plan: 'nightly', namespace }) ?? 0;
  assert.ok(next > Date.now() / 1000 && next < Date.now() / 1000 + 7 * 86_400, `next window of nightly within 7 days: ${next}`);
  assert.equal(value(e, 'capsched_plan_next_window_start_timestamp_seconds', { plan: 'weekend' }), undefined, 'a paused plan has no next window');
  assert.equal(value(e, 'capsched_namespace_provisioned_trus', { namespace }), 0, 'Cloud Ops reports on-demand after the revert');
  assert.equal(value(e, 'capsched_namespace_desired_trus', { namespace }), 0);
  assert.equal(value(e, 'capsched_namespace_active_windows', { namespace }), 0);
  assert.equal(typeof value(e, 'capsched_namespace_planned_trus', { namespace }), 'number');
  // nightly (8 TRUs from 23:00 New York for 3 h, weeknights) holds 4 UTC hours a night (the release at the end
  // bills that hour): 5 × 4 × 8 = 160 billed TRU-hours in any 168 UTC hours (one hour more or less across a DST
  // change); every billed hour is at 8 TRUs, so 7 × 360,000 minimum Actions each. The paused plan adds nothing.
  const billed = value(e, 'capsched_namespace_billed_tru_hours_week', { namespace }) ?? -1;
  assert.ok(billed >= 152 && billed <= 168 && billed % 8 === 0, `billed TRU-hours ${billed}`);
  assert.equal(value(e, 'capsched_namespace_minimum_actions_week', { namespace }), (billed / 8) * 7 * 360_000);
  assert.equal(value(e, 'capsched_worker_running', { worker: 'capacity' }), 1);
  assert.equal(value(e, 'capsched_worker_running', { worker: 'reconciler' }), 1);
  assert.equal(value(e, 'capsched_reconcile_interval_seconds'), 2);
  assert.ok((value(e, 'capsched_last_successful_pass_timestamp_seconds') ?? 0) > Date.now() / 1000 - 300);
  assert.ok((value(e, 'capsched_installation_passes_total') ?? 0) >= 1);
  assert.equal(value(e, 'capsched_last_applied_info', { revision: sha }), 1);

  // ---- process, Node and the SDK's worker metrics ----
  for (const name of [
    'process_open_fds',
    'process_resident_memory_bytes',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_p99_seconds',
    'process_cpu_seconds_total',
  ])
    assert.ok(e.types.has(name), `${name} is exported`);
  assert.ok((value(e, 'process_open_fds') ?? 0) > 0);
  assert.ok(
    (value(e, 'temporal_num_pollers', { task_queue: taskQueue, poller_type: 'activity_task' }) ?? 0) > 0,
    'the SDK exporter is merged: the capacity worker polls',
  );
  assert.ok(e.types.has('temporal_activity_execution_latency_seconds'), 'SDK durations are in seconds with the unit in the name');
  const own = await (await fetch(`http://127.0.0.1:${sdkPort}/metrics`)).text();
  assert.match(own, /^temporal_num_pollers\{/m, 'the SDK exporter serves on its own port too');

  // ---- Prometheus conventions: counters end in _total, nothing else does; capsched's series are snake_case ----
  for (const [name, type] of e.types) {
    if (type === 'counter') assert.match(name, /_total$/, `counter ${name} ends in _total`);
    else if (name.startsWith('capsched_')) assert.doesNotMatch(name, /_total$/, `${type} ${name} does not end in _total`);
    if (name.startsWith('capsched_')) assert.match(name, /^capsched_[a-z0-9_]+$/);
  }

  // ---- the shipped dashboard and alert rules name only metrics that exist ----
  const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/capsched.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { definition?: string }[] };
  };
  const exprs: { where: string; expr: string }[] = [];
  for (const p of dashboard.panels) for (const t of p.targets ?? []) exprs.push({ where: `dashboard panel "${p.title}"`, expr: t.expr });
  for (const v of dashboard.templating.list) if (v.definition !== undefined) exprs.push({ where: 'dashboard variable', expr: v.definition });
  const rules = parseYaml(readFileSync(join(root, 'deploy/prometheus/capsched-alerts.yaml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }[] }[];
  };
  const alertNames = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
  for (const wanted of [
    'CapschedNoSuccessfulPass',
    'CapschedWindowRevertFailed',
    'CapschedWindowRevertLate',
    'CapschedVerificationFailed',
    'CapschedWorkerNotPolling',
  ])
    assert.ok(alertNames.includes(wanted), `alert ${wanted}`);
  for (const g of rules.groups) {
    for (const r of g.rules) {
      assert.ok(r.labels.severity !== '' && r.annotations.summary !== '', `${r.alert} has a severity and a summary`);
      exprs.push({ where: `alert ${r.alert}`, expr: r.expr });
    }
  }
  assert.ok(exprs.length > 30, `expressions found: ${exprs.length}`);
  const missing = exprs.flatMap(({ where, expr }) =>
    metricNames(expr)
      .filter((n) => family(e, n) === undefined)
      .map((n) => `${where}: ${n}`),
  );
  assert.deepEqual(missing, [], 'every metric named by the dashboard and the alert rules is on /metrics');
  assert.ok(new Set(exprs.flatMap(({ expr }) => metricNames(expr))).size >= 40, 'the dashboard and rules cover the exported series');

  daemon.child.kill('SIGTERM');
  const exit = await within(daemon.exited, 60_000, () => `no exit after SIGTERM\n${daemon.stderr()}`);
  assert.equal(exit.code, 0, daemon.stderr());
});

test('--sdk-metrics-listen: a port in use or port 0 is a usage error (exit 2), never a daemon without the metrics it was asked for', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  after(() => busy.close());
  const busyPort = (busy.address() as { port: number }).port;
  const run = (flag: string) =>
    spawnSync(process.execPath, [join(root, 'bin/capsched.js'), 'run', '--source', tempDir(), '--listen', '127.0.0.1:0', '--sdk-metrics-listen', flag], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', CAPSCHED_LOG_LEVEL: 'silent' },
    });
  const inUse = run(`127.0.0.1:${busyPort}`);
  assert.equal(inUse.status, 2, inUse.stderr);
  assert.match(inUse.stderr, new RegExp(`--sdk-metrics-listen 127\\.0\\.0\\.1:${busyPort}: .*[Aa]ddress already in use`));
  const zero = run('127.0.0.1:0');
  assert.equal(zero.status, 2, zero.stderr);
  assert.match(zero.stderr, /--sdk-metrics-listen "127\.0\.0\.1:0" must be host:port with a fixed port/);
});
