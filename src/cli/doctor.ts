/**
 * `capsched doctor [--json] [--send-test]`: one checklist of everything capsched needs, read in
 * ten seconds: ✓ fine, ✗ capsched cannot work this way, ! works but look; the fix on the same
 * line. Reads only, except `--send-test` (one clearly marked Slack message) and the clock probe
 * (a workflow on a task queue no worker polls, terminated at once). Secrets are never printed.
 * Exit codes: 0 nothing is ✗, 1 something is ✗, 2 usage.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import {
  CLOUD_API_VERSION,
  CloudOpsErrorCode,
  mayAdminister,
  toNamespaceCapacity,
  type CloudIdentity,
  type CloudOpsClient,
} from '../adapters/cloud-ops/index.js';
import { readGitCredentials } from '../adapters/source/index.js';
import * as compose from '../compose.js';
import { readCloudOpsSettings } from '../config/cloud-ops.js';
import { readTemporalSettings, type TemporalSettings } from '../config/temporal.js';
import { parseDuration } from '../core/capacity/duration.js';
import { planSteps } from '../core/capacity/steps.js';
import { doctorExitCode, doctorReport, formatDoctorJson, formatDoctorText, type DoctorCheck } from '../core/doctor/checks.js';
import { CapschedError, ExitCode, grpcCodeOf, isCapschedError } from '../core/errors.js';
import { validateAndLoadPlans } from '../core/plan/validate.js';
import type { LoadedPlan } from '../core/plan/load.js';
import { reconcilerTaskQueue, reconcilerWorkflowId, STATE_QUERY, type ReconcilerState } from '../core/reconciler-contract.js';
import { CAPSCHED_SEARCH_ATTRIBUTE_NAMES } from '../core/search-attributes.js';
import { registerSecret, scrub, Secret } from '../log/secrets.js';
import type { CliIO, Command } from './io.js';
import { cliLogger, LOG_FORMAT_HELP, parseLogFormat, routeTemporalSdkLogs } from './log.js';
import { RECONCILE_OPTIONS, UsageError, parseReconcileFlags } from './reconcile-options.js';

export const DOCTOR_HELP = `usage: capsched doctor [--json] [--send-test] [options]

Checks everything capsched needs and prints one line per check, with the fix on the same line:
  ✓ fine   ✗ capsched cannot work this way   ! works, but look
Temporal (reachable, namespace, server version), capsched's six search attributes, workers
polling the capacity task queue and the reconciler's, the reconciler workflow's state, the Cloud
Ops API key and API version, each namespace the plans name (readable, Namespace Admin, current
capacity, valid TRU values), the Slack webhook, the plan source at its head, and the clock skew
against the Temporal server. Secrets are never printed.

  --json                  one JSON object ({ ok, checks: [{ id, status, title, detail, fix }] })
  --send-test             post one clearly marked test message to the Slack webhook
  --worker-seen-within <d> a worker counts as polling when the server saw it this recently
                          (default 90s: workers long-poll for up to a minute)
  --source <src>          plan source as for \`capsched run\` (env CAPSCHED_SOURCE; default .)
  --branch <name>         git branch (env CAPSCHED_BRANCH; default main)
  --path <dir>            plans folder inside the source (env CAPSCHED_PATH; default schedules)
  --installation <id>     installation id (env CAPSCHED_INSTALLATION; default "default")
  --task-queue <q>        the capacity worker's task queue (env CAPSCHED_TASK_QUEUE)
  --address <host:port>   Temporal frontend (env TEMPORAL_ADDRESS; envconfig profiles apply)
  --namespace <ns>        capsched's Temporal namespace (env TEMPORAL_NAMESPACE)
  --profile <name>        envconfig profile (env TEMPORAL_PROFILE)
${LOG_FORMAT_HELP}
  -h, --help              show this help

environment: TEMPORAL_CLOUD_API_KEY, TEMPORAL_CLOUD_ENDPOINT, TEMPORAL_CLOUD_ALLOW_INSECURE,
SLACK_WEBHOOK_URL, CAPSCHED_GIT_TOKEN (as for \`capsched run\`)

Exit status: 0 nothing is ✗ (warnings allowed), 1 at least one ✗, 2 usage.
`;

/** Skew beyond this is a warning (one-offs and previews use this machine's clock). */
const SKEW_WARN_MS = 2_000;
/** Beyond this it is a failure: the daemon's decisions about "now" would be wrong by minutes. */
const SKEW_FAIL_MS = 60_000;
const DEFAULT_SEEN_WITHIN_MS = 90_000;

interface Parsed {
  source: string;
  branch: string;
  path: string;
  installation: string;
  taskQueue: string;
  json: boolean;
  sendTest: boolean;
  seenWithinMs: number;
  flags: { address?: string; namespace?: string; profile?: string };
  logFormat: ReturnType<typeof parseLogFormat>;
}

function parse(argv: string[], io: CliIO): Parsed | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...RECONCILE_OPTIONS,
      json: { type: 'boolean', default: false },
      'send-test': { type: 'boolean', default: false },
      'worker-seen-within': { type: 'string' },
      'log-format': { type: 'string' },
    },
  });
  if (values.help === true) return 'help';
  const { installation, taskQueue } = parseReconcileFlags(values, io.env);
  let seenWithinMs = DEFAULT_SEEN_WITHIN_MS;
  if (values['worker-seen-within'] !== undefined) {
    const d = parseDuration(values['worker-seen-within']);
    if (!d.ok || d.ms <= 0) throw new UsageError(`--worker-seen-within "${values['worker-seen-within']}" is not a positive duration, e.g. 90s`);
    seenWithinMs = d.ms;
  }
  return {
    source: values.source ?? io.env.CAPSCHED_SOURCE ?? '.',
    branch: values.branch ?? io.env.CAPSCHED_BRANCH ?? 'main',
    path: values.path ?? io.env.CAPSCHED_PATH ?? 'schedules',
    installation,
    taskQueue,
    json: values.json === true,
    sendTest: values['send-test'] === true,
    seenWithinMs,
    flags: {
      ...(values.address === undefined ? {} : { address: values.address }),
      ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
      ...(values.profile === undefined ? {} : { profile: values.profile }),
    },
    logFormat: parseLogFormat(values['log-format'], io.env),
  };
}

/** The innermost useful text of an error, scrubbed. */
function why(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++)
    if (e.message !== '' && !parts.some((p) => p.includes(e.message))) parts.push(e.message);
  return scrub(parts.join(': ') || String(err)).split('\n')[0] as string;
}

function ago(ms: number): string {
  if (ms < 1_000) return 'just now';
  if (ms < 90_000) return `${Math.round(ms / 1000)}s ago`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3_600_000)} h ago`;
}

function timestampMs(ts: { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null | undefined): number | undefined {
  if (ts === null || ts === undefined) return undefined;
  const seconds = Number(ts.seconds?.toString() ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000}s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

// ---------- Temporal ----------

interface TemporalFacts {
  checks: DoctorCheck[];
  /** Server clock minus this machine's, when measured, and half the probe's round trip. */
  skewMs?: number;
  uncertaintyMs?: number;
}

async function clockProbe(client: Client): Promise<{ skewMs: number; uncertaintyMs: number }> {
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

async function pollersOf(
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

function workerLine(
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

async function checkTemporal(p: Parsed, settings: TemporalSettings, temporal: compose.TemporalConnection): Promise<TemporalFacts> {
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

async function reconcilerLine(client: Client, installation: string, status: string, running: boolean, polled: boolean): Promise<DoctorCheck> {
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

// ---------- Cloud Ops and the namespaces the plans name ----------

function cloudFix(code: string): string {
  if (code === CloudOpsErrorCode.unauthenticated)
    return 'set TEMPORAL_CLOUD_API_KEY to a valid, unexpired key of this account (a service account with Namespace Admin on the target namespaces)';
  if (code === CloudOpsErrorCode.unavailable)
    return 'check TEMPORAL_CLOUD_ENDPOINT and the network (TLS: TEMPORAL_CLOUD_ALLOW_INSECURE is for the simulator only)';
  if (code === CloudOpsErrorCode.invalidArgument) return `the API refused this client's temporal-cloud-api-version ${CLOUD_API_VERSION}: upgrade capsched`;
  return 'see docs/cloud-ops.md#troubleshooting';
}

async function checkCloud(io: CliIO, plans: LoadedPlan[] | undefined): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const namespaces = [...new Set((plans ?? []).map((lp) => lp.plan.namespace))].sort();
  const notChecked = (why_: string): void => {
    for (const ns of namespaces) checks.push({ id: `namespace:${ns}`, status: 'warn', title: ns, detail: `not checked (${why_})` });
  };
  let settings;
  try {
    settings = readCloudOpsSettings(io.env);
  } catch (err) {
    checks.push({ id: 'cloud-ops.key', status: 'fail', title: 'Cloud Ops API', detail: why(err), fix: 'fix the setting named above' });
    notChecked('Cloud Ops settings invalid');
    return checks;
  }
  if (settings.apiKey === undefined) {
    checks.push({
      id: 'cloud-ops.key',
      status: 'fail',
      title: 'Cloud Ops API',
      detail: 'TEMPORAL_CLOUD_API_KEY is not set: every window would fail with CLOUD_OPS_CONFIG',
      fix: 'set TEMPORAL_CLOUD_API_KEY (a service account with Namespace Admin on the target namespaces)',
    });
    notChecked('no Cloud Ops key');
    return checks;
  }
  const client: CloudOpsClient = compose.cloudOps(settings);
  try {
    let identity: CloudIdentity | undefined;
    try {
      identity = await client.getCurrentIdentity();
      const who =
        identity.principal === 'unknown' ? 'an unknown principal' : `${identity.principal === 'user' ? 'user' : 'service account'} ${identity.name ?? '?'}`;
      checks.push({
        id: 'cloud-ops.key',
        status: 'ok',
        title: 'Cloud Ops API',
        detail: `key valid (${who}, account role ${identity.accountRole}) at ${settings.endpoint}, API version ${CLOUD_API_VERSION} accepted`,
      });
    } catch (err) {
      const e = isCapschedError(err) ? err : new CapschedError(CloudOpsErrorCode.unavailable, why(err));
      if (e.code === CloudOpsErrorCode.protocol) {
        checks.push({
          id: 'cloud-ops.key',
          status: 'warn',
          title: 'Cloud Ops API',
          detail: `the key's identity cannot be read at ${settings.endpoint} (${scrub(e.message)}); namespace access is checked below`,
        });
      } else {
        const detail =
          e.code === CloudOpsErrorCode.unauthenticated
            ? `the key was refused at ${settings.endpoint} (invalid, expired or of another account) [${e.code}]`
            : e.code === CloudOpsErrorCode.invalidArgument
              ? `API version ${CLOUD_API_VERSION} refused: ${scrub(e.message)} [${e.code}]`
              : `${scrub(e.message)} [${e.code}]`;
        checks.push({ id: 'cloud-ops.key', status: 'fail', title: 'Cloud Ops API', detail, fix: cloudFix(e.code) });
        notChecked('Cloud Ops key not usable');
        return checks;
      }
    }
    for (const ns of namespaces)
      checks.push(
        await namespaceLine(
          client,
          ns,
          identity,
          (plans ?? []).filter((lp) => lp.plan.namespace === ns),
        ),
      );
    return checks;
  } finally {
    client.close();
  }
}

async function namespaceLine(client: CloudOpsClient, ns: string, identity: CloudIdentity | undefined, plans: LoadedPlan[]): Promise<DoctorCheck> {
  const id = `namespace:${ns}`;
  let capacityText: string;
  let valid: number[];
  try {
    const [namespace, info] = await Promise.all([client.getNamespace(ns), client.getCapacityInfo(ns)]);
    const c = toNamespaceCapacity(namespace);
    capacityText = c.mode === 'provisioned' ? `provisioned ${c.currentTrus ?? '?'} TRU now` : c.mode === 'onDemand' ? 'on-demand now' : 'capacity mode unknown';
    if (c.latestRequest?.state === 'inProgress') capacityText += ' (a capacity request is in progress)';
    valid = info.validTruValues;
  } catch (err) {
    const e = isCapschedError(err) ? err : new CapschedError(CloudOpsErrorCode.unavailable, why(err));
    if (e.code === CloudOpsErrorCode.permissionDenied)
      return { id, status: 'fail', title: ns, detail: `the Cloud Ops key may not read it [${e.code}]`, fix: `give the key Namespace Admin on ${ns}` };
    if (e.code === CloudOpsErrorCode.notFound)
      return {
        id,
        status: 'fail',
        title: ns,
        detail: `not found in the Cloud account [${e.code}]`,
        fix: 'check the namespace name in the plans (name.account-id)',
      };
    return { id, status: 'fail', title: ns, detail: `cannot be read: ${scrub(e.message)} [${e.code}]`, fix: cloudFix(e.code) };
  }
  if (identity !== undefined && !mayAdminister(identity, ns)) {
    const has = identity.namespaces[ns];
    return {
      id,
      status: 'fail',
      title: ns,
      detail: `readable, but the key has ${has === undefined ? 'no namespace role' : `only ${has}`} on it (${capacityText}): capacity changes would fail with CLOUD_OPS_PERMISSION_DENIED`,
      fix: `give the key Namespace Admin on ${ns}`,
    };
  }
  // Every value a plan asks for: a ramp's each step, not only its peak.
  const values = (lp: LoadedPlan): number[] => planSteps(lp.plan).map((s) => s.trus);
  const asked = [...new Set(plans.flatMap(values))].sort((a, b) => a - b);
  const refused = (lp: LoadedPlan): number[] => [...new Set(values(lp).filter((t) => valid.length > 0 && !valid.includes(t)))];
  const bad = plans.filter((lp) => refused(lp).length > 0);
  const validText = valid.length === 0 ? 'no valid TRU values reported' : `valid ${valid.join(', ')}`;
  const access = identity === undefined ? 'access not checked' : 'Namespace Admin';
  if (bad.length > 0) {
    return {
      id,
      status: 'fail',
      title: ns,
      detail: `${access}, ${capacityText}; ${bad.map((lp) => `plan ${lp.plan.name} (${lp.file}) asks ${refused(lp).join(', ')} TRU`).join(', ')}, not offered (${validText})`,
      fix: 'change the plan to a valid TRU value',
    };
  }
  return {
    id,
    status: identity === undefined ? 'warn' : 'ok',
    title: ns,
    detail: `${access}, ${capacityText}, plans ask ${asked.join(', ')} TRU (${validText})`,
  };
}

// ---------- Slack and the plan source ----------

async function checkSlack(io: CliIO, sendTest: boolean, logger: ReturnType<typeof cliLogger>): Promise<DoctorCheck> {
  const id = 'slack';
  const title = 'Slack';
  const raw = io.env.SLACK_WEBHOOK_URL?.trim();
  if (raw === undefined || raw === '')
    return {
      id,
      status: 'warn',
      title,
      detail: 'SLACK_WEBHOOK_URL is not set: alerts are only logged',
      fix: 'set SLACK_WEBHOOK_URL (then `capsched doctor --send-test`)',
    };
  registerSecret(raw);
  let host: string;
  try {
    const url = new URL(raw);
    host = url.host;
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    return { id, status: 'fail', title, detail: 'SLACK_WEBHOOK_URL is not a URL', fix: 'set it to the incoming webhook URL Slack gave you' };
  }
  if (!sendTest) return { id, status: 'ok', title, detail: `webhook configured (${host}); \`--send-test\` posts a test message` };
  const notifier = compose.notifier({ webhookUrl: new Secret(raw), logger, maxAttempts: 2, totalTimeoutMs: 15_000, initialBackoffMs: 500 });
  await notifier.notify({
    severity: 'info',
    title: 'capsched doctor: test message',
    text: 'TEST ONLY: `capsched doctor --send-test` checks that capsched alerts reach this channel. Nothing happened to any namespace; no action needed.',
    dedupeKey: `doctor-test-${randomUUID()}`,
  });
  const stats = notifier.stats();
  if (stats.delivered > 0) return { id, status: 'ok', title, detail: `webhook configured (${host}); test message posted` };
  if (stats.revoked)
    return {
      id,
      status: 'fail',
      title,
      detail: `the webhook at ${host} was revoked (404/410)`,
      fix: 'create a new incoming webhook and set SLACK_WEBHOOK_URL',
    };
  return {
    id,
    status: 'fail',
    title,
    detail: `the test message to ${host} could not be posted (see CAPSCHED_LOG_LEVEL=debug)`,
    fix: 'check SLACK_WEBHOOK_URL and that this machine can reach Slack',
  };
}

async function checkSource(p: Parsed, io: CliIO, logger: ReturnType<typeof cliLogger>): Promise<{ check: DoctorCheck; plans?: LoadedPlan[] }> {
  const id = 'source';
  const title = 'Plan source';
  let described = p.source;
  try {
    const source = compose.planSource({ source: p.source, branch: p.branch, path: p.path, cwd: io.cwd, credentials: readGitCredentials(io.env), logger });
    described = source.describe();
    const snapshot = await source.snapshot();
    if (!snapshot.pathExists)
      return {
        check: {
          id,
          status: 'fail',
          title,
          detail: `${described} at ${snapshot.revision.slice(0, 12)}: the plans folder ${p.path} does not exist`,
          fix: 'check --path and --branch',
        },
      };
    const { report, plans } = validateAndLoadPlans(snapshot.files, { now: Date.now(), plansPath: p.path });
    if (!report.valid) {
      const first = report.errors[0];
      const where = first === undefined ? '' : ` (first: ${first.file}:${first.line}:${first.column} ${first.message})`;
      return {
        check: {
          id,
          status: 'fail',
          title,
          detail: `${described} at ${snapshot.revision.slice(0, 12)}: ${report.errors.length} error${report.errors.length === 1 ? '' : 's'}${where}; nothing would be applied`,
          fix: '`capsched validate` shows every problem',
        },
        plans,
      };
    }
    const namespaces = [...new Set(plans.map((lp) => lp.plan.namespace))];
    return {
      check: {
        id,
        status: 'ok',
        title,
        detail: `${described} at ${snapshot.revision.slice(0, 12)}: ${plans.length} plan${plans.length === 1 ? '' : 's'} valid, ${namespaces.length} namespace${namespaces.length === 1 ? '' : 's'}${report.warnings.length === 0 ? '' : `, ${report.warnings.length} warning(s)`}`,
      },
      plans,
    };
  } catch (err) {
    const code = isCapschedError(err) ? ` [${err.code}]` : '';
    return {
      check: {
        id,
        status: 'fail',
        title,
        detail: `${scrub(described)} cannot be read: ${why(err)}${code}`,
        fix: 'check --source / CAPSCHED_SOURCE, --branch, and CAPSCHED_GIT_TOKEN or the ssh key',
      },
    };
  }
}

function clockLine(skewMs: number, uncertaintyMs: number): DoctorCheck {
  const abs = Math.abs(skewMs);
  const text = `this machine is ${abs < 1000 ? `${Math.round(abs)} ms` : `${(abs / 1000).toFixed(1)} s`} ${skewMs > 0 ? 'behind' : 'ahead of'} the Temporal server (±${Math.max(1, Math.round(uncertaintyMs))} ms)`;
  if (abs > SKEW_FAIL_MS)
    return { id: 'clock', status: 'fail', title: 'Clock', detail: text, fix: "sync the clock (NTP): one-offs and window previews use this machine's time" };
  if (abs > SKEW_WARN_MS) return { id: 'clock', status: 'warn', title: 'Clock', detail: text, fix: 'sync the clock (NTP)' };
  return { id: 'clock', status: 'ok', title: 'Clock', detail: text };
}

export const doctorCommand: Command = async (argv, io) => {
  let p: Parsed | 'help';
  try {
    p = parse(argv, io);
  } catch (err) {
    io.stderr(`capsched doctor: ${err instanceof Error ? err.message : String(err)}\n\n${DOCTOR_HELP}`);
    return ExitCode.usage;
  }
  if (p === 'help') {
    io.stdout(DOCTOR_HELP);
    return ExitCode.ok;
  }
  const logger = cliLogger(io, p.logFormat);
  let settings: TemporalSettings;
  try {
    settings = readTemporalSettings(io.env, p.flags);
  } catch (err) {
    io.stderr(`capsched doctor: the Temporal connection settings cannot be read: ${why(err)}\n`);
    return ExitCode.usage;
  }
  const checks: DoctorCheck[] = [];
  const sourcePromise = checkSource(p, io, logger);
  let temporal: compose.TemporalConnection | undefined;
  let skewMs: number | undefined;
  let uncertaintyMs = 0;
  try {
    try {
      await routeTemporalSdkLogs(logger, p.logFormat, io);
      temporal = await compose.connectTemporal(settings);
    } catch (err) {
      checks.push({
        id: 'temporal.reachable',
        status: 'fail',
        title: 'Temporal',
        detail: `cannot connect to ${settings.address} (namespace ${settings.namespace}): ${why(err)}`,
        fix: 'check --address / TEMPORAL_ADDRESS, TLS and TEMPORAL_API_KEY (or the envconfig profile)',
      });
    }
    if (temporal !== undefined) {
      const facts = await checkTemporal(p, settings, temporal);
      checks.push(...facts.checks);
      skewMs = facts.skewMs;
      uncertaintyMs = facts.uncertaintyMs ?? 0;
    }
    const source = await sourcePromise;
    checks.push(...(await checkCloud(io, source.plans)));
    checks.push(await checkSlack(io, p.sendTest, logger));
    checks.push(source.check);
    if (skewMs !== undefined) checks.push(clockLine(skewMs, uncertaintyMs));
    else if (temporal === undefined) checks.push({ id: 'clock', status: 'warn', title: 'Clock', detail: 'skew not measured (Temporal unreachable)' });
  } finally {
    await temporal?.close().catch(() => undefined);
  }
  const report = doctorReport(checks.map((c) => ({ ...c, detail: scrub(c.detail), ...(c.fix === undefined ? {} : { fix: scrub(c.fix) }) })));
  io.stdout(p.json ? formatDoctorJson(report) : formatDoctorText(report));
  return doctorExitCode(report);
};
