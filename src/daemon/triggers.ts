/**
 * What makes a pass happen: a trigger (timer, webhook, folder watch, start-up, the watchdog)
 * signals the installation's reconciler workflow, coalesced so a flood of triggers becomes one
 * pass; `--dry-run` runs passes in a local loop instead. The watchdog starts the reconciler
 * workflow again when it is gone.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  initialReconcilerState,
  nextPassDelayMs,
  RECONCILER_WORKFLOW,
  TRIGGER_SIGNAL,
  type ReconcilerInput,
  type ReconcilerState,
  type TriggerRequest,
} from '../core/reconciler-contract.js';
import type { Logger } from '../log/index.js';
import type { WebhookDecision } from './http-server.js';

export interface TriggerOptions {
  client: Client;
  installation: string;
  workflowId: string;
  taskQueue: string;
  intervalMs: number;
  passHeartbeatTimeoutMs: number | undefined;
  dryRun: boolean;
  logger: Logger;
  stopping: () => boolean;
  /** One local pass (dry-run): the state after it. */
  runLocalPass: (state: ReconcilerState) => Promise<ReconcilerState>;
}

export interface Triggers {
  /** Asks for a pass now (coalesced with any pending request). */
  trigger(reason: string): Promise<void>;
  /** The dry-run loop's state (its passes), undefined before the first. */
  localState(): ReconcilerState;
  /** Stops the watchdog and the local loop; waits (bounded) for a signal in flight. */
  stop(): Promise<void>;
}

export function startTriggers(o: TriggerOptions): Triggers {
  const { client, logger, intervalMs } = o;
  let localState = initialReconcilerState();
  let localPending = true;
  let wakeLocal: (() => void) | undefined;
  let signalChain: Promise<void> = Promise.resolve();
  let signalQueued = false;

  const signal = async (reason: string): Promise<void> => {
    const request: TriggerRequest = { reason, intervalMs, passHeartbeatTimeoutMs: o.passHeartbeatTimeoutMs };
    const input: ReconcilerInput = { installation: o.installation, intervalMs, passHeartbeatTimeoutMs: o.passHeartbeatTimeoutMs };
    try {
      await client.workflow.signalWithStart(RECONCILER_WORKFLOW, {
        workflowId: o.workflowId,
        taskQueue: o.taskQueue,
        args: [input],
        signal: TRIGGER_SIGNAL,
        signalArgs: [request],
      });
      logger.debug({ reason, workflowId: o.workflowId }, 'reconcile pass requested');
    } catch (err) {
      logger.error({ err, reason }, 'could not signal the reconciler workflow');
      throw err;
    }
  };

  /** At most one signal in flight and one queued behind it: a flood of triggers becomes one pass. */
  const trigger = (reason: string): Promise<void> => {
    if (o.stopping()) return Promise.resolve();
    if (o.dryRun) {
      localPending = true;
      wakeLocal?.();
      return Promise.resolve();
    }
    if (signalQueued) return signalChain;
    signalQueued = true;
    signalChain = signalChain
      .catch(() => undefined)
      .then(() => {
        signalQueued = false;
        return o.stopping() ? undefined : signal(reason);
      });
    return signalChain;
  };

  // The dry-run loop: local passes, on the same timer rules as the reconciler workflow.
  let localLoop: Promise<void> = Promise.resolve();
  if (o.dryRun) {
    localLoop = (async () => {
      while (!o.stopping()) {
        if (!localPending) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, nextPassDelayMs(localState, intervalMs, Math.random()));
            wakeLocal = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wakeLocal = undefined;
        }
        if (o.stopping()) break;
        localPending = false;
        localState = await o.runLocalPass(localState);
      }
    })();
  }

  // Watchdog: if the reconciler workflow is gone (never started because Temporal was down at
  // start-up, or terminated by an operator), start it again. One describe per interval.
  const watchdog = o.dryRun
    ? undefined
    : setInterval(
        () => {
          if (o.stopping()) return;
          client.workflow
            .getHandle(o.workflowId)
            .describe()
            .then(
              (d) => (d.status.name === 'RUNNING' ? undefined : trigger('watchdog')),
              (err: unknown) => (err instanceof WorkflowNotFoundError ? trigger('watchdog') : undefined),
            )
            .catch((err: unknown) => logger.warn({ err }, 'reconciler watchdog could not restart the workflow'));
        },
        Math.max(intervalMs, 5_000),
      );
  watchdog?.unref();

  return {
    trigger,
    localState: () => localState,
    async stop() {
      if (watchdog !== undefined) clearInterval(watchdog);
      wakeLocal?.();
      // A signal stuck on an unreachable Temporal must not hold shutdown.
      await Promise.race([signalChain.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await localLoop.catch((err: unknown) => logger.error({ err }, 'dry-run loop failed'));
    },
  };
}

export interface WebhookGateOptions {
  /** Webhooks start at most one pass per this; a burst becomes one more pass at its end. */
  minIntervalMs: number;
  /** The commit this daemon's last pass settled (applied, unchanged, invalid or prune-blocked). */
  settledRevision: () => string | undefined;
  stopping: () => boolean;
  trigger: (reason: string) => Promise<void>;
}

/**
 * What a webhook leads to. A pass costs Actions, so a push of the commit already settled starts
 * none, and webhooks start at most one pass per `minIntervalMs` (a burst: one more pass at its
 * end, unless every push in it named the settled commit).
 */
export function createWebhookGate(o: WebhookGateOptions): { gate: (reason: string, head: string | undefined) => WebhookDecision; stop: () => void } {
  let lastWebhookPassAt = Number.NEGATIVE_INFINITY;
  let trailing: { timer: NodeJS.Timeout; heads: (string | undefined)[] } | undefined;
  const alreadySettled = (head: string | undefined): boolean => head !== undefined && head === o.settledRevision();
  const gate = (reason: string, head: string | undefined): WebhookDecision => {
    const settled = o.settledRevision();
    if (alreadySettled(head) && settled !== undefined) return { outcome: 'same-commit', revision: settled };
    const now = Date.now();
    if (trailing !== undefined) {
      trailing.heads.push(head);
      return { outcome: 'coalesced', withinMs: Math.max(0, lastWebhookPassAt + o.minIntervalMs - now) };
    }
    if (now - lastWebhookPassAt >= o.minIntervalMs) {
      lastWebhookPassAt = now;
      o.trigger(reason).catch(() => undefined);
      return { outcome: 'accepted' };
    }
    const waitMs = lastWebhookPassAt + o.minIntervalMs - now;
    trailing = {
      heads: [head],
      timer: setTimeout(() => {
        const heads = trailing?.heads ?? [];
        trailing = undefined;
        if (o.stopping() || heads.every((h) => alreadySettled(h))) return;
        lastWebhookPassAt = Date.now();
        o.trigger(reason).catch(() => undefined);
      }, waitMs),
    };
    trailing.timer.unref();
    return { outcome: 'coalesced', withinMs: waitMs };
  };
  return {
    gate,
    stop: () => {
      if (trailing !== undefined) clearTimeout(trailing.timer);
    },
  };
}
