/**
 * A window and its namespace's coordinator: join it (starting it when none runs) and check that
 * it answers (a stuck coordinator is one no worker polls).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import protoPackage from '@temporalio/proto';
import { DEFAULT_COORDINATOR_CHECK_MS, DEFAULT_REVERIFY_INTERVAL_MS, coordinatorWorkflowIdFor } from '../../core/capacity/window.js';
import { CAPACITY_COORDINATOR_WORKFLOW, coordinatorStatusQuery, openWindowSignal } from '../workflows/definitions.js';
import { failureText, toFailure, type ActivityRuntime } from './runtime.js';
import type { CheckCoordinatorRequest, CheckCoordinatorResult, JoinCoordinatorRequest, JoinCoordinatorResult } from './types.js';

const { temporal } = protoPackage;

export function coordinationActivities(rt: ActivityRuntime) {
  const { context, refuse, settings, client } = rt;
  return {
    /**
     * Hands a window to its namespace's coordinator, starting the coordinator when none runs. The
     * window's own worker settings bind its ask: a namespace its allow/deny lists refuse is refused
     * here, and a dry-run worker's windows join the namespace's dry-run coordinator.
     */
    async joinCoordinator(req: JoinCoordinatorRequest): Promise<JoinCoordinatorResult> {
      const { log } = context();
      refuse(req.namespace, log);
      const workflowId = coordinatorWorkflowIdFor(req.namespace, settings.dryRun);
      try {
        if (req.replace !== undefined && req.replace.coordinatorId === workflowId) {
          try {
            await client().workflow.getHandle(workflowId, req.replace.runId).terminate(req.replace.reason);
            log.warn({ namespace: req.namespace, coordinator: workflowId, runId: req.replace.runId }, 'stuck coordinator terminated');
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        }
        await client().workflow.signalWithStart(CAPACITY_COORDINATOR_WORKFLOW, {
          workflowId,
          taskQueue: req.taskQueue,
          args: [
            {
              namespace: req.namespace,
              dryRun: settings.dryRun,
              reverifyIntervalMs: settings.reverifyIntervalMs ?? DEFAULT_REVERIFY_INTERVAL_MS,
              // A coordinator that lost its windows keeps the namespace's capacity until they re-join: their check interval and a minute.
              rejoinHoldMs: (settings.coordinatorCheckMs ?? DEFAULT_COORDINATOR_CHECK_MS) + 60_000,
              reverifySelfHeal: settings.reverifySelfHeal ?? true,
            },
          ],
          signal: openWindowSignal,
          signalArgs: [{ ...req.window, dryRun: settings.dryRun }],
        });
        log.info(
          { namespace: req.namespace, coordinator: workflowId, windowId: req.window.windowId, trus: req.window.trus, rejoin: req.window.rejoin === true },
          'window handed to the namespace coordinator',
        );
        return { coordinatorId: workflowId, dryRun: settings.dryRun, checkEveryMs: settings.coordinatorCheckMs ?? DEFAULT_COORDINATOR_CHECK_MS };
      } catch (err) {
        throw toFailure(err);
      }
    },

    /** Is the window's coordinator running, answering, and does it know the window? (Never changes anything.) */
    async checkCoordinator(req: CheckCoordinatorRequest): Promise<CheckCoordinatorResult> {
      const { log } = context();
      const handle = client().workflow.getHandle(req.coordinatorId);
      let runId: string | undefined;
      let taskQueue: string | undefined;
      try {
        const d = await handle.describe();
        runId = d.runId;
        taskQueue = d.taskQueue;
        if (d.status.name !== 'RUNNING') return { state: 'gone', runId, taskQueue, detail: `the coordinator's last run is ${d.status.name}` };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { state: 'gone', detail: 'no coordinator workflow' };
        throw toFailure(err);
      }
      try {
        const timeoutMs = settings.coordinatorQueryTimeoutMs ?? 5_000;
        const status = await client().withDeadline(Date.now() + timeoutMs, () => handle.query(coordinatorStatusQuery));
        if (status.knows === undefined) return { state: 'known', runId, taskQueue };
        if (status.knows.includes(req.windowId)) return { state: 'known', runId, taskQueue };
        if ((status.closed ?? []).includes(req.windowId)) return { state: 'closed', runId, taskQueue };
        return { state: 'unknown', runId, taskQueue, detail: 'the running coordinator does not know the window' };
      } catch (err) {
        const detail = `the coordinator did not answer a status query: ${failureText(err)}`;
        let pollers: number | undefined;
        try {
          const tq = await client().workflowService.describeTaskQueue({
            namespace: client().options.namespace,
            taskQueue: { name: taskQueue ?? '', kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          });
          pollers = tq.pollers?.length ?? 0;
        } catch (tqErr) {
          log.warn({ coordinator: req.coordinatorId, err: tqErr }, 'task queue of the coordinator could not be described');
        }
        if (pollers === 0) {
          log.warn({ coordinator: req.coordinatorId, runId, taskQueue }, 'coordinator stuck: no worker polls its task queue');
          return { state: 'stuck', runId, taskQueue, detail: `${detail}; no worker polls its task queue ${taskQueue ?? '?'}` };
        }
        log.warn({ coordinator: req.coordinatorId, runId, taskQueue, pollers }, 'coordinator did not answer; workers poll its queue, waiting');
        return { state: 'unanswered', runId, taskQueue, detail };
      }
    },
  };
}
