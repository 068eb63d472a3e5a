/**
 * The daemon's record of what it applied, for the page: the plans of the last commit a pass
 * applied (from the snapshot that pass read), drift corrected or only reported, and the last
 * pass's live changes. The source is wrapped so the snapshot a pass read is the one shown.
 */
import type { LivePlan } from '../core/live/types.js';
import { loadPlans } from '../core/plan/load.js';
import type { PlanSource, SourceSnapshot } from '../core/ports.js';
import type { ReconcileResult } from '../reconcile/index.js';
import type { AppliedPlans } from './present.js';

export type Drift = { corrected: number; reportedOnly: boolean; at?: string };
/** The last pass's live changes (held reductions, applied or pending changes to running windows). */
export type LivePass = { plan: LivePlan; dryRun: boolean; failed?: boolean };

export class AppliedRecord {
  applied: AppliedPlans | undefined;
  drift: Drift | undefined;
  livePass: LivePass | undefined;
  private lastSnapshot: SourceSnapshot | undefined;
  /** The source as passes read it: the last snapshot is kept so an applied pass's plans can be shown. */
  readonly source: PlanSource;

  constructor(
    inner: PlanSource,
    /** Sees every pass's full result after the record (the `capsched dev` table). */
    private readonly forward?: (result: ReconcileResult) => Promise<void>,
  ) {
    this.source = {
      describe: () => inner.describe(),
      snapshot: async () => (this.lastSnapshot = await inner.snapshot()),
    };
  }

  readonly onResult = async (result: ReconcileResult): Promise<void> => {
    if ((result.status === 'applied' || result.status === 'unchanged') && !result.dryRun) {
      const snapshot = this.lastSnapshot;
      if (snapshot !== undefined && snapshot.revision === result.revision && this.applied?.revision !== result.revision) {
        this.applied = { revision: snapshot.revision, plans: loadPlans(snapshot.files).plans, ...(snapshot.meta === undefined ? {} : { meta: snapshot.meta }) };
      }
      if (result.counts.drift > 0)
        this.drift = {
          corrected: result.counts.driftCorrected,
          reportedOnly: result.counts.driftCorrected === 0,
          at: new Date().toISOString().slice(0, 19) + 'Z',
        };
    }
    if (result.live !== undefined)
      this.livePass = { plan: result.live, dryRun: result.dryRun, ...((result.liveApplied ?? []).some((a) => a.outcome === 'failed') ? { failed: true } : {}) };
    await this.forward?.(result);
  };
}
