/**
 * The daemon's Prometheus metrics, written in the text exposition format by hand (a handful of
 * series; no dependency). Labels are bounded: result values and one revision.
 */
import type { PassOutcome, ReconcilerState } from '../core/reconciler-contract.js';
import type { PassMetrics } from '../reconcile/index.js';

const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const RESULTS: PassOutcome[] = ['applied', 'unchanged', 'planned', 'invalid', 'source-failed', 'failed', 'prune-blocked'];

export class DaemonMetrics {
  readonly passes = new Map<PassOutcome, number>(RESULTS.map((r) => [r, 0]));
  readonly bucketCounts = DURATION_BUCKETS.map(() => 0);
  durationSum = 0;
  durationCount = 0;
  errors = 0;
  driftCorrected = 0;
  pruneBlocked = 0;
  sourceFetchFailures = 0;
  webhookDeliveries = new Map<string, number>();

  recordPass(pass: PassMetrics): void {
    this.passes.set(pass.result, (this.passes.get(pass.result) ?? 0) + 1);
    DURATION_BUCKETS.forEach((bound, i) => {
      if (pass.durationSeconds <= bound) this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + 1;
    });
    this.durationSum += pass.durationSeconds;
    this.durationCount++;
    if (pass.error) this.errors++;
    this.driftCorrected += pass.driftCorrected;
    if (pass.pruneBlocked) this.pruneBlocked++;
    if (pass.sourceFetchFailed) this.sourceFetchFailures++;
  }

  recordWebhook(outcome: string): void {
    this.webhookDeliveries.set(outcome, (this.webhookDeliveries.get(outcome) ?? 0) + 1);
  }

  /** The exposition text; `state` is the installation's latest reconciler state (any daemon's pass). */
  render(state: ReconcilerState | undefined, ready: boolean): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('capsched_reconcile_passes_total', 'counter', 'Reconcile passes run by this daemon, by result.');
    for (const [result, count] of this.passes) lines.push(`capsched_reconcile_passes_total{result="${result}"} ${count}`);
    family('capsched_reconcile_duration_seconds', 'histogram', 'Wall time of reconcile passes run by this daemon.');
    DURATION_BUCKETS.forEach((bound, i) => lines.push(`capsched_reconcile_duration_seconds_bucket{le="${bound}"} ${this.bucketCounts[i] ?? 0}`));
    lines.push(`capsched_reconcile_duration_seconds_bucket{le="+Inf"} ${this.durationCount}`);
    lines.push(`capsched_reconcile_duration_seconds_sum ${round(this.durationSum)}`, `capsched_reconcile_duration_seconds_count ${this.durationCount}`);
    family('capsched_reconcile_errors_total', 'counter', 'Reconcile passes that failed (source, validation or apply).');
    lines.push(`capsched_reconcile_errors_total ${this.errors}`);
    family('capsched_source_fetch_failures_total', 'counter', 'Failed fetches of the plan source.');
    lines.push(`capsched_source_fetch_failures_total ${this.sourceFetchFailures}`);
    family('capsched_drift_corrected_total', 'counter', 'Managed schedules restored after an out-of-band edit.');
    lines.push(`capsched_drift_corrected_total ${this.driftCorrected}`);
    family('capsched_prune_blocked_total', 'counter', 'Passes whose deletions the prune guard refused.');
    lines.push(`capsched_prune_blocked_total ${this.pruneBlocked}`);
    family('capsched_webhook_deliveries_total', 'counter', 'Webhook requests by outcome.');
    for (const [outcome, count] of this.webhookDeliveries) lines.push(`capsched_webhook_deliveries_total{outcome="${outcome}"} ${count}`);
    family('capsched_ready', 'gauge', '1 when the worker polls and a pass has completed.');
    lines.push(`capsched_ready ${ready ? 1 : 0}`);
    if (state !== undefined) {
      family('capsched_managed_schedules', 'gauge', 'Schedules this installation manages (after the last pass).');
      lines.push(`capsched_managed_schedules ${state.managedSchedules ?? 0}`);
      family('capsched_installation_passes', 'gauge', 'Passes completed by all daemons of this installation.');
      lines.push(`capsched_installation_passes ${state.passes}`);
      family('capsched_consecutive_failures', 'gauge', 'Failed passes in a row (drives the backoff).');
      lines.push(`capsched_consecutive_failures ${state.consecutiveFailures}`);
      if (state.lastAppliedRevision !== undefined) {
        family('capsched_last_applied_info', 'gauge', 'The revision whose plans are in force.');
        lines.push(`capsched_last_applied_info{revision="${state.lastAppliedRevision}"} 1`);
        family('capsched_last_applied_timestamp_seconds', 'gauge', 'When the last revision was applied.');
        lines.push(`capsched_last_applied_timestamp_seconds ${state.lastAppliedAt === undefined ? 0 : Date.parse(state.lastAppliedAt) / 1000}`);
      }
      if (state.lastAttemptedRevision !== undefined) {
        family('capsched_last_attempted_info', 'gauge', 'The newest revision seen, valid or not.');
        lines.push(`capsched_last_attempted_info{revision="${state.lastAttemptedRevision}"} 1`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
