/**
 * `capsched change <namespace> <trus> [minutes]`: the seed's manual script. Starts the
 * capacity-change workflow on the worker's task queue, waits for it, prints the result.
 * Exit 0 when every step succeeded, 1 otherwise, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import protoPackage from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { formatDurationMs, parseDuration } from '../core/capacity/duration.js';
import { coordinatorWorkflowId } from '../core/capacity/window.js';
import { ExitCode } from '../core/errors.js';
import { CAPACITY_CHANGE_WORKFLOW, DEFAULT_TASK_QUEUE, type CapacityChangeInput, type CapacityChangeResult } from '../core/workflow-contract.js';
import { connectTemporal, readTemporalSettings } from '../config/temporal.js';
import { DEFAULT_TEMPORAL_UI_URL } from '../config/worker-settings.js';
import { scrub } from '../log/index.js';
import { workflowUrl } from '../temporal/activities/index.js';
import type { CapacityChangeStatus, CoordinatorStatus } from '../temporal/workflows/definitions.js';
import { POLL_MIN_MS, changeProgress, nextPollDelayMs, type ProgressObservation } from './change-progress.js';
import { clockOf } from './clock.js';
import type { CliIO, Command } from './io.js';
import { cliLogger, routeTemporalSdkLogs } from './log.js';

const HELP = `usage: capsched change <namespace> <trus> [minutes] [options]

Sets <namespace> to <trus> provisioned TRUs now; with [minutes], reverts it to on-demand after
that long. Starts the capacity-change workflow (a worker must be running: \`capsched worker\`,
\`capsched run\` or \`capsched dev\`), prints each step on stderr as it happens (raise
requested, applied, verified, waiting until HH:MM, revert requested, reverted, verified), waits
for it and prints the result.

options:
  --verify-delay D   wait before verifying each change (default 2m; e.g. 30s, 1m30s)
  --json             print the result object as JSON (and no progress lines)
  --task-queue Q     the worker's task queue (default capacity-management; env CAPSCHED_TASK_QUEUE)
  --workflow-id ID   workflow id (default capsched-change-<namespace>-<time>)
  --plan NAME        label shown in alerts (default "manual")
  --no-wait          start the workflow, print its id and exit 0
  --address, --namespace, --profile   Temporal connection (as for \`capsched worker\`)

examples:
  capsched change payments.a1b2c 4            # 4 TRUs, no automatic revert
  capsched change payments.a1b2c 4 90         # 4 TRUs for 90 minutes, then on-demand
  capsched change payments.a1b2c 8 30 --json  # print the result as JSON

exit codes: 0 every step succeeded, 1 a step failed (see errors), 2 usage error
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

/** One look at the run and its namespace's coordinator; undefined while the run cannot answer yet (no worker). */
async function observe(client: Client, handle: WorkflowHandle, namespace: string): Promise<ProgressObservation | undefined> {
  const query = <T>(h: WorkflowHandle): Promise<T | undefined> =>
    client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => h.query<T>('status')).catch(() => undefined);
  const status = await query<CapacityChangeStatus>(handle);
  if (status === undefined) return undefined;
  const coordinator =
    status.phase === 'raising' || status.phase === 'releasing'
      ? await query<CoordinatorStatus>(client.workflow.getHandle(coordinatorWorkflowId(namespace)))
      : undefined;
  return { phase: status.phase, result: status.result, endTime: status.endTime, effective: status.effective, coordinator };
}

/** Prints progress lines on stderr until `settled` resolves. */
async function followProgress(
  io: CliIO,
  client: Client,
  handle: WorkflowHandle,
  runId: string,
  input: CapacityChangeInput,
  settled: Promise<unknown>,
): Promise<(final: ProgressObservation | undefined) => void> {
  const progress = changeProgress({
    desiredTrus: input.desiredTrus,
    windowId: `${handle.workflowId}/${runId}`,
    hasEnd: input.endTime !== undefined,
    clock: clockOf(io.env, false),
  });
  const stamp = clockOf(io.env, true);
  const print = (o: ProgressObservation | undefined): boolean => {
    if (o === undefined) return false;
    const now = new Date().toISOString();
    const lines = progress.observe(o);
    for (const line of lines) io.stderr(`  ${stamp(now)} ${line}\n`);
    return lines.length > 0;
  };
  let finished = false;
  void settled.then(() => (finished = true));
  let delay = POLL_MIN_MS;
  while (!finished) {
    const o = await observe(client, handle, input.namespace);
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

export const changeCommand: Command = async (argv, io) => {
  let values: Record<string, string | boolean | undefined>;
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
        namespace: { type: 'string' },
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
  if (positionals.length < 2 || positionals.length > 3) return usage('expected <namespace> <trus> [minutes]');
  const [namespace = '', trusText = '', minutesText] = positionals;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(namespace)) return usage(`"${namespace}" is not a Temporal Cloud namespace id (e.g. payments.a1b2c)`);
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
      namespace: values.namespace as string | undefined,
      profile: values.profile as string | undefined,
    });
  } catch (err) {
    return usage(scrub(err instanceof Error ? err.message : String(err)));
  }
  const taskQueue = (values['task-queue'] as string | undefined) ?? io.env.CAPSCHED_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const now = Date.now();
  const input: CapacityChangeInput = { namespace, desiredTrus: trus, plan: (values.plan as string | undefined) ?? 'manual' };
  if (minutes !== undefined) input.endTime = new Date(now + Math.round(minutes * 60_000)).toISOString();
  if (verifyDelay !== undefined) input.verifyDelay = verifyDelay;
  const workflowId = (values['workflow-id'] as string | undefined) ?? `capsched-change-${namespace}-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  const uiBase = (io.env.CAPSCHED_TEMPORAL_UI_URL ?? '').trim() || DEFAULT_TEMPORAL_UI_URL;
  const link = workflowUrl(uiBase, temporalSettings.namespace, workflowId);

  let temporal;
  try {
    await routeTemporalSdkLogs(cliLogger(io, 'text'), 'text', io);
    temporal = await connectTemporal(temporalSettings);
  } catch (err) {
    io.stderr(`capsched change: cannot connect to Temporal at ${temporalSettings.address}: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.invalid;
  }
  try {
    const handle = await temporal.client.workflow.start(CAPACITY_CHANGE_WORKFLOW, { taskQueue, workflowId, args: [input] });
    io.stderr(`capsched change: started ${workflowId} on task queue ${taskQueue}\n  ${link}\n`);
    if (!(await hasWorkflowPollers(temporal.connection, temporal.namespace, taskQueue))) {
      io.stderr(
        `capsched change: warning: no worker is polling task queue ${taskQueue}; the change starts when one does (\`capsched worker\`, \`capsched run\` or \`capsched dev\`)\n`,
      );
    }
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
    const following = values.json === true ? undefined : followProgress(io, temporal.client, handle, handle.firstExecutionRunId, input, settled);
    try {
      result = await resultPromise;
      // The last steps: from the finished run's status (its worker still answers), else from the result.
      const print = await following;
      if (print !== undefined) {
        const last = await observe(temporal.client, handle, namespace);
        print(last ?? { phase: changeSucceeded(result, input.endTime !== undefined) ? 'done' : 'failed', result, endTime: input.endTime });
      }
    } catch (err) {
      await following?.catch(() => undefined);
      const why =
        err instanceof WorkflowFailedError
          ? `${err.message}${err.cause !== undefined ? `: ${err.cause.message}` : ''}`
          : err instanceof Error
            ? err.message
            : String(err);
      io.stderr(`capsched change: the workflow did not complete: ${scrub(why)}\n  ${link}\n`);
      return ExitCode.invalid;
    }
    io.stdout(values.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result, input, link));
    return changeSucceeded(result, input.endTime !== undefined) ? ExitCode.ok : ExitCode.invalid;
  } catch (err) {
    io.stderr(`capsched change: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.invalid;
  } finally {
    await temporal.close().catch(() => undefined);
  }
};
