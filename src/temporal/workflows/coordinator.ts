/**
 * The namespace coordinator (workflow id `capsched-capacity-<namespace>`): a shell around the pure
 * capacity engine (src/core/engine). It turns signals, timers and activity results into engine
 * events and runs the commands the engine returns; it decides nothing itself. Windows start it
 * with signal-with-start; it completes when the engine says the namespace is verifiably back at
 * on-demand and nothing asks for capacity.
 */
import { allHandlersFinished, CancellationScope, condition, continueAsNew, isCancellation, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { decide, engineStatus, initialState, type EngineCommand, type EngineEvent, type EngineState } from '../../core/engine/index.js';
import type { CapacityTarget } from '../../core/ports.js';
import { alertStep, applyStep, reportStep, verifyStep } from './coordinator-effects.js';
import { closeWindowSignal, coordinatorStatusQuery, openWindowSignal, setBaselinesSignal, setWindowEndSignal, setWindowTrusSignal } from './definitions.js';

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
    const deliver = (p: Promise<EngineEvent>): void => track(p.then((e) => void inbox.push(e)));
    if (c.kind === 'apply') deliver(applyStep(input.namespace, c));
    else if (c.kind === 'verify') deliver(verifyStep(input.namespace, c));
    else if (c.kind === 'alert') track(alertStep(input.namespace, c, state.dryRun));
    else if (c.kind === 'report') track(reportStep(input.namespace, info.workflowId, c));
    else if (c.kind === 'wait') wakeAt = c.untilMs;
    else finish = c.kind;
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
