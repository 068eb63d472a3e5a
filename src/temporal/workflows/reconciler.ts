/**
 * The per-installation reconciler workflow (sandboxed). Temporal allows one open run per
 * workflow id, and this run executes one pass activity at a time on a task queue every daemon
 * of the installation polls: so passes never overlap, whichever daemon runs them, and the
 * status and alert state live in one place.
 *
 * It sets no timer (each one is a billed Action, 2,880 a day at 30 s): a pass runs only when a
 * daemon signals, and a daemon signals only when its free check (src/daemon/checks.ts) finds
 * something the pass would do, or when it does not know the last pass (start-up). Retries after a
 * failed pass are the daemons' too (their checks back off while passes fail).
 */
import { condition, continueAsNew, defineQuery, defineSignal, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  DEFAULT_PASS_HEARTBEAT_TIMEOUT_MS,
  initialReconcilerState,
  STATE_QUERY,
  TRIGGER_SIGNAL,
  type ReconcilerActivities,
  type ReconcilerInput,
  type ReconcilerState,
  type TriggerRequest,
} from '../../core/reconciler-contract.js';

export const triggerSignal = defineSignal<[TriggerRequest]>(TRIGGER_SIGNAL);
export const stateQuery = defineQuery<ReconcilerState>(STATE_QUERY);

function passActivity(heartbeatTimeoutMs: number): ReconcilerActivities['reconcilePass'] {
  return proxyActivities<ReconcilerActivities>({
    startToCloseTimeout: '15m',
    // A daemon that dies mid-pass is noticed within this, and the next pass runs elsewhere.
    heartbeatTimeout: heartbeatTimeoutMs,
    // The loop below is the retry: a failed pass is recorded and the next one backs off.
    retry: { maximumAttempts: 1 },
  }).reconcilePass;
}

export async function capschedReconciler(input: ReconcilerInput): Promise<void> {
  let state = input.state ?? initialReconcilerState();
  let pending = input.pending ?? true;
  let intervalMs = input.intervalMs;
  let heartbeatTimeoutMs = input.passHeartbeatTimeoutMs ?? DEFAULT_PASS_HEARTBEAT_TIMEOUT_MS;
  setHandler(triggerSignal, (request) => {
    pending = true;
    if (request.intervalMs !== undefined && request.intervalMs > 0) intervalMs = request.intervalMs;
    if (request.passHeartbeatTimeoutMs !== undefined && request.passHeartbeatTimeoutMs > 0) heartbeatTimeoutMs = request.passHeartbeatTimeoutMs;
  });
  setHandler(stateQuery, () => state);

  for (;;) {
    // No timer: a pass runs when a daemon's free check signals that it would do something (docs/daemon.md).
    if (!pending) await condition(() => pending);
    pending = false;
    try {
      state = await passActivity(heartbeatTimeoutMs)(state);
    } catch (err) {
      // Only when the activity itself was lost (daemon killed, timeout): count it as a failed pass.
      log.warn('reconcile pass activity failed', { error: err instanceof Error ? err.message : String(err) });
      state = { ...state, consecutiveFailures: state.consecutiveFailures + 1, lastPassResult: 'failed' };
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5_000) {
      await continueAsNew<typeof capschedReconciler>({
        installation: input.installation,
        intervalMs,
        passHeartbeatTimeoutMs: heartbeatTimeoutMs,
        state,
        pending,
      });
    }
  }
}
