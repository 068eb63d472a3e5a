/**
 * capsched's own bill (issue 21, point 4): the billable Actions capsched spends on its own Temporal
 * namespace, counted on a real dev server.
 *
 *   npm run build && node dist/bench/actions.js [--namespaces 50] [--plans 200] [--live 5] [--passes 20] [--interval 2s]
 *   node dist/bench/actions.js --quick        (3 namespaces, 5 plans, 1 live window, 2 passes: what CI runs)
 *
 * It starts `temporal server start-dev`, the Cloud Ops simulator and `capsched run` itself (a child
 * process: `node bin/capsched.js run`, composed exactly as in production, default settings except
 * `--interval`), with a git remote of generated plans: `--live` namespaces have a one-off window
 * covering now (the first pass starts it late, so its coordinator runs), the other plans are daily
 * windows twelve hours away (idle namespaces). Then:
 *   1. the first pass (schedules created, live windows started);
 *   2. `--passes` checks on the same commit (the interval scaled down; per day = 86,400 s / 30 s): the
 *      daemon's free checks, which signal the reconciler for a pass only when the pass would do something;
 *   3. one plan of an idle namespace edited and pushed: the pass on the new commit.
 * Actions are counted per phase from the event history of every workflow in the namespace (§3a of
 * the Cloud Ops research: workflow starts incl. schedule firings, signal-with-start once, continue-as-new;
 * child starts; activities scheduled + retries from attempt numbers; timers; signals; search-attribute
 * upserts; updates; local-activity marker tasks) plus, from the server's own request counters (its
 * Prometheus endpoint, frontend service, this namespace), every query and every activity heartbeat
 * that reached the server (heartbeats are not in histories).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import protoPackage from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import { startDevServer } from '../src/adapters/temporal-dev-server/index.js';
import { reconcilerWorkflowId } from '../src/core/reconciler-contract.js';
import { COORDINATOR_WORKFLOW } from '../src/core/workflow-contract.js';
import { packageRoot } from '../src/paths.js';
import { startCloudOpsSimulator } from '../src/simulator/index.js';
import { git } from './bench-repo.js';

const EventType = protoPackage.temporal.api.enums.v1.EventType;
const DAY_MS = 86_400_000;
export const DEFAULT_INTERVAL_MS = 30_000;
/** The page record's default reading interval (src/daemon/daemon.ts recordEveryMs). */
export const RECORD_EVERY_MS = 15_000;

export interface ActionsBenchOptions {
  namespaces: number;
  plans: number;
  /** Namespaces with a window running during the measurement (≤ namespaces, ≤ plans). */
  live: number;
  /** Same-commit checks to observe (each one a pass before the daemon's free checks). */
  passes: number;
  intervalMs: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Billable Actions by kind. */
export type ActionCounts = Record<string, number>;

export interface PhaseFigures {
  label: string;
  ms: number;
  /** Reconcile passes that completed in the phase (activity completions of the reconciler). */
  passes: number;
  /** The daemon's free checks in the phase (its /status `checks`). */
  checks: number;
  /** From histories, by workflow type then kind. */
  byWorkflow: Record<string, ActionCounts>;
  /** From the server's counters (frontend, this namespace). */
  queries: number;
  /** Queries the passes' live step sent (from the daemon's `daemon pass finished` log lines). */
  passQueries: number;
  heartbeats: number;
  /** Everything: history Actions + queries + heartbeats. */
  total: number;
  /** The server's own `action` counter over the phase, by action type (its metering: a cross-check). */
  serverActions: Record<string, number>;
}

export interface ActionsBenchResult {
  options: ActionsBenchOptions;
  phases: PhaseFigures[];
  /** Frontend requests of the namespace over the whole run, by operation, for the record. */
  requests: Record<string, number>;
  /** The server's `action` counter over the whole run. */
  serverActions: Record<string, number>;
}

export function sum(counts: ActionCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function tsMs(ts: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  if (ts === null || ts === undefined) return 0;
  const seconds = ts.seconds === null || ts.seconds === undefined ? 0 : Number(ts.seconds.toString());
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** The billable Actions one event stands for (§3a), with its kind; [] when it is free. */
export function actionsOf(event: temporal.api.history.v1.IHistoryEvent, previous: temporal.api.history.v1.IHistoryEvent | undefined): [string, number][] {
  switch (event.eventType) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      return [['workflow start', 1]];
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      // Signal-with-start that starts is one Action in total: the signal right after the start is its own.
      return previous?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED ? [] : [['signal', 1]];
    case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      return [['activity', 1]];
    case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
      const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
      return attempt > 1 ? [['activity retry', attempt - 1]] : [];
    }
    case EventType.EVENT_TYPE_TIMER_STARTED:
      return [['timer', 1]];
    case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      return [['search attributes', 1]];
    case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      // The child's own start is counted in its history: 2 in all.
      return [['child start', 1]];
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      return [['update', 1]];
    default:
      return [];
  }
}

/** Counts every workflow run's history of the namespace into phases by event time. */
async function countHistories(client: Client, phases: { from: number; to: number }[]): Promise<Record<string, ActionCounts>[]> {
  const out = phases.map(() => ({}) as Record<string, ActionCounts>);
  const add = (at: number, type: string, kind: string, n: number): void => {
    const i = phases.findIndex((p) => at >= p.from && at < p.to);
    if (i === -1) return;
    const byKind = (out[i]![type] ??= {});
    byKind[kind] = (byKind[kind] ?? 0) + n;
  };
  for await (const wf of client.workflow.list({ query: '' })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const events = history.events ?? [];
    if (process.env.BENCH_ACTIONS_DUMP === '1')
      console.error(
        `${wf.type} ${wf.workflowId}: ${events.map((e) => `${EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '')}${e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED ? `(${e.markerRecordedEventAttributes?.markerName})` : ''}`).join(' ')}`,
      );
    // Local activities: markers recorded in one workflow task count as one.
    const markerTasks = new Set<string>();
    events.forEach((event, i) => {
      const at = tsMs(event.eventTime);
      if (event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED) {
        const task = String(event.markerRecordedEventAttributes?.workflowTaskCompletedEventId ?? i);
        const name = event.markerRecordedEventAttributes?.markerName ?? '';
        // Version (patch) markers are not local activities.
        if (name === 'LocalActivity' && !markerTasks.has(task)) {
          markerTasks.add(task);
          add(at, wf.type, 'local activity', 1);
        }
        return;
      }
      for (const [kind, n] of actionsOf(event, events[i - 1])) add(at, wf.type, kind, n);
    });
  }
  return out;
}

/** The server's counters for one namespace: frontend requests by operation, and its own `action` counter by action type. */
interface ServerCounters {
  requests: Record<string, number>;
  actions: Record<string, number>;
}

/** Read after a second: the server exports its counters about once a second. */
async function serverCounters(metricsUrl: string, namespace: string): Promise<ServerCounters> {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const text = await (await fetch(metricsUrl)).text();
  const out: ServerCounters = { requests: {}, actions: {} };
  for (const m of text.matchAll(/^(service_requests|action)\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (labels.namespace !== namespace || labels.service_name !== 'frontend') continue;
    const key = m[1] === 'action' ? labels.action_type : labels.operation;
    if (key === undefined) continue;
    const into = m[1] === 'action' ? out.actions : out.requests;
    into[key] = (into[key] ?? 0) + Number(m[3]);
  }
  return out;
}

const minus = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.keys(a).map((k) => [k, (a[k] ?? 0) - (b[k] ?? 0)]));
const minusCounters = (a: ServerCounters, b: ServerCounters): ServerCounters => ({
  requests: minus(a.requests, b.requests),
  actions: minus(a.actions, b.actions),
});

function planYaml(i: number, options: ActionsBenchOptions, farHour: number, nowMs: number, trus = 4): string {
  const namespace = `ns-${i % options.namespaces}.bench`;
  const when =
    i < options.live
      ? [`at: "${new Date(Math.floor((nowMs - 60_000) / 60_000) * 60_000).toISOString().slice(0, 16)}Z"`, 'duration: 30m']
      : [`cron: "${i % 60} ${farHour} * * *"`, 'timezone: UTC', 'duration: 1h'];
  return ['apiVersion: capsched/v1', 'kind: CapacityPlan', `name: plan-${i}`, `namespace: ${namespace}`, `trus: ${trus}`, ...when, ''].join('\n');
}

export async function runActionsBench(options: ActionsBenchOptions): Promise<ActionsBenchResult> {
  const log = options.log ?? (() => undefined);
  const root = mkdtempSync(join(tmpdir(), 'capsched-bench-actions-'));
  const server = await startDevServer();
  const namespaces = Array.from({ length: options.namespaces }, (_, i) => `ns-${i}.bench`);
  const apiKey = 'bench-actions-key';
  const sim = await startCloudOpsSimulator({ namespaces, apiKey, operationDelayMs: 50 });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  let daemon: ChildProcess | undefined;
  try {
    // The plans, in a git remote.
    const remote = join(root, 'remote.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', '--bare', '--initial-branch=main', remote);
    git(root, 'init', '-q', '--initial-branch=main', work);
    mkdirSync(join(work, 'schedules'));
    const nowMs = Date.now();
    const farHour = (new Date(nowMs).getUTCHours() + 12) % 24;
    for (let i = 0; i < options.plans; i++) writeFileSync(join(work, 'schedules', `plan-${i}.yaml`), planYaml(i, options, farHour, nowMs));
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'plans');
    git(work, 'push', '-q', remote, 'HEAD:main');

    const installation = 'bench-actions';
    const lines: { msg: string; liveQueries?: number }[] = [];
    let stderr = '';
    /** The daemon's HTTP base, from its "serving on" line. */
    let serving: string | undefined;
    const seconds = Math.max(1, Math.round(options.intervalMs / 1000));
    daemon = spawn(
      process.execPath,
      [
        join(packageRoot(), 'bin/capsched.js'),
        'run',
        '--source',
        remote,
        '--installation',
        installation,
        '--interval',
        `${seconds}s`,
        '--listen',
        '127.0.0.1:0',
        '--work-dir',
        join(root, 'cache'),
      ],
      {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: server.address,
          TEMPORAL_NAMESPACE: 'default',
          TEMPORAL_CLOUD_API_KEY: apiKey,
          TEMPORAL_CLOUD_ENDPOINT: sim.address,
          TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
          CAPSCHED_CLOUD_OPS_POLL_MIN: '20ms',
          CAPSCHED_CLOUD_OPS_POLL_MAX: '100ms',
          CAPSCHED_LOG_LEVEL: 'info',
          SLACK_WEBHOOK_URL: '',
          CAPSCHED_WEBHOOK_SECRET: '',
          NODE_ENV: 'production',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    // The daemon logs JSON lines to stderr: the passes' own query counts come from "daemon pass finished".
    let buffered = '';
    daemon.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr = (stderr + text).slice(-20_000);
      serving ??= /serving on (http:\/\/\S+)/.exec(stderr)?.[1];
      buffered += text;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        try {
          const entry = JSON.parse(line) as { msg?: string; liveQueries?: number };
          if (entry.msg === 'daemon pass finished')
            lines.push({ msg: entry.msg, ...(entry.liveQueries === undefined ? {} : { liveQueries: entry.liveQueries }) });
        } catch {
          // not a log line
        }
      }
    });
    const exited = new Promise<number | null>((resolve) => daemon?.once('exit', (code) => resolve(code)));

    const reconciler = client.workflow.getHandle(reconcilerWorkflowId(installation));
    /** Pass completion times, from the reconciler's histories (every run, across continue-as-new). */
    const passTimes = async (): Promise<number[]> => {
      const times: number[] = [];
      for await (const wf of client.workflow.list({ query: `WorkflowId = '${reconcilerWorkflowId(installation)}'` })) {
        const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
        for (const e of history.events ?? []) if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) times.push(tsMs(e.eventTime));
      }
      if (times.length === 0) {
        // Not yet visible in the list: read the current run directly.
        const history = await reconciler.fetchHistory().catch(() => undefined);
        for (const e of history?.events ?? []) if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) times.push(tsMs(e.eventTime));
      }
      return times.sort((a, b) => a - b);
    };
    const untilPasses = async (n: number, timeoutMs: number): Promise<number> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const times = await passTimes();
        if (times.length >= n) return times[n - 1]!;
        if (daemon?.exitCode !== null) throw new Error(`capsched run exited (${daemon?.exitCode}): ${stderr.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`only ${times.length} of ${n} passes after ${timeoutMs} ms: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    /** The daemon's free checks so far (/status; a describe, and a query only when the reconciler's history moved). */
    const checks = async (): Promise<{ count: number; quiet: boolean }> => {
      if (serving === undefined) return { count: 0, quiet: false };
      const status = (await (await fetch(`${serving}/status`)).json()) as { checks?: number; lastCheck?: { passRequested: boolean } };
      return { count: status.checks ?? 0, quiet: status.lastCheck?.passRequested === false };
    };
    const untilChecks = async (n: number, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if ((await checks()).count >= n) return;
        if (daemon?.exitCode !== null) throw new Error(`capsched run exited (${daemon?.exitCode}): ${stderr.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`fewer than ${n} checks after ${timeoutMs} ms: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // Phase 1: start-up and the first pass.
    const t0 = Date.now();
    const m0 = await serverCounters(server.metricsUrl, 'default');
    const firstDone = await untilPasses(1, 180_000);
    log(`first pass done after ${((firstDone - t0) / 1000).toFixed(1)} s`);
    // Let the late-started windows reach their coordinators before the same-commit passes are measured.
    const settleDeadline = Date.now() + 60_000;
    for (;;) {
      let running = 0;
      for await (const _ of client.workflow.list({ query: `WorkflowType = '${COORDINATOR_WORKFLOW}' AND ExecutionStatus = 'Running'` })) running++;
      if (running >= Math.min(options.live, options.namespaces) || Date.now() > settleDeadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // The page record's first reading (every 15 s, once a pass applied) queries each running coordinator
    // once; later readings query one only when its history moved. Measure after it.
    while (Date.now() < firstDone + RECORD_EVERY_MS + 2_000) await new Promise((r) => setTimeout(r, 250));
    // Phase 2 starts once a check found nothing to do (the passes that follow the late starts are done).
    const quietDeadline = Date.now() + 120_000;
    while (!(await checks()).quiet) {
      if (Date.now() > quietDeadline) throw new Error(`no quiet check after 120 s: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const c1 = (await checks()).count;
    const t1 = Date.now();
    const m1 = await serverCounters(server.metricsUrl, 'default');
    await untilChecks(c1 + options.passes, 60_000 + options.passes * options.intervalMs * 3);
    const t2 = Date.now();
    const c2 = (await checks()).count;
    const m2 = await serverCounters(server.metricsUrl, 'default');
    log(`${c2 - c1} same-commit checks in ${((t2 - t1) / 1000).toFixed(1)} s`);

    // Phase 3: one plan of an idle namespace changes.
    const edited = options.live < options.plans ? options.live : 0;
    writeFileSync(join(work, 'schedules', `plan-${edited}.yaml`), planYaml(edited, options, farHour, nowMs, 6));
    git(work, 'commit', '-qam', `edit plan-${edited}`);
    git(work, 'push', '-q', remote, 'HEAD:main');
    const passesNow = (await passTimes()).length;
    await untilPasses(passesNow + 1, 120_000);
    // The phase ends at the first quiet check after the pass (the daemon learns the pass's state).
    const c3from = (await checks()).count;
    await untilChecks(c3from + 1, 60_000);
    const t3 = Date.now();
    const c3 = (await checks()).count;
    const m3 = await serverCounters(server.metricsUrl, 'default');

    // Phase 4: what reading the daemon over HTTP costs (a readiness probe, a scrape, the page).
    const base = serving;
    if (base === undefined) throw new Error(`capsched run did not say where it serves: ${stderr.slice(-2000)}`);
    const t4from = Date.now();
    const reads: Record<string, number> = {};
    const read = async (path: string): Promise<void> => {
      const res = await fetch(`${base}${path}`);
      await res.text();
      reads[path] = (reads[path] ?? 0) + 1;
    };
    for (let i = 0; i < 10; i++) await read('/readyz');
    for (let i = 0; i < 2; i++) await read('/metrics');
    await read('/');
    await read('/status');
    const t4 = Date.now();
    const c4 = (await checks()).count;
    const m4 = await serverCounters(server.metricsUrl, 'default');
    const checkCounts = [c1, c2 - c1, c3 - c2, c4 - c3];

    daemon.kill('SIGTERM');
    await exited;
    const windows = [
      {
        label: "start-up, the first pass (schedules created, live windows started late), the passes that find them running, the page record's first reading",
        from: 0,
        to: t1 + 1,
      },
      { label: `${c2 - c1} checks, same commit`, from: t1 + 1, to: t2 + 1 },
      { label: 'one plan edited: the pass on the new commit', from: t2 + 1, to: t3 + 1 },
      {
        label: `HTTP reads: ${Object.entries({ '/readyz': 10, '/metrics': 2, '/': 1, '/status': 1 })
          .map(([p, n]) => `${n} × ${p}`)
          .join(', ')}`,
        from: Math.max(t3 + 1, t4from),
        to: t4 + 1,
      },
    ];
    const history = await countHistories(client, windows);
    const passTimesAll = await passTimes();
    const counters = [minusCounters(m1, m0), minusCounters(m2, m1), minusCounters(m3, m2), minusCounters(m4, m3)];
    const phases: PhaseFigures[] = windows.map((w, i) => {
      const delta = counters[i]!;
      const queries = delta.requests.QueryWorkflow ?? 0;
      const heartbeats = (delta.requests.RecordActivityTaskHeartbeat ?? 0) + (delta.requests.RecordActivityTaskHeartbeatById ?? 0);
      const from = i === 0 ? t0 : w.from;
      // Passes run one at a time: the j-th "daemon pass finished" line is the j-th completed pass activity.
      const passQueries = passTimesAll.reduce((s, t, j) => (t >= w.from && t < w.to ? s + (lines[j]?.liveQueries ?? 0) : s), 0);
      const byWorkflow = history[i]!;
      const historyTotal = Object.values(byWorkflow).reduce((s, c) => s + sum(c), 0);
      return {
        label: w.label,
        ms: w.to - from,
        passes: passTimesAll.filter((t) => t >= w.from && t < w.to).length,
        checks: checkCounts[i] ?? 0,
        byWorkflow,
        queries,
        passQueries,
        heartbeats,
        total: historyTotal + queries + heartbeats,
        serverActions: Object.fromEntries(Object.entries(delta.actions).filter(([, v]) => v > 0)),
      };
    });
    void reads;
    const run = minusCounters(m4, m0);
    return { options, phases, requests: run.requests, serverActions: run.actions };
  } finally {
    if (daemon !== undefined && daemon.exitCode === null) daemon.kill('SIGKILL');
    await connection.close();
    await sim.stop();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const kinds = (c: ActionCounts): string =>
  Object.entries(c)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** Per-day figures derived from a run (the same-commit phase, scaled to the default interval). */
export interface ActionsPerDay {
  /** Actions one same-commit check costs: whatever the reconciler spent in the phase (a pass, if any), heartbeats, the live step's queries, per check. */
  perCheck: number;
  checksPerDay: number;
  checksPerDayActions: number;
  /** Queries that are not the passes' (the page record of the running coordinators), per day at the measured rate. */
  otherQueriesPerDay: number;
  /** Actions of the running windows and coordinators themselves, per day at the measured rate. */
  windowsPerDay: number;
  /** What one namespace with no window running adds per day. */
  perIdleNamespacePerDay: number;
  total: number;
}

export function perDay(result: ActionsBenchResult): ActionsPerDay {
  const same = result.phases[1]!;
  const checks = Math.max(1, same.checks);
  const reconciler = sum(same.byWorkflow.capschedReconciler ?? {});
  const perCheck = (reconciler + same.passQueries + same.heartbeats) / checks;
  const seconds = same.ms / 1000;
  // Billed queries: the server's action counter (a query to a workflow that does not exist fails and is not counted).
  // The reconciler's state (read when its history moved) and the page record's coordinators.
  const otherQueries = Math.max(0, (same.serverActions.grpc_QueryWorkflow ?? 0) - same.passQueries);
  const windowsActions = Object.entries(same.byWorkflow)
    .filter(([t]) => t !== 'capschedReconciler')
    .reduce((s, [, c]) => s + sum(c), 0);
  const checksPerDay = DAY_MS / DEFAULT_INTERVAL_MS;
  const otherQueriesPerDay = seconds > 0 ? (otherQueries / seconds) * 86_400 : 0;
  const windowsPerDay = seconds > 0 ? (windowsActions / seconds) * 86_400 : 0;
  // An idle namespace has schedules (free until they fire) and no coordinator: a check lists (free) and
  // queries nothing per namespace, and starts no pass, so it adds nothing; this stays 0 unless a check's cost grows with namespaces.
  const perIdleNamespacePerDay = 0;
  return {
    perCheck,
    checksPerDay,
    checksPerDayActions: checksPerDay * perCheck,
    otherQueriesPerDay,
    windowsPerDay,
    perIdleNamespacePerDay,
    total: checksPerDay * perCheck + otherQueriesPerDay + windowsPerDay,
  };
}

const byType = (c: Record<string, number>): string =>
  Object.entries(c)
    .filter(([, v]) => v !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k.replace(/^(grpc|command)_/, '')} ${v}`)
    .join(', ');

/** The report: per phase, per pass, per idle namespace per day, and the day's total for this setup. */
export function report(result: ActionsBenchResult): string {
  const { options, phases } = result;
  const out: string[] = [];
  out.push(
    `capsched's own Actions: ${options.namespaces} namespaces, ${options.plans} plans, ${options.live} with a window running; interval ${options.intervalMs / 1000} s (default ${DEFAULT_INTERVAL_MS / 1000} s)`,
  );
  out.push("| phase | wall | checks | passes | from histories, by workflow type | queries (the passes') | heartbeats | total | server's `action` counter |");
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const p of phases) {
    const hist = Object.entries(p.byWorkflow)
      .map(([type, c]) => `${type}: ${kinds(c)}`)
      .join('; ');
    out.push(
      `| ${p.label} | ${(p.ms / 1000).toFixed(1)} s | ${p.checks} | ${p.passes} | ${hist || 'none'} | ${p.queries} (${p.passQueries}) | ${p.heartbeats} | ${p.total} | ${byType(p.serverActions) || 'none'} |`,
    );
  }
  const same = phases[1]!;
  const day = perDay(result);
  out.push('');
  out.push(
    `same-commit check: ${day.perCheck.toFixed(2)} Actions (${same.checks} checks, ${same.passes} passes; reconciler: ${kinds(same.byWorkflow.capschedReconciler ?? {}) || 'nothing'}; live-step queries ${same.passQueries}; heartbeats ${same.heartbeats})`,
  );
  out.push(
    `per day at the default ${DEFAULT_INTERVAL_MS / 1000} s interval: ${fmt(day.checksPerDay)} checks × ${day.perCheck.toFixed(2)} = ${fmt(day.checksPerDayActions)} Actions`,
  );
  out.push(
    `other queries (the reconciler's state when its history moved; the page record looks at the coordinators every ${RECORD_EVERY_MS / 1000} s, querying one only when its history moved): ${Math.max(0, (same.serverActions.grpc_QueryWorkflow ?? 0) - same.passQueries)} in ${(same.ms / 1000).toFixed(1)} s → ${fmt(day.otherQueriesPerDay)} per day`,
  );
  out.push(`the ${options.live} running windows and their coordinators themselves: ${fmt(day.windowsPerDay)} per day at the measured rate`);
  out.push(`per idle namespace per day (schedules, no window running): ${fmt(day.perIdleNamespacePerDay)} Actions`);
  out.push(`this setup per day (checks and the passes they start + other queries + the running windows, were they running all day): ${fmt(day.total)} Actions`);
  const edit = phases[2]!;
  out.push(
    `one plan edited on a namespace without a running window: ${edit.total} Actions in that phase, ${edit.passes} pass (${Object.entries(edit.byWorkflow)
      .map(([t, c]) => `${t}: ${kinds(c)}`)
      .join('; ')}; queries ${edit.queries}, the pass's ${edit.passQueries}; heartbeats ${edit.heartbeats})`,
  );
  const httpReads = phases[3];
  if (httpReads !== undefined)
    out.push(
      `${httpReads.label}: ${httpReads.serverActions.grpc_QueryWorkflow ?? 0} billed queries (${httpReads.queries} sent) while ${httpReads.passes} passes ran; the reconciler's state is queried only when its history moved, a coordinator only when its history moved`,
    );
  out.push(`the server's \`action\` counter over the whole run: ${byType(result.serverActions)}`);
  out.push(`frontend requests over the whole run: ${byType(result.requests)}`);
  return out.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      namespaces: { type: 'string' },
      plans: { type: 'string' },
      live: { type: 'string' },
      passes: { type: 'string' },
      interval: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const options: ActionsBenchOptions = {
    namespaces: Number(values.namespaces ?? (quick ? 3 : 50)),
    plans: Number(values.plans ?? (quick ? 5 : 200)),
    live: Number(values.live ?? (quick ? 1 : 5)),
    passes: Number(values.passes ?? (quick ? 2 : 20)),
    intervalMs: Number((values.interval ?? '2s').replace(/s$/, '')) * 1000,
    log: (line) => console.error(line),
  };
  console.log(report(await runActionsBench(options)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
