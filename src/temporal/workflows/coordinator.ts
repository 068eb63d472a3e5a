/**
 * The namespace coordinator (workflow id `capsched-capacity-<namespace>`): a shell around the pure
 * capacity engine (src/core/engine). It turns signals, timers and activity results into engine
 * events and runs the commands the engine returns; it decides nothing itself. Windows start it
 * with signal-with-start; it completes when the engine says the namespace is verifiably back at
 * on-demand and nothing asks for capacity.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { applyOutcomeOf, decide, engineStatus, initialState, type EngineCommand, type EngineEvent, type EngineState } from '../../core/engine/index.js';
import type { CapacityTarget } from '../../core/ports.js';
import { alerts, applyCapacity, verifyCapacity } from './activities.js';
import { failureMessage, failureType } from './failures.js';
import {
  closeWindowSignal,
  coordinatorReportSignal,
  coordinatorStatusQuery,
  openWindowSignal,
  setBaselinesSignal,
  setWindowEndSignal,
  setWindowTrusSignal,
} from './definitions.js';

export interface CoordinatorInput {
  namespace: string;
  /** The engine's state, carried across continue-as-new. */
  state?: EngineState;
  /** Continue-as-new once history has this many events (default: when the server suggests it). */
  continueAsNewAfterEvents?: number;
  /** Set by joinCoordinator from the starting worker: this coordinator's windows are dry-run (its id says so too). */
  dryRun?: boolean;
  /** Re-read capacity this often while capacity is held (`--reverify-interval`). */
  reverifyIntervalMs?: number;
  /** Restore the capacity after an out-of-band change (default) or only alert (false). */
  reverifySelfHeal?: boolean;
  /** How long a coordinator that lost its windows keeps the namespace's capacity (the windows' check interval and a minute). */
  rejoinHoldMs?: number;
}

export interface CoordinatorSummary {
  namespace: string;
  steps: number;
  final: CapacityTarget | undefined;
}

export async function capacityCoordinator(input: CoordinatorInput): Promise<CoordinatorSummary> {
  const info = workflowInfo();
  let state: EngineState = input.state ?? initialState(input.namespace);
  const inbox: EngineEvent[] = [];
  const effects = new Set<Promise<void>>();
  let wakeAt: number | undefined;
  let finish: 'complete' | 'continue-as-new' | undefined;

  setHandler(openWindowSignal, (window) => void inbox.push({ kind: 'open', window }));
  setHandler(closeWindowSignal, ({ windowId, reason }) => void inbox.push({ kind: 'close', windowId, reason }));
  setHandler(setWindowEndSignal, ({ windowId, endMs }) => void inbox.push({ kind: 'set-end', windowId, endMs }));
  setHandler(setWindowTrusSignal, ({ windowId, trus, steps }) => void inbox.push({ kind: 'set-trus', windowId, trus, steps }));
  setHandler(setBaselinesSignal, (present) => void inbox.push({ kind: 'baselines', ...present }));
  setHandler(coordinatorStatusQuery, () => engineStatus(state, Date.now()));

  const track = (p: Promise<void>): void => {
    effects.add(p);
    void p.finally(() => effects.delete(p));
  };
  const run = (c: EngineCommand): void => {
    const dryRun = c.kind === 'apply' || c.kind === 'verify' ? (c.dryRun === undefined ? {} : { dryRun: c.dryRun }) : {};
    switch (c.kind) {
      case 'apply':
        track(
          applyCapacity({ namespace: input.namespace, target: c.target, operationId: c.operationId, ...dryRun }).then(
            (r) => void inbox.push({ kind: 'applied', operationId: c.operationId, result: { outcome: 'accepted', changed: !r.noop, dryRun: r.dryRun } }),
            (err: unknown) =>
              void inbox.push({
                kind: 'applied',
                operationId: c.operationId,
                result: { outcome: applyOutcomeOf(failureType(err)), error: failureMessage(err) },
              }),
          ),
        );
        return;
      case 'verify':
        track(
          verifyCapacity({ namespace: input.namespace, expected: c.target, ...dryRun, ...(c.kind === 'verify' && c.read === true ? { read: true } : {}) }).then(
            (v) => {
              const o = v.observed;
              const mode = o?.mode === 'provisioned' ? ('provisioned' as const) : o?.mode === 'onDemand' ? ('onDemand' as const) : ('unknown' as const);
              const observed = o === undefined ? undefined : { mode, trus: o.trus, ...(o.requestState === 'inProgress' ? { pendingTrus: o.requestTrus } : {}) };
              inbox.push({
                kind: 'verified',
                result: v.ok ? { outcome: 'ok', dryRun: v.dryRun, observed } : { outcome: 'mismatch', reason: v.reason ?? 'mismatch', observed },
              });
            },
            (err: unknown) =>
              void inbox.push({
                kind: 'verified',
                result: { outcome: 'error', error: failureMessage(err), refused: applyOutcomeOf(failureType(err)) === 'refused' },
              }),
          ),
        );
        return;
      case 'wait':
        wakeAt = c.untilMs;
        return;
      case 'alert':
        track(
          alerts
            .sendAlert({
              alert: { severity: c.severity, title: c.title, text: c.text, namespace: input.namespace, dedupeKey: c.dedupeKey },
              ...(state.dryRun === undefined ? {} : { dryRun: state.dryRun }),
            })
            .catch((err: unknown) => log.warn('alert could not be sent', { title: c.title, error: failureMessage(err) })),
        );
        return;
      case 'report':
        track(
          getExternalWorkflowHandle(c.to.workflowId, c.to.runId)
            .signal(coordinatorReportSignal, c.report)
            .catch(async (err: unknown) => {
              log.warn('window workflow unreachable; report dropped', { windowId: c.to.windowId, error: failureMessage(err) });
              if (c.undelivered === undefined) return;
              const alert = {
                severity: 'critical' as const,
                title: c.undelivered.title,
                text: c.undelivered.text,
                namespace: input.namespace,
                dedupeKey: `${info.workflowId}:${c.to.windowId}:${c.report.step}`,
              };
              await alerts.sendAlert({ alert }).catch(() => undefined);
            }),
        );
        return;
      case 'continue-as-new':
      case 'complete':
        finish = c.kind;
        return;
    }
  };
  const feed = (event: EngineEvent): void => {
    const d = decide(state, event, Date.now());
    state = d.state;
    wakeAt = undefined;
    for (const c of d.commands) run(c);
  };

  const loop = async (): Promise<CoordinatorSummary> => {
    for (;;) {
      while (inbox.length > 0) feed(inbox.shift() as EngineEvent);
      if (finish !== undefined) {
        await Promise.all([...effects]);
        await condition(allHandlersFinished);
        if (inbox.length > 0) {
          // A window arrived as the coordinator was finishing: it carries on for it.
          state = { ...state, done: false };
          finish = undefined;
          continue;
        }
        if (finish === 'complete') return { namespace: input.namespace, steps: state.seq, final: state.confirmed };
        log.info('continuing as new', { historyLength: workflowInfo().historyLength });
        await continueAsNew<typeof capacityCoordinator>({ ...input, state: { ...state, wantsContinue: false } });
      }
      const tooLong =
        input.continueAsNewAfterEvents !== undefined ? workflowInfo().historyLength >= input.continueAsNewAfterEvents : workflowInfo().continueAsNewSuggested;
      if (tooLong && !state.wantsContinue) inbox.push({ kind: 'history-long' });
      if (inbox.length > 0) continue;
      const until = wakeAt;
      const woke = await condition(() => inbox.length > 0, until === undefined ? undefined : Math.max(1, until - Date.now()));
      if (!woke) inbox.push({ kind: 'tick' });
    }
  };

  feed({
    kind: 'start',
    opPrefix: `${info.workflowId}:${info.runId}`,
    dryRun: input.dryRun,
    settings: { reverifyIntervalMs: input.reverifyIntervalMs, selfHeal: input.reverifySelfHeal, rejoinHoldMs: input.rejoinHoldMs },
  });
  try {
    return await loop();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled: release what has ended down to what the remaining windows ask, verify, say so, then end.
    await CancellationScope.nonCancellable(async () => {
      inbox.push({ kind: 'cancel' });
      await loop();
    });
    throw err;
  }
}
