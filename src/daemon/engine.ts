/** The daemon's reconcile engine: H4a's reconcileOnce, with its result mapped for status and alerts. */
import type { ScheduleStore } from '../core/ports.js';
import type { Issue } from '../core/plan/issues.js';
import { reconcileOnce, type ReconcileOptions, type ReconcileResult } from '../reconcile/index.js';
import type { EngineOutcome, ReconcileEngine } from './pass.js';

export interface EngineOptions {
  store: ScheduleStore;
  installation: string;
  /** reconcileOnce options; dryRun computes the same change set and writes nothing. */
  options: ReconcileOptions;
}

function issuesOf(result: ReconcileResult, plansPath: string | undefined): Issue[] {
  if (result.validation !== undefined && result.validation.errors.length > 0) return result.validation.errors;
  return result.errors.map((e) => ({ file: plansPath ?? '.', line: 1, column: 1, field: '', code: e.code, message: e.message, severity: 'error' as const }));
}

export function mapReconcileResult(result: ReconcileResult, plansPath: string | undefined): EngineOutcome {
  const c = result.counts;
  const changes = c.create + c.update + c.delete + c.pause + c.unpause;
  // managed is only known when the pass listed the schedules (it got as far as a change set).
  const base = { changes, managed: result.changeSet === undefined ? undefined : c.managed, driftCorrected: c.driftCorrected };
  switch (result.status) {
    case 'noop':
      return { ...base, status: 'unchanged' };
    case 'planned':
      return { ...base, status: 'planned' };
    case 'applied':
      return { ...base, status: 'applied', managed: c.managed + c.create - c.delete };
    case 'failed':
      return { ...base, status: 'failed', message: result.errors.slice(0, 5).map((e) => `${e.scheduleId === undefined ? '' : `${e.scheduleId}: `}${e.code}: ${e.message}`).join('; ') };
    case 'invalid':
      return { ...base, status: 'invalid', issues: issuesOf(result, plansPath) };
    case 'blocked':
      return { ...base, status: 'prune-blocked', message: result.errors.map((e) => e.message).join('; ') };
  }
}

export function createReconcileEngine(engine: EngineOptions): ReconcileEngine {
  return async (snapshot, { now, logger, reconcileId }) => {
    const result = await reconcileOnce({ snapshot, store: engine.store, installation: engine.installation, now: now.getTime(), options: engine.options, logger, reconcileId });
    const log = logger.child({ component: 'reconcile', installation: engine.installation, reconcileId, revision: snapshot.revision });
    // Applied changes are logged by apply itself; a dry run logs what it would do here.
    if (result.changeSet !== undefined && result.dryRun) {
      for (const change of result.changeSet.changes) {
        log.info(
          { kind: change.kind, reason: change.reason, scheduleId: change.scheduleId, plan: change.plan, namespace: change.namespace, fields: change.fields.map((f) => f.field), dryRun: result.dryRun },
          'dry run: would change schedule',
        );
      }
    }
    return mapReconcileResult(result, engine.options.plansPath);
  };
}
