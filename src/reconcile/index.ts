export {
  reconcileOnce,
  compactResult,
  passLogger,
  type ReconcileInput,
  type ReconcileOptions,
  type ReconcileResult,
  type ReconcileStatus,
  type ReconcileCounts,
  type ReconcileError,
} from './reconcile-once.js';
export { runPass, type PassDeps, type PassMetrics, type PassRecord } from './pass.js';
export { createReconcilerActivities, pendingPassCheck, PASS_SUPERSEDED, type PassIdentity, type ReconcilerActivityOptions } from './activity.js';
export type { PassOutcome } from '../core/reconciler-contract.js';
export { createLiveReadMemo, liveReadStands, LIVE_READ_MAX_AGE_MS, type LiveReadMemo } from './live.js';
