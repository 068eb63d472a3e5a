/**
 * LiveStore on real Temporal workflows: the namespaces' coordinators (one visibility list, one
 * status query each) and the window workflows a reconcile pass raises, extends, starts, releases
 * or cancels. Signal and query names come from the workflow contract (core/workflow-contract.ts).
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { coordinatorWorkflowId } from '../../core/capacity/window.js';
import { CapschedError } from '../../core/errors.js';
import type { LiveWindow } from '../../core/live/types.js';
import type { LiveStore } from '../../core/ports.js';
import { parseWindowId, type ActiveWindowStatus, type CoordinatorStatus } from '../../core/engine/index.js';
import { CAPACITY_CHANGE_WORKFLOW, COORDINATOR_WORKFLOW, LIVE_WIRE } from '../../core/workflow-contract.js';
import { scrub } from '../../log/index.js';
import { createRateLimiter } from './rate-limit.js';

export interface TemporalLiveStoreOptions {
  client: Client;
  /** How long a status query may take (a coordinator with no worker polling never answers). Default 5 s. */
  queryTimeoutMs?: number;
  /** Workflow RPCs per second (queries, describes, signals, starts). Default 25. */
  requestsPerSecond?: number;
}

function message(err: unknown): string {
  return scrub(err instanceof Error ? err.message : String(err))
    .split('\n')[0]!
    .slice(0, 300);
}

function keywordPairs(values: Partial<Record<string, string>>): SearchAttributePair[] {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ key: defineSearchAttributeKey(name, SearchAttributeType.KEYWORD), value }));
}

function transient(operation: string, err: unknown): CapschedError {
  return new CapschedError('LIVE_CALL_FAILED', `${operation} failed: ${message(err)}`, { retry: 'transient', cause: err });
}

export function toLiveWindow(w: ActiveWindowStatus): LiveWindow {
  const endMs = w.endTime === undefined ? null : Date.parse(w.endTime);
  return {
    ...parseWindowId(w.windowId),
    trus: w.trus,
    ...(Array.isArray(w.steps) ? { steps: w.steps.map((s) => ({ atMs: Date.parse(s.at), trus: s.trus })) } : {}),
    endMs: endMs === null || Number.isNaN(endMs) ? null : endMs,
    ...(w.plan === undefined ? {} : { plan: w.plan }),
    ...(w.commit === undefined ? {} : { commit: w.commit }),
    ...(w.installation === undefined ? {} : { installation: w.installation }),
    ...(w.startedLate === true ? { startedLate: true } : {}),
  };
}

export function createTemporalLiveStore(options: TemporalLiveStoreOptions): LiveStore {
  const { client } = options;
  const limiter = createRateLimiter(options.requestsPerSecond ?? 25);
  const queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    await limiter.take();
    try {
      return await fn();
    } catch (err) {
      throw transient(operation, err);
    }
  };

  return {
    async coordinatorNamespaces() {
      const out: string[] = [];
      const prefix = coordinatorWorkflowId('');
      await call('list coordinators', async () => {
        for await (const wf of client.workflow.list({ query: `WorkflowType = '${COORDINATOR_WORKFLOW}' AND ExecutionStatus = 'Running'`, pageSize: 1000 })) {
          if (wf.workflowId.startsWith(prefix)) out.push(wf.workflowId.slice(prefix.length));
        }
      });
      return [...new Set(out)].sort();
    },

    async runningRuns() {
      const coordinators: string[] = [];
      const runs: string[] = [];
      const prefix = coordinatorWorkflowId('');
      await call('list running coordinators and windows', async () => {
        const query = `(WorkflowType = '${COORDINATOR_WORKFLOW}' OR WorkflowType = '${CAPACITY_CHANGE_WORKFLOW}') AND ExecutionStatus = 'Running'`;
        for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
          if (wf.type === COORDINATOR_WORKFLOW && wf.workflowId.startsWith(prefix)) coordinators.push(wf.workflowId.slice(prefix.length));
          // A coordinator by its run, not its history length: its own re-verifications and the presents a pass tells it grow
          // that without changing what the live step reads (a window starting or ending changes the runs listed).
          runs.push(`${wf.workflowId}/${wf.runId}`);
        }
      });
      return { coordinators: [...new Set(coordinators)].sort(), runs: runs.sort() };
    },

    async coordinatorsChangedSince(sinceMs) {
      const out: string[] = [];
      const prefix = coordinatorWorkflowId('');
      const since = new Date(sinceMs).toISOString();
      await call('list changed coordinators', async () => {
        const query = `WorkflowType = '${COORDINATOR_WORKFLOW}' AND (ExecutionStatus = 'Running' OR CloseTime > '${since}')`;
        for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
          if (wf.workflowId.startsWith(prefix)) out.push(wf.workflowId.slice(prefix.length));
        }
      });
      return [...new Set(out)].sort();
    },

    async coordinatorRun(namespace) {
      await limiter.take();
      try {
        const d = await client.workflow.getHandle(coordinatorWorkflowId(namespace)).describe();
        return `${d.runId}@${d.historyLength}:${d.status.name}`;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw transient(`describe the coordinator of ${namespace}`, err);
      }
    },

    async readNamespace(namespace) {
      await limiter.take();
      try {
        const handle = client.workflow.getHandle(coordinatorWorkflowId(namespace));
        const status = await client.connection.withDeadline(Date.now() + queryTimeoutMs, () =>
          handle.query<CoordinatorStatus>(LIVE_WIRE.coordinatorStatusQuery),
        );
        return {
          namespace,
          effectiveTrus: status.effective.mode === 'provisioned' ? status.effective.trus : 0,
          phase: status.phase,
          windows: status.windows.map(toLiveWindow),
        };
      } catch (err) {
        // No coordinator (never ran, or finished): nothing is held.
        if (err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test(message(err)))
          return { namespace, effectiveTrus: 0, windows: [] };
        return { namespace, effectiveTrus: 0, windows: [], error: `coordinator status query failed: ${message(err)}` };
      }
    },

    async existingRuns(workflowIds) {
      const found = new Set<string>();
      for (const workflowId of workflowIds) {
        await limiter.take();
        try {
          await client.workflow.getHandle(workflowId).describe();
          found.add(workflowId);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) continue;
          throw transient(`describe ${workflowId}`, err);
        }
      }
      return found;
    },

    async setWindowTrus(namespace, windowId, trus, commit, steps) {
      await call('set window TRUs', () =>
        client.workflow
          .getHandle(coordinatorWorkflowId(namespace))
          .signal(LIVE_WIRE.setWindowTrusSignal, { windowId, trus, commit, ...(steps === undefined ? {} : { steps }) }),
      );
    },

    async setWindowEnd(workflowId, runId, endMs) {
      await call('set window end', () =>
        client.workflow.getHandle(workflowId, runId).signal(LIVE_WIRE.setEndTimeSignal, { endTime: new Date(endMs).toISOString() }),
      );
    },

    async pushPresent(namespace, present) {
      await call('push the present', () => client.workflow.getHandle(coordinatorWorkflowId(namespace)).signal(LIVE_WIRE.setBaselinesSignal, present));
    },

    async releaseWindow(namespace, windowId) {
      await call('release window', () =>
        client.workflow.getHandle(coordinatorWorkflowId(namespace)).signal(LIVE_WIRE.closeWindowSignal, { windowId, reason: 'cancelled' }),
      );
    },

    async cancelWindow(workflowId, runId, _reason) {
      await limiter.take();
      try {
        await client.workflow.getHandle(workflowId, runId).cancel();
      } catch (err) {
        // Already finished (it ended or another pass cancelled it): nothing left to cancel.
        if (err instanceof WorkflowNotFoundError || /already completed/i.test(message(err))) return;
        throw transient(`cancel ${workflowId}`, err);
      }
    },

    async startWindow(request) {
      await limiter.take();
      try {
        await client.workflow.start(request.workflowType, {
          workflowId: request.workflowId,
          taskQueue: request.taskQueue,
          args: [request.input],
          memo: request.memo,
          typedSearchAttributes: keywordPairs(request.searchAttributes),
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        return 'started';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'exists';
        throw transient(`start ${request.workflowId}`, err);
      }
    },
  };
}
