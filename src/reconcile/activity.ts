/**
 * The reconcilePass activity the reconciler workflow (src/temporal/workflows/reconciler.ts) runs:
 * one runPass that heartbeats from progress, honours cancellation and is fenced, so a hung or
 * resumed old pass can never write over a newer one.
 *
 * - Heartbeats come from progress (after a quiet first third of the heartbeat timeout: each one is
 *   a billed Action, and most passes end well before): every schedule-store call (before and after),
 *   and, during the two steps that have their own deadline (the source snapshot: git's fetch
 *   deadline; each alert: the notifier's total timeout), a timer bounded by that step's budget. A pass
 *   stuck anywhere stops heartbeating, the server times it out after the heartbeat timeout, and the
 *   reconciler runs the next pass (on any daemon) instead of waiting for the 15-minute timeout.
 * - Every write (create, update, delete, cancel) and every alert first checks the activity's
 *   cancellation signal (server cancel, heartbeat timeout seen by the worker, worker shutdown), then
 *   asks the server whether this pass is still the reconciler run's pending activity. A pass that
 *   was timed out (and so possibly followed by a newer pass) or whose run closed writes nothing: the
 *   write fails with PASS_SUPERSEDED, and its alerts are dropped.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { CapschedError } from '../core/errors.js';
import type { Alert, LiveStore, Notifier, PlanSource, ScheduleStore } from '../core/ports.js';
import type { ReconcilerActivities } from '../core/reconciler-contract.js';
import type { NamespacePresent } from '../core/engine/types.js';
import { runPass, type PassDeps } from './pass.js';

/** Which pass the activity is: the reconciler run and the activity id the server knows it by. */
export interface PassIdentity {
  workflowId: string;
  runId: string;
  activityId: string;
}

export interface ReconcilerActivityOptions {
  heartbeatTimeoutMs: number;
  /**
   * Whether this pass is still the reconciler run's pending activity, as the server says (a
   * DescribeWorkflowExecution: pending activities). Omitted: only the cancellation signal fences.
   */
  isCurrentPass?: (pass: PassIdentity) => Promise<boolean>;
  /** How long the source snapshot may heartbeat without other progress (default 90 s: git's 60 s fetch deadline plus local reads). */
  sourceBudgetMs?: number;
  /** Same for one alert (default 30 s: the Slack notifier gives up after 20 s). */
  alertBudgetMs?: number;
}

/** The fence the daemon uses: the server still has this pass as the open reconciler run's pending activity. */
export function pendingPassCheck(client: Client): (pass: PassIdentity) => Promise<boolean> {
  return async (pass) => {
    const described = await client.workflow.getHandle(pass.workflowId, pass.runId).describe();
    return described.status.name === 'RUNNING' && (described.raw.pendingActivities ?? []).some((a) => a.activityId === pass.activityId);
  };
}

/** The code of a write refused because the pass was superseded. */
export const PASS_SUPERSEDED = 'PASS_SUPERSEDED';

export function createReconcilerActivities(deps: PassDeps, options: ReconcilerActivityOptions): ReconcilerActivities {
  return {
    reconcilePass: async (previous) => {
      const context = Context.current();
      const info = context.info;
      const execution = info.workflowExecution;
      const pass: PassIdentity | undefined =
        execution === undefined ? undefined : { workflowId: execution.workflowId, runId: execution.runId, activityId: info.activityId };
      const signal = context.cancellationSignal;
      const log = deps.logger.child({ component: 'reconcile', installation: deps.installation, activityId: info.activityId });
      // Every heartbeat that reaches the server is a billed Action. The server times a pass out after
      // heartbeatTimeoutMs without one, counted from the start too, so a pass stays quiet for its
      // first third: a quick pass (most are well under a second) sends none, a slow or stuck one is
      // still handed over after the same timeout. Writes never rely on heartbeats: the fence asks the server.
      const startedAt = Date.now();
      const quietMs = Math.floor(options.heartbeatTimeoutMs / 3);
      const heartbeat = (): void => {
        if (!signal.aborted && Date.now() - startedAt >= quietMs) context.heartbeat();
      };
      const tick = Math.max(100, Math.min(5_000, options.heartbeatTimeoutMs / 4));
      /** Runs one step with its own deadline: heartbeats on a timer, but never for longer than budgetMs. */
      const bounded = async <T>(budgetMs: number, fn: () => Promise<T>): Promise<T> => {
        heartbeat();
        const started = Date.now();
        const timer = setInterval(() => {
          if (Date.now() - started < budgetMs) heartbeat();
        }, tick);
        try {
          return await fn();
        } finally {
          clearInterval(timer);
          heartbeat();
        }
      };
      const progress = async <T>(fn: () => Promise<T>): Promise<T> => {
        heartbeat();
        try {
          return await fn();
        } finally {
          heartbeat();
        }
      };
      /** Throws PASS_SUPERSEDED unless this pass may still write. */
      const fence = async (what: string): Promise<void> => {
        const refuse = (why: string): CapschedError => {
          log.warn({ what, why }, 'reconcile pass superseded: write refused');
          return new CapschedError(PASS_SUPERSEDED, `this reconcile pass was superseded (${why}); ${what} not written`, { retry: 'terminal' });
        };
        if (signal.aborted) throw refuse(`cancelled: ${String(signal.reason instanceof Error ? signal.reason.message : signal.reason)}`);
        if (options.isCurrentPass === undefined || pass === undefined) return;
        let current: boolean;
        try {
          current = await options.isCurrentPass(pass);
        } catch (err) {
          // Fail closed: a pass that cannot prove it is current does not write.
          throw new CapschedError(
            PASS_SUPERSEDED,
            `cannot confirm this reconcile pass is still current (${err instanceof Error ? err.message : String(err)}); ${what} not written`,
            { retry: 'transient', cause: err },
          );
        }
        if (signal.aborted) throw refuse('cancelled');
        if (!current) throw refuse('the reconciler no longer waits for it: it timed out or its run closed');
      };
      const store: ScheduleStore = {
        list: (installation) => progress(() => deps.store.list(installation)),
        describe: (id) => progress(() => deps.store.describe(id)),
        runningWindows: (id) => progress(() => deps.store.runningWindows(id)),
        create: (desired) => progress(async () => (await fence(`create ${desired.scheduleId}`), deps.store.create(desired))),
        update: (desired) => progress(async () => (await fence(`update ${desired.scheduleId}`), deps.store.update(desired))),
        delete: (id) => progress(async () => (await fence(`delete ${id}`), deps.store.delete(id))),
        cancelWorkflow: (id, reason) => progress(async () => (await fence(`cancel ${id}`), deps.store.cancelWorkflow(id, reason))),
      };
      const source: PlanSource = {
        describe: () => deps.source.describe(),
        snapshot: () => bounded(options.sourceBudgetMs ?? 90_000, () => deps.source.snapshot()),
      };
      const notifier: Notifier = {
        ...deps.notifier,
        notify: (alert: Alert) =>
          bounded(options.alertBudgetMs ?? 30_000, async () => {
            try {
              await fence(`alert "${alert.title}"`);
            } catch {
              return; // a superseded pass's view is stale: its alerts are the newer pass's to send
            }
            await deps.notifier.notify(alert);
          }),
      };
      // The live step is fenced like the schedule writes (issue #20 defect 4): a superseded pass starts, raises, extends or
      // releases no window from its older commit; its reads heartbeat.
      const live: LiveStore | undefined =
        deps.live === undefined
          ? undefined
          : (() => {
              const l = deps.live;
              return {
                coordinatorNamespaces: () => progress(() => l.coordinatorNamespaces()),
                readNamespace: (namespace: string) => progress(() => l.readNamespace(namespace)),
                existingRuns: (ids: readonly string[]) => progress(() => l.existingRuns(ids)),
                ...(l.runningRuns === undefined ? {} : { runningRuns: () => progress(() => (l.runningRuns as NonNullable<LiveStore['runningRuns']>).call(l)) }),
                setWindowTrus: (namespace, windowId, trus, commit, steps) =>
                  progress(async () => (await fence(`set ${trus} TRUs on ${windowId}`), l.setWindowTrus(namespace, windowId, trus, commit, steps))),
                setWindowEnd: (workflowId, runId, endMs) =>
                  progress(async () => (await fence(`move the end of ${workflowId}`), l.setWindowEnd(workflowId, runId, endMs))),
                ...(l.pushPresent === undefined
                  ? {}
                  : {
                      pushPresent: (namespace: string, present: NamespacePresent) =>
                        progress(
                          async () => (
                            await fence(`tell ${namespace} its present`),
                            (l.pushPresent as NonNullable<LiveStore['pushPresent']>).call(l, namespace, present)
                          ),
                        ),
                    }),
                releaseWindow: (namespace, windowId) => progress(async () => (await fence(`release ${windowId}`), l.releaseWindow(namespace, windowId))),
                cancelWindow: (workflowId, runId, reason) =>
                  progress(async () => (await fence(`cancel ${workflowId}`), l.cancelWindow(workflowId, runId, reason))),
                startWindow: (request) => progress(async () => (await fence(`start ${request.workflowId}`), l.startWindow(request))),
              } satisfies LiveStore;
            })();
      return await runPass({ ...deps, store, source, notifier, ...(live === undefined ? {} : { live }) }, previous);
    },
  };
}
