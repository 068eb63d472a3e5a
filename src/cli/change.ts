/**
 * `capsched change <namespace>[,<namespace>…] <trus> [minutes]`: the seed's manual script. Starts
 * the capacity-change workflow on the worker's task queue — one run per namespace, started
 * together, each with its own coordinator — waits for them, prints the result (per namespace
 * when several are given; docs/decisions/1402-change-several-namespaces.md).
 * Exit 0 when every step of every namespace succeeded, 1 otherwise, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import protoPackage from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { formatDurationMs, parseDuration } from '../core/capacity/duration.js';
import { windowIdOf } from '../core/engine/index.js';
import type { LiveStore } from '../core/ports.js';
import * as compose from '../compose.js';
import { ExitCode } from '../core/errors.js';
import { CAPACITY_CHANGE_WORKFLOW, DEFAULT_TASK_QUEUE, type CapacityChangeInput, type CapacityChangeResult } from '../core/workflow-contract.js';
import { readTemporalSettings } from '../config/temporal.js';
import { DEFAULT_TEMPORAL_UI_URL } from '../config/worker-settings.js';
import { scrub } from '../log/index.js';
import { workflowUrl } from '../temporal/activities/index.js';
import type { CapacityChangeStatus } from '../temporal/workflows/definitions.js';
import { POLL_MIN_MS, changeProgress, nextPollDelayMs, type ProgressObservation } from './change-progress.js';
import { clockOf } from './clock.js';
import type { CliIO, Command } from './io.js';
import { cliLogger, routeTemporalSdkLogs } from './log.js';

const HELP = `usage: capsched change <namespace>[,<namespace>...] <trus> [minutes] [options]

Sets <namespace> to <trus> provisioned TRUs now; with [minutes], reverts it to on-demand after
that long. Starts the capacity-change workflow (a worker must be running: \`capsched worker\`,
\`capsched run\` or \`capsched dev\`), prints each step on stderr as it happens (raise
requested, applied, verified, waiting until HH:MM, revert requested, reverted, verified), waits
for it and prints the result.

Several Temporal Cloud namespaces: a comma list (payments.a1b2c,orders.a1b2c). Each gets its
own run, started together; one namespace's failure never stops another's raise or revert.
Progress lines start with the namespace; the result is reported per namespace plus "overall".

options:
  --verify-delay D   wait before verifying each change (default 2m; e.g. 30s, 1m30s)
  --json             print the result object as JSON (and no progress lines); with several
                     namespaces: {"ok", "trus", "endTime", "namespaces": {"<id>": result}}
  --task-queue Q     the worker's task queue (default capacity-management; env CAPSCHED_TASK_QUEUE)
  --workflow-id ID   workflow id (default capsched-change-<namespace>-<time>; with several
                     namespaces, ID-<namespace> for each)
  --plan NAME        label shown in alerts (default "manual")
  --no-wait          start the workflow(s), print the id(s) and exit 0
  --address, --namespace, --profile   Temporal connection (as for \`capsched worker\`): --namespace
                     is the Temporal namespace the worker runs in, given once, not a Cloud
                     namespace whose capacity changes

examples:
  capsched change payments.a1b2c 4            # 4 TRUs, no automatic revert
  capsched change payments.a1b2c 4 90         # 4 TRUs for 90 minutes, then on-demand
  capsched change payments.a1b2c 8 30 --json  # print the result as JSON
  capsched change payments.a1b2c,orders.a1b2c 8 90   # both namespaces, 8 TRUs for 90 minutes

exit codes: 0 every step succeeded (for every namespace), 1 a step failed (see errors), 2 usage error
`;

/** Whether any worker polls the task queue for workflow tasks (true when it cannot tell). */
async function hasWorkflowPollers(connection: NativeConnection, namespace: string, taskQueue: string): Promise<boolean> {
  try {
    const res = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: protoPackage.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (res.pollers ?? []).length > 0;
  } catch {
    return true;
  }
}

const QUERY_DEADLINE_MS = 5_000;

/** One look at the run and (through the LiveStore port) its namespace's coordinator; undefined while the run cannot answer yet (no worker). */
async function observe(client: Client, live: LiveStore, handle: WorkflowHandle, namespace: string): Promise<ProgressObservation | undefined> {
  const status = await client.connection
    .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query<CapacityChangeStatus>('status'))
    .catch(() => undefined);
  if (status === undefined) return undefined;
  const state = status.phase === 'raising' || status.phase === 'releasing' ? await live.readNamespace(namespace).catch(() => undefined) : undefined;
  const coordinator =
    state === undefined || state.error !== undefined || state.phase === undefined
      ? undefined
      : {
          phase: state.phase,
          effective: state.effectiveTrus > 0 ? ({ mode: 'provisioned', trus: state.effectiveTrus } as const) : ({ mode: 'onDemand' } as const),
          windows: state.windows,
        };
  return { phase: status.phase, result: status.result, endTime: status.endTime, effective: status.effective, coordinator };
}

/** Prints progress lines on stderr until `settled` resolves. */
async function followProgress(
  io: CliIO,
  client: Client,
  live: LiveStore,
  handle: WorkflowHandle,
  runId: string,
  input: CapacityChangeInput,
  settled: Promise<unknown>,
  prefix = '',
): Promise<(final: ProgressObservation | undefined) => void> {
  const progress = changeProgress({
    desiredTrus: input.desiredTrus,
    windowId: windowIdOf(handle.workflowId, runId),
    hasEnd: input.endTime !== undefined,
    clock: clockOf(io.env, false),
  });
  const stamp = clockOf(io.env, true);
  const print = (o: ProgressObservation | undefined): boolean => {
    if (o === undefined) return false;
    const now = new Date().toISOString();
    const lines = progress.observe(o);
    for (const line of lines) io.stderr(`  ${stamp(now)} ${prefix}${line}\n`);
    return lines.length > 0;
  };
  let finished = false;
  void settled.then(() => (finished = true));
  let delay = POLL_MIN_MS;
  while (!finished) {
    const o = await observe(client, live, handle, input.namespace);
    const printed = !finished && print(o);
    delay = nextPollDelayMs(o, printed, delay, Date.now());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, delay)))]);
    clearTimeout(timer);
  }
  return (o) => void print(o);
}

/** True when every step the run attempted succeeded. */
export function changeSucceeded(result: CapacityChangeResult, hasEnd: boolean): boolean {
  if (!result.initialChangeSuccess || !result.verificationSuccess || result.errors.length > 0) return false;
  return !hasEnd || result.revertVerificationSuccess;
}

function mark(ok: boolean): string {
  return ok ? '✓' : '✗';
}

export function formatResult(result: CapacityChangeResult, input: CapacityChangeInput, link: string): string {
  const lines: string[] = [];
  const dry = result.dryRun === true ? ' [dry run: nothing was changed]' : '';
  lines.push(
    `capacity change for ${result.namespace}: ${input.desiredTrus} TRUs${input.endTime !== undefined ? ` until ${input.endTime}` : ' (no automatic revert)'}${dry}`,
  );
  lines.push(`  ${mark(result.initialChangeSuccess)} set ${input.desiredTrus} TRUs`);
  lines.push(`  ${mark(result.verificationSuccess)} verified provisioned capacity`);
  if (input.endTime !== undefined) {
    let released: string;
    if (result.revertedToOnDemand)
      released = result.revertVerificationSuccess ? 'reverted to on-demand and verified' : 'reverted to on-demand, but not verified';
    else if (result.revertVerificationSuccess) released = 'window released; another active window still holds capacity (verified)';
    else released = result.initialChangeSuccess ? 'revert failed' : 'no revert needed (nothing was changed)';
    lines.push(`  ${result.initialChangeSuccess ? mark(result.revertVerificationSuccess) : '-'} ${released}`);
  }
  for (const e of result.errors) lines.push(`  error: ${e}`);
  lines.push(`  workflow: ${link}`);
  return `${lines.join('\n')}\n`;
}

/** One namespace's outcome in a change of several: the seed's result fields, whether all its steps succeeded, its run. */
export interface NamespaceChangeOutcome extends CapacityChangeResult {
  ok: boolean;
  workflowId: string;
  url: string;
}

/** `--json` of a change of several namespaces (one namespace keeps the plain CapacityChangeResult). */
export interface MultiChangeResult {
  /** True when every namespace's every step succeeded (the exit code is 0 exactly then). */
  ok: boolean;
  trus: number;
  endTime?: string;
  /** Per namespace, in the order given. */
  namespaces: Record<string, NamespaceChangeOutcome>;
}

/** A namespace list as given on the command line (`a,b`), or the usage error that names the bad entry. */
export function parseNamespaceList(text: string): { ok: true; namespaces: string[] } | { ok: false; message: string } {
  const namespaces: string[] = [];
  for (const raw of text.split(',')) {
    const id = raw.trim();
    if (id === '') return { ok: false, message: `"${text}" has an empty namespace id (a comma list: payments.a1b2c,orders.a1b2c)` };
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) return { ok: false, message: `"${id}" is not a Temporal Cloud namespace id (e.g. payments.a1b2c)` };
    if (namespaces.includes(id)) return { ok: false, message: `namespace ${id} is given twice` };
    namespaces.push(id);
  }
  return { ok: true, namespaces };
}

/** A run that did not give a result (not started, failed, terminated): nothing is known to have succeeded beyond what its status showed. */
function incompleteResult(namespace: string, last: ProgressObservation | undefined, error: string): CapacityChangeResult {
  const r = last?.result;
  return {
    namespace,
    initialChangeSuccess: r?.initialChangeSuccess ?? false,
    verificationSuccess: r?.verificationSuccess ?? false,
    revertedToOnDemand: r?.revertedToOnDemand ?? false,
    revertVerificationSuccess: r?.revertVerificationSuccess ?? false,
    errors: [...(r?.errors ?? []), error],
  };
}

function failureText(err: unknown): string {
  return scrub(
    err instanceof WorkflowFailedError
      ? `${err.message}${err.cause !== undefined ? `: ${err.cause.message}` : ''}`
      : err instanceof Error
        ? err.message
        : String(err),
  );
}

export function formatOverall(outcomes: NamespaceChangeOutcome[]): string {
  const failed = outcomes.filter((o) => !o.ok).map((o) => o.namespace);
  return failed.length === 0
    ? `overall: ✓ all ${outcomes.length} namespaces succeeded\n`
    : `overall: ✗ ${failed.length} of ${outcomes.length} namespaces failed: ${failed.join(', ')}\n`;
}

export const changeCommand: Command = async (argv, io) => {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        'verify-delay': { type: 'string' },
        json: { type: 'boolean' },
        'task-queue': { type: 'string' },
        'workflow-id': { type: 'string' },
        plan: { type: 'string' },
        'no-wait': { type: 'boolean' },
        address: { type: 'string' },
        // Collected to refuse a repeat: it is the one Temporal namespace of the connection, and taking the last of several silently would be wrong.
        namespace: { type: 'string', multiple: true },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    io.stderr(`capsched change: ${(err as Error).message}\n\n${HELP}`);
    return ExitCode.usage;
  }
  if (values.help === true) {
    io.stdout(HELP);
    return ExitCode.ok;
  }
  const usage = (message: string): number => {
    io.stderr(`capsched change: ${message}\n\n${HELP}`);
    return ExitCode.usage;
  };
  const temporalNamespaces = (values.namespace as string[] | undefined) ?? [];
  if (temporalNamespaces.length > 1) {
    return usage(
      `--namespace is the Temporal namespace to connect to and is given once (got ${temporalNamespaces.join(', ')}); to change several Temporal Cloud namespaces, list them comma-separated: capsched change ${temporalNamespaces.join(',')} <trus> [minutes]`,
    );
  }
  if (positionals.length < 2 || positionals.length > 3) return usage('expected <namespace>[,<namespace>...] <trus> [minutes]');
  const [namespaceText = '', trusText = '', minutesText] = positionals;
  const list = parseNamespaceList(namespaceText);
  if (!list.ok) return usage(list.message);
  const namespaces = list.namespaces;
  const several = namespaces.length > 1;
  const trus = Number(trusText);
  if (!/^\d+(\.\d+)?$/.test(trusText) || !(trus > 0)) return usage(`<trus> must be a positive number, got "${trusText}"`);
  let minutes: number | undefined;
  if (minutesText !== undefined) {
    minutes = Number(minutesText);
    if (!/^\d+(\.\d+)?$/.test(minutesText) || !(minutes > 0)) return usage(`[minutes] must be a positive number, got "${minutesText}"`);
  }
  const verifyDelayText = values['verify-delay'] as string | undefined;
  let verifyDelay: string | undefined;
  if (verifyDelayText !== undefined) {
    const parsed = parseDuration(verifyDelayText);
    if (!parsed.ok) return usage(`--verify-delay ${parsed.message}`);
    // The workflow input carries the canonical spelling (1.5m → 1m30s), which every worker version reads.
    verifyDelay = formatDurationMs(parsed.ms);
  }

  let temporalSettings;
  try {
    temporalSettings = readTemporalSettings(io.env, {
      address: values.address as string | undefined,
      namespace: temporalNamespaces[0],
      profile: values.profile as string | undefined,
    });
  } catch (err) {
    return usage(scrub(err instanceof Error ? err.message : String(err)));
  }
  const taskQueue = (values['task-queue'] as string | undefined) ?? io.env.CAPSCHED_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const now = Date.now();
  const endTime = minutes === undefined ? undefined : new Date(now + Math.round(minutes * 60_000)).toISOString();
  const uiBase = (io.env.CAPSCHED_TEMPORAL_UI_URL ?? '').trim() || DEFAULT_TEMPORAL_UI_URL;
  const givenId = values['workflow-id'] as string | undefined;
  const runs = namespaces.map((namespace) => {
    const input: CapacityChangeInput = { namespace, desiredTrus: trus, plan: (values.plan as string | undefined) ?? 'manual' };
    if (endTime !== undefined) input.endTime = endTime;
    if (verifyDelay !== undefined) input.verifyDelay = verifyDelay;
    const workflowId =
      givenId === undefined
        ? `capsched-change-${namespace}-${new Date(now).toISOString().replace(/[:.]/g, '-')}`
        : several
          ? `${givenId}-${namespace}`
          : givenId;
    return { namespace, input, workflowId, link: workflowUrl(uiBase, temporalSettings.namespace, workflowId) };
  });

  let temporal;
  try {
    await routeTemporalSdkLogs(cliLogger(io, 'text'), 'text', io);
    temporal = await compose.connectTemporal(temporalSettings);
  } catch (err) {
    io.stderr(`capsched change: cannot connect to Temporal at ${temporalSettings.address}: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.invalid;
  }
  const client = temporal.client;
  const live = compose.liveStore(client, { queryTimeoutMs: QUERY_DEADLINE_MS });
  const warnIfNoWorker = async (): Promise<void> => {
    if (!(await hasWorkflowPollers(temporal.connection, temporal.namespace, taskQueue))) {
      io.stderr(
        `capsched change: warning: no worker is polling task queue ${taskQueue}; the change starts when one does (\`capsched worker\`, \`capsched run\` or \`capsched dev\`)\n`,
      );
    }
  };
  try {
    if (!several) {
      const [{ namespace, input, workflowId, link }] = runs as [(typeof runs)[number]];
      const handle = await client.workflow.start(CAPACITY_CHANGE_WORKFLOW, { taskQueue, workflowId, args: [input] });
      io.stderr(`capsched change: started ${workflowId} on task queue ${taskQueue}\n  ${link}\n`);
      await warnIfNoWorker();
      if (values['no-wait'] === true) {
        if (values.json === true) io.stdout(`${JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, url: link })}\n`);
        return ExitCode.ok;
      }
      let result: CapacityChangeResult;
      const resultPromise = handle.result() as Promise<CapacityChangeResult>;
      const settled = resultPromise.then(
        () => undefined,
        () => undefined,
      );
      const following = values.json === true ? undefined : followProgress(io, client, live, handle, handle.firstExecutionRunId, input, settled);
      try {
        result = await resultPromise;
        // The last steps: from the finished run's status (its worker still answers), else from the result.
        const print = await following;
        if (print !== undefined) {
          const last = await observe(client, live, handle, namespace);
          print(last ?? { phase: changeSucceeded(result, input.endTime !== undefined) ? 'done' : 'failed', result, endTime: input.endTime });
        }
      } catch (err) {
        await following?.catch(() => undefined);
        io.stderr(`capsched change: the workflow did not complete: ${failureText(err)}\n  ${link}\n`);
        return ExitCode.invalid;
      }
      io.stdout(values.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result, input, link));
      return changeSucceeded(result, input.endTime !== undefined) ? ExitCode.ok : ExitCode.invalid;
    }

    // Several namespaces: all runs start together; each is followed and settled on its own, so one
    // that cannot start or fails never holds back another's progress, result or revert.
    const width = Math.max(...namespaces.map((n) => n.length));
    const started = await Promise.all(
      runs.map(async (run) => {
        try {
          const handle = await client.workflow.start(CAPACITY_CHANGE_WORKFLOW, { taskQueue, workflowId: run.workflowId, args: [run.input] });
          io.stderr(`capsched change: started ${run.workflowId} on task queue ${taskQueue}\n  ${run.link}\n`);
          return { ...run, handle, startError: undefined };
        } catch (err) {
          const why = failureText(err);
          io.stderr(`capsched change: ${run.namespace}: not started: ${why}\n`);
          return { ...run, handle: undefined, startError: `not started: ${why}` };
        }
      }),
    );
    await warnIfNoWorker();
    if (values['no-wait'] === true) {
      if (values.json === true) {
        const out: Record<string, { workflowId: string; runId?: string; url: string; error?: string }> = {};
        for (const r of started)
          out[r.namespace] = {
            workflowId: r.workflowId,
            ...(r.handle !== undefined ? { runId: r.handle.firstExecutionRunId } : {}),
            url: r.link,
            ...(r.startError !== undefined ? { error: r.startError } : {}),
          };
        io.stdout(`${JSON.stringify({ ok: started.every((r) => r.handle !== undefined), namespaces: out }, null, 2)}\n`);
      }
      return started.every((r) => r.handle !== undefined) ? ExitCode.ok : ExitCode.invalid;
    }
    const outcomes = await Promise.all(
      started.map(async (run): Promise<NamespaceChangeOutcome> => {
        const base = { workflowId: run.workflowId, url: run.link };
        if (run.handle === undefined) return { ...incompleteResult(run.namespace, undefined, run.startError ?? 'not started'), ok: false, ...base };
        const handle = run.handle;
        const resultPromise = handle.result() as Promise<CapacityChangeResult>;
        const settled = resultPromise.then(
          () => undefined,
          () => undefined,
        );
        const prefix = `${`${run.namespace}:`.padEnd(width + 1)} `;
        const following = values.json === true ? undefined : followProgress(io, client, live, handle, handle.firstExecutionRunId, run.input, settled, prefix);
        try {
          const result = await resultPromise;
          const print = await following;
          if (print !== undefined) {
            const last = await observe(client, live, handle, run.namespace);
            print(last ?? { phase: changeSucceeded(result, endTime !== undefined) ? 'done' : 'failed', result, endTime });
          }
          return { ...result, ok: changeSucceeded(result, endTime !== undefined), ...base };
        } catch (err) {
          await following?.catch(() => undefined);
          const why = `the workflow did not complete: ${failureText(err)}`;
          io.stderr(`capsched change: ${run.namespace}: ${why}\n  ${run.link}\n`);
          return { ...incompleteResult(run.namespace, await observe(client, live, handle, run.namespace), why), ok: false, ...base };
        }
      }),
    );
    const ok = outcomes.every((o) => o.ok);
    if (values.json === true) {
      const multi: MultiChangeResult = { ok, trus, ...(endTime !== undefined ? { endTime } : {}), namespaces: {} };
      for (const o of outcomes) multi.namespaces[o.namespace] = o;
      io.stdout(`${JSON.stringify(multi, null, 2)}\n`);
    } else {
      const shown = (namespace: string): CapacityChangeInput => ({ namespace, desiredTrus: trus, ...(endTime !== undefined ? { endTime } : {}) });
      io.stdout(`${outcomes.map((o) => formatResult(o, shown(o.namespace), o.url)).join('')}${formatOverall(outcomes)}`);
    }
    return ok ? ExitCode.ok : ExitCode.invalid;
  } catch (err) {
    io.stderr(`capsched change: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.invalid;
  } finally {
    await temporal.close().catch(() => undefined);
  }
};
