export { reconcileOnce, compactResult, type ReconcileInput, type ReconcileOptions, type ReconcileResult, type ReconcileStatus, type ReconcileCounts, type ReconcileError } from './reconcile-once.js';
