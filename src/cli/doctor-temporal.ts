/**
 * `capsched doctor`, Temporal: the connection, the clock, capsched's search attributes, the workers
 * polling the task queues and the installation's reconciler.
 */
import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import * as compose from '../compose.js';
import type { TemporalSettings } from '../config/temporal.js';
import type { DoctorCheck } from '../core/doctor/checks.js';
import { grpcCodeOf } from '../core/errors.js';
import { reconcilerTaskQueue, reconcilerWorkflowId, STATE_QUERY, type ReconcilerState } from '../core/reconciler-contract.js';
import { CAPSCHED_SEARCH_ATTRIBUTE_NAMES } from '../core/search-attributes.js';
import { scrub } from '../log/secrets.js';
import { ago, timestampMs, why, withTimeout, type Parsed } from './doctor-shared.js';

/** Skew beyond this is a warning (one-offs and previews use this machine's clock). */
export const SKEW_WARN_MS = 2_000;
/** Beyond this it is a failure: the daemon's decisions about "now" would be wrong by minutes. */
export const SKEW_FAIL_MS = 60_000;

export interface TemporalFacts {
  checks: DoctorCheck[];
  /** Server clock minus this machine's, when measured, and half the probe's round trip. */
  skewMs?: number;
  uncertaintyMs?: number;
}

export async function clockProbe(client: Client): Promise<{ skewMs: number; uncertaintyMs: number }> {
  const workflowId = `capsched-doctor-clock-${randomUUID()}`;
  const before = Date.now();
  const handle = await client.workflow.start('capschedDoctorClockProbe', {
    taskQueue: `capsched-doctor-probe-${randomUUID()}`,
    workflowId,
    workflowRunTimeout: '10s',
    args: [],
  });
  const after = Date.now();
  try {
    const d = await handle.describe();
    return { skewMs: d.startTime.getTime() - (before + after) / 2, uncertaintyMs: Math.ceil((after - before) / 2) };
  } finally {
    await handle.terminate('capsched doctor: clock probe').catch(() => undefined);
  }
}

export async function pollersOf(
  client: Client,
  taskQueue: string,
  serverNowMs: number,
  seenWithinMs: number,
): Promise<{ live: Set<string>; workflow: number; activity: number; lastSeenMs?: number; lastIdentity?: string }> {
  const out: { live: Set<string>; workflow: number; activity: number; lastSeenMs?: number; lastIdentity?: string } = {
    live: new Set(),
    workflow: 0,
    activity: 0,
  };
  const types = [proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];
  for (const taskQueueType of types) {
    const res = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
    });
    for (const p of res.pollers ?? []) {
      const seen = timestampMs(p.lastAccessTime);
      if (seen === undefined) continue;
      if (out.lastSeenMs === undefined || seen > out.lastSeenMs) {
        out.lastSeenMs = seen;
        if (p.identity) out.lastIdentity = p.identity;
      }
      if (serverNowMs - seen > seenWithinMs) continue;
      out.live.add(p.identity ?? '?');
      if (taskQueueType === types[0]) out.workflow += 1;
      else out.activity += 1;
    }
  }
  return out;
}

export function workerLine(
  id: string,
  title: string,
  queue: string,
  found: Awaited<ReturnType<typeof pollersOf>>,
  serverNowMs: number,
  seenWithinMs: number,
  missing: { status: 'fail' | 'warn'; fix: string },
): DoctorCheck {
  if (found.workflow > 0 && found.activity > 0) {
    return {
      id,
      status: 'ok',
      title,
      detail: `${found.live.size} worker${found.live.size === 1 ? '' : 's'} polling ${queue} (${[...found.live].sort().join(', ')})`,
    };
  }
  const last =
    found.lastSeenMs === undefined
      ? 'never polled'
      : `last poll ${ago(serverNowMs - found.lastSeenMs)}${found.lastIdentity === undefined ? '' : ` by ${found.lastIdentity}`}`;
  const half = found.workflow > 0 ? ' (workflow pollers only, no activity pollers)' : found.activity > 0 ? ' (activity pollers only, no workflow pollers)' : '';
  return {
    id,
    status: missing.status,
    title,
    detail: `no worker polling ${queue} in the last ${Math.round(seenWithinMs / 1000)}s${half}; ${last}`,
    fix: missing.fix,
  };
}

export async function checkTemporal(p: Parsed, settings: TemporalSettings, temporal: compose.TemporalConnection): Promise<TemporalFacts> {
  const checks: DoctorCheck[] = [];
  const { client } = temporal;
  const facts: TemporalFacts = { checks };
  let version = 'unknown';
  try {
    const info = await client.workflowService.getSystemInfo({});
    version = info.serverVersion || 'unknown';
  } catch (err) {
    checks.push({
      id: 'temporal.reachable',
      status: 'fail',
      title: 'Temporal',
      detail: `${settings.address} does not answer: ${why(err)}`,
      fix: 'check --address / TEMPORAL_ADDRESS, TLS and TEMPORAL_API_KEY',
    });
    return facts;
  }
  checks.push({ id: 'temporal.reachable', status: 'ok', title: 'Temporal', detail: `reachable at ${settings.address}, server version ${version}` });
  try {
    await client.workflowService.describeNamespace({ namespace: settings.namespace });
    checks.push({ id: 'temporal.namespace', status: 'ok', title: 'Namespace', detail: `${settings.namespace} exists` });
  } catch (err) {
    const code = grpcCodeOf(err);
    const detail = code === GrpcStatus.NOT_FOUND ? `${settings.namespace} does not exist` : `${settings.namespace} cannot be described: ${why(err)}`;
    const fix =
      code === GrpcStatus.NOT_FOUND
        ? 'create it (Temporal Cloud: the web UI or tcld; self-hosted: temporal operator namespace create) or pass --namespace'
        : 'check that the credentials may read the namespace';
    checks.push({ id: 'temporal.namespace', status: 'fail', title: 'Namespace', detail, fix });
    return facts;
  }
  try {
    const check = await compose.namespaceSearchAttributes(client).check();
    if (check.missing.length === 0 && check.wrongType.length === 0)
      checks.push({
        id: 'temporal.search-attributes',
        status: 'ok',
        title: 'Search attributes',
        detail: `all ${CAPSCHED_SEARCH_ATTRIBUTE_NAMES.length} registered (Keyword)`,
      });
    else {
      const parts = [
        ...(check.missing.length === 0 ? [] : [`missing ${check.missing.join(', ')}`]),
        ...check.wrongType.map((w) => `${w.name} is ${w.type}, not Keyword`),
      ];
      checks.push({
        id: 'temporal.search-attributes',
        status: 'fail',
        title: 'Search attributes',
        detail: `${parts.join('; ')} (every pass fails with SEARCH_ATTRIBUTES_MISSING)`,
        fix: check.missing.length > 0 ? 'run `capsched init`' : 'remove or rename the wrongly typed attribute by hand, then run `capsched init`',
      });
    }
  } catch (err) {
    checks.push({
      id: 'temporal.search-attributes',
      status: 'warn',
      title: 'Search attributes',
      detail: `cannot be listed: ${why(err)}`,
      fix: `check them by hand: temporal operator search-attribute list --namespace ${settings.namespace}`,
    });
  }

  let skewMs = 0;
  try {
    const probe = await clockProbe(client);
    skewMs = probe.skewMs;
    facts.skewMs = probe.skewMs;
    facts.uncertaintyMs = probe.uncertaintyMs;
  } catch {
    // reported on the clock line below
  }
  const serverNow = Date.now() + skewMs;

  try {
    const capacity = await pollersOf(client, p.taskQueue, serverNow, p.seenWithinMs);
    checks.push(
      workerLine('workers.capacity', 'Capacity workers', p.taskQueue, capacity, serverNow, p.seenWithinMs, {
        status: 'fail',
        fix: `start \`capsched run\` or \`capsched worker\` with --task-queue ${p.taskQueue}: without one, scheduled windows do not run`,
      }),
    );
  } catch (err) {
    checks.push({
      id: 'workers.capacity',
      status: 'fail',
      title: 'Capacity workers',
      detail: `task queue ${p.taskQueue} cannot be described: ${why(err)}`,
      fix: 'check the credentials',
    });
  }

  // The reconciler: its workflow and the daemons polling its queue.
  const reconcilerQueue = reconcilerTaskQueue(p.installation);
  let running = false;
  let status = 'not started';
  try {
    const d = await client.workflow.getHandle(reconcilerWorkflowId(p.installation)).describe();
    status = d.status.name;
    running = d.status.name === 'RUNNING';
  } catch (err) {
    const notFound = (err instanceof Error && err.name === 'WorkflowNotFoundError') || grpcCodeOf(err) === GrpcStatus.NOT_FOUND;
    if (!notFound) status = `unknown (${why(err)})`;
  }
  let reconcilerPollers: Awaited<ReturnType<typeof pollersOf>> | undefined;
  try {
    reconcilerPollers = await pollersOf(client, reconcilerQueue, serverNow, p.seenWithinMs);
    checks.push(
      workerLine('workers.reconciler', 'Reconciler workers', reconcilerQueue, reconcilerPollers, serverNow, p.seenWithinMs, {
        status: running ? 'fail' : 'warn',
        fix: running
          ? `start \`capsched run\` for installation ${p.installation}: the reconciler workflow waits for it`
          : `start \`capsched run\` for installation ${p.installation} to apply merged plans continuously (or apply them with \`capsched apply\`)`,
      }),
    );
  } catch (err) {
    checks.push({
      id: 'workers.reconciler',
      status: 'warn',
      title: 'Reconciler workers',
      detail: `task queue ${reconcilerQueue} cannot be described: ${why(err)}`,
    });
  }
  checks.push(await reconcilerLine(client, p.installation, status, running, (reconcilerPollers?.workflow ?? 0) > 0));

  if (facts.skewMs === undefined)
    checks.push({
      id: 'clock',
      status: 'warn',
      title: 'Clock',
      detail: 'skew against the Temporal server not measured (the probe workflow could not be started)',
      fix: 'check that the credentials may start workflows',
    });
  return facts;
}

export async function reconcilerLine(client: Client, installation: string, status: string, running: boolean, polled: boolean): Promise<DoctorCheck> {
  const id = 'reconciler';
  const title = 'Reconciler';
  const wfId = reconcilerWorkflowId(installation);
  if (status === 'not started')
    return {
      id,
      status: 'warn',
      title,
      detail: `workflow ${wfId} not started: no daemon has run for installation ${installation}`,
      fix: '`capsched run` starts it',
    };
  if (!running) return { id, status: 'fail', title, detail: `workflow ${wfId} is ${status}`, fix: 'restart `capsched run`: it starts a new reconciler' };
  if (!polled)
    return {
      id,
      status: 'fail',
      title,
      detail: `workflow ${wfId} is running but no daemon polls its task queue, so no pass runs`,
      fix: `start \`capsched run\` for installation ${installation}`,
    };
  let state: ReconcilerState;
  try {
    state = await withTimeout(client.workflow.getHandle(wfId).query<ReconcilerState>(STATE_QUERY), 10_000, 'the reconciler state query');
  } catch (err) {
    return { id, status: 'warn', title, detail: `workflow ${wfId} is running; its state cannot be read: ${why(err)}` };
  }
  const problems = Object.entries(state.problems ?? {}).filter(([, v]) => v !== undefined) as [string, { message: string; since: string }][];
  const last = state.lastPassAt === undefined ? 'no pass yet' : `last pass ${state.lastPassResult ?? '?'} ${ago(Date.now() - Date.parse(state.lastPassAt))}`;
  const applied = state.lastAppliedRevision === undefined ? 'nothing applied yet' : `revision ${state.lastAppliedRevision.slice(0, 12)} applied`;
  const detail = `running, ${state.passes} pass${state.passes === 1 ? '' : 'es'}, ${last}, ${applied}${state.managedSchedules === undefined ? '' : `, ${state.managedSchedules} managed schedules`}`;
  if (problems.length > 0) {
    return {
      id,
      status: 'fail',
      title,
      detail: `${detail}; problems: ${problems.map(([k, v]) => `${k}: ${scrub(v.message).split('\n')[0] ?? ''}`).join('; ')}`,
      fix: 'see the daemon logs and GET /status; the lines below point at the cause',
    };
  }
  if (state.consecutiveFailures > 0)
    return { id, status: 'warn', title, detail: `${detail}; ${state.consecutiveFailures} failed passes in a row`, fix: 'see the daemon logs' };
  return { id, status: 'ok', title, detail };
}

export function clockLine(skewMs: number, uncertaintyMs: number): DoctorCheck {
  const abs = Math.abs(skewMs);
  const text = `this machine is ${abs < 1000 ? `${Math.round(abs)} ms` : `${(abs / 1000).toFixed(1)} s`} ${skewMs > 0 ? 'behind' : 'ahead of'} the Temporal server (±${Math.max(1, Math.round(uncertaintyMs))} ms)`;
  if (abs > SKEW_FAIL_MS)
    return { id: 'clock', status: 'fail', title: 'Clock', detail: text, fix: "sync the clock (NTP): one-offs and window previews use this machine's time" };
  if (abs > SKEW_WARN_MS) return { id: 'clock', status: 'warn', title: 'Clock', detail: text, fix: 'sync the clock (NTP)' };
  return { id: 'clock', status: 'ok', title: 'Clock', detail: text };
}
