/**
 * The reconcilePass activity the reconciler workflow (src/temporal/workflows/reconciler.ts) runs:
 * one runPass, heartbeating so a daemon that dies mid-pass is noticed and the pass runs elsewhere.
 */
import { Context } from '@temporalio/activity';
import type { ReconcilerActivities } from '../core/reconciler-contract.js';
import { runPass, type PassDeps } from './pass.js';

export function createReconcilerActivities(deps: PassDeps, options: { heartbeatTimeoutMs: number }): ReconcilerActivities {
  return {
    reconcilePass: async (previous) => {
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), Math.max(200, Math.min(5_000, options.heartbeatTimeoutMs / 4)));
      try {
        return await runPass(deps, previous);
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}
