/**
 * The daemon's Prometheus metrics (prom-client, one Registry per daemon): process and Node
 * metrics (CPU, memory, heap, file descriptors, event-loop lag, GC), the reconcile passes, the
 * capacity worker's activities (changes, verifications, reverts, Cloud Ops errors), alerts, and
 * gauges of plans and namespaces read at scrape time from what the page shows. Names follow the
 * Prometheus conventions: counters end in `_total`, units in the name (`_seconds`), `_info` for
 * labels-only series. Labels are bounded: result values, severities, error codes, plan and
 * namespace names of the applied commit, one revision. Listed in docs/daemon.md ("Metrics").
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PassOutcome, ReconcilerState } from '../core/reconciler-contract.js';
import type { AlertSeverity, CapacityChangeOutcome, CapacityMetrics, VerificationResult, WindowRevertResult } from '../core/ports.js';
import type { PresentView } from '../core/present/model.js';
import type { LoadedPlan } from '../core/plan/load.js';
import type { PassMetrics } from '../reconcile/index.js';

const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const RESULTS: PassOutcome[] = ['applied', 'unchanged', 'planned', 'invalid', 'source-failed', 'failed', 'prune-blocked'];
const WEBHOOK_OUTCOMES = ['accepted', 'coalesced', 'same-commit', 'duplicate', 'ignored', 'ping', 'unauthorized', 'too-large'];
const CHANGE_RESULTS: CapacityChangeOutcome[] = ['applied', 'noop', 'dry-run', 'failed', 'refused'];
const VERIFICATION_RESULTS: VerificationResult[] = ['ok', 'mismatch', 'error', 'dry-run'];
const REVERT_RESULTS: WindowRevertResult[] = ['on-time', 'late', 'failed'];
const SEVERITIES: AlertSeverity[] = ['critical', 'error', 'info'];
export const WORKER_NAMES = ['reconciler', 'capacity'] as const;

/** What the daemon knows at scrape time. */
export interface MetricsSnapshot {
  state: ReconcilerState | undefined;
  ready: boolean;
  /** Worker name → SDK state (RUNNING, DRAINING, …); a worker this process does not run is absent. */
  workers: Record<string, string>;
  /** The page's view (plans of the applied commit, namespaces as read now); undefined when it could not be built. */
  view?: PresentView;
  /** The plans of the applied commit and its revision. */
  applied?: { revision: string; plans: LoadedPlan[] };
}

export class DaemonMetrics implements CapacityMetrics {
  readonly registry = new Registry();
  private readonly passes = new Counter({
    name: 'capsched_reconcile_passes_total',
    help: 'Reconcile passes run by this daemon, by result.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly checks = new Counter({
    name: 'capsched_checks_total',
    help: "This daemon's free checks (head, schedules and running coordinators read; no Action), by whether they asked for a pass.",
    labelNames: ['pass_requested'],
    registers: [this.registry],
  });
  private readonly lastCheckTimestamp = new Gauge({
    name: 'capsched_last_check_timestamp_seconds',
    help: "When this daemon's last free check finished (0: none yet). A check that finds the same commit and nothing to change runs no pass.",
    registers: [this.registry],
  });
  private readonly lastConvergedCheckTimestamp = new Gauge({
    name: 'capsched_last_converged_check_timestamp_seconds',
    help: "When this daemon's last check found the head in force and nothing to do (0: none yet): with passes now rare, staleness alerts use this beside the last successful pass.",
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'capsched_reconcile_duration_seconds',
    help: 'Wall time of reconcile passes run by this daemon.',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'capsched_reconcile_errors_total',
    help: 'Reconcile passes that failed (source, validation or apply).',
    registers: [this.registry],
  });
  private readonly sourceFetchFailures = new Counter({
    name: 'capsched_source_fetch_failures_total',
    help: 'Failed fetches of the plan source.',
    registers: [this.registry],
  });
  private readonly driftCorrected = new Counter({
    name: 'capsched_drift_corrected_total',
    help: 'Managed schedules restored after an out-of-band edit.',
    registers: [this.registry],
  });
  private readonly pruneBlocked = new Counter({
    name: 'capsched_prune_blocked_total',
    help: 'Passes whose deletions the prune guard refused.',
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({
    name: 'capsched_webhook_deliveries_total',
    help: 'Webhook requests by outcome.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly changes = new Counter({
    name: 'capsched_capacity_changes_total',
    help: "Capacity change attempts by this process's capacity worker, by result (failed counts every failed attempt).",
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly verifications = new Counter({
    name: 'capsched_capacity_verifications_total',
    help: 'Capacity verifications (Cloud Ops read after a change), by result.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly reverts = new Counter({
    name: 'capsched_window_reverts_total',
    help: 'Window ends (releases) reported by capacity-change workflows, by result: on-time, late (began after the end), failed (not applied or not verified).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly alerts = new Counter({
    name: 'capsched_alerts_sent_total',
    help: 'Alerts delivered to the notifier (Slack), by severity.',
    labelNames: ['severity'],
    registers: [this.registry],
  });
  private readonly alertFailures = new Counter({
    name: 'capsched_alert_delivery_failures_total',
    help: 'Alerts the notifier could not deliver, by severity.',
    labelNames: ['severity'],
    registers: [this.registry],
  });
  private readonly cloudOpsErrors = new Counter({
    name: 'capsched_cloud_ops_errors_total',
    help: 'Failed Cloud Ops API calls and operations of the capacity worker, by error code.',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly ready = new Gauge({ name: 'capsched_ready', help: '1 when the workers poll and a pass has completed.', registers: [this.registry] });
  private readonly workerRunning = new Gauge({
    name: 'capsched_worker_running',
    help: "1 while this process's worker polls its task queue (SDK state RUNNING), 0 otherwise.",
    labelNames: ['worker'],
    registers: [this.registry],
  });
  private readonly managedSchedules = new Gauge({
    name: 'capsched_managed_schedules',
    help: 'Schedules this installation manages (after the last pass).',
    registers: [this.registry],
  });
  private readonly installationPasses = new Counter({
    name: 'capsched_installation_passes_total',
    help: 'Passes completed by all daemons of this installation (read from the reconciler workflow).',
    registers: [this.registry],
  });
  private readonly consecutiveFailures = new Gauge({
    name: 'capsched_consecutive_failures',
    help: 'Failed passes in a row (drives the backoff).',
    registers: [this.registry],
  });
  private readonly lastPassTimestamp = new Gauge({
    name: 'capsched_last_pass_timestamp_seconds',
    help: "When the installation's last pass finished, by its result.",
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly lastSuccessTimestamp = new Gauge({
    name: 'capsched_last_successful_pass_timestamp_seconds',
    help: "When the installation's last applied or unchanged pass finished (0: none seen by this daemon).",
    registers: [this.registry],
  });
  private readonly lastAppliedInfo = new Gauge({
    name: 'capsched_last_applied_info',
    help: 'The revision whose plans are in force.',
    labelNames: ['revision'],
    registers: [this.registry],
  });
  private readonly lastAppliedTimestamp = new Gauge({
    name: 'capsched_last_applied_timestamp_seconds',
    help: 'When the last revision was applied.',
    registers: [this.registry],
  });
  private readonly lastAttemptedInfo = new Gauge({
    name: 'capsched_last_attempted_info',
    help: 'The newest revision seen, valid or not.',
    labelNames: ['revision'],
    registers: [this.registry],
  });
  private readonly planInfo = new Gauge({
    name: 'capsched_plan_info',
    help: 'One series per plan of the applied commit: its namespace, file and the commit.',
    labelNames: ['plan', 'namespace', 'file', 'commit'],
    registers: [this.registry],
  });
  private readonly planPaused = new Gauge({
    name: 'capsched_plan_paused',
    help: '1 when the plan is paused (its schedule starts no windows).',
    labelNames: ['plan', 'namespace'],
    registers: [this.registry],
  });
  private readonly planTrus = new Gauge({
    name: 'capsched_plan_trus',
    help: "TRUs the plan asks for during its windows (a ramp's peak).",
    labelNames: ['plan', 'namespace'],
    registers: [this.registry],
  });
  private readonly planNextWindow = new Gauge({
    name: 'capsched_plan_next_window_start_timestamp_seconds',
    help: "Start of the plan's next window within 7 days (absent: none in 7 days, or paused).",
    labelNames: ['plan', 'namespace'],
    registers: [this.registry],
  });
  private readonly nsPlanned = new Gauge({
    name: 'capsched_namespace_planned_trus',
    help: 'Effective TRUs the plans of the applied commit ask for now (max over covering windows; 0 = on-demand).',
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  private readonly nsDesired = new Gauge({
    name: 'capsched_namespace_desired_trus',
    help: 'Effective TRUs the namespace coordinator holds now (max over its active windows, manual changes included; 0 = on-demand).',
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  private readonly nsProvisioned = new Gauge({
    name: 'capsched_namespace_provisioned_trus',
    help: 'Provisioned TRUs as the Cloud Ops API last reported them (0 = on-demand).',
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  private readonly nsBilledTruHours = new Gauge({
    name: 'capsched_namespace_billed_tru_hours_week',
    help: "Billed TRU-hours the applied commit's plans commit over the 168 UTC calendar hours from now's hour: each hour at its highest TRUs (docs/billing.md).",
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  private readonly nsMinimumActions = new Gauge({
    name: 'capsched_namespace_minimum_actions_week',
    help: 'Minimum Actions committed over the same week: per UTC hour (highest TRUs - 1) x 360,000; billed as ns_capacity:tru Actions where the namespace uses fewer (worst case if unused).',
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  private readonly nsActive = new Gauge({
    name: 'capsched_namespace_active_windows',
    help: "Windows active on the namespace now (its coordinator's windows).",
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  private readonly nsReadErrors = new Gauge({
    name: 'capsched_namespace_read_errors',
    help: '1 when the last scrape could not read the namespace, by source (cloud-ops, coordinator).',
    labelNames: ['namespace', 'source'],
    registers: [this.registry],
  });
  /** Last reading per namespace: "as Cloud Ops last reported" survives a failed read. */
  private readonly lastProvisioned = new Map<string, number>();
  private installationPassesSeen = 0;
  private lastSuccessSeconds = 0;

  private readonly interval = new Gauge({
    name: 'capsched_reconcile_interval_seconds',
    help: 'The configured fetch interval (before jitter and backoff); alert rules count intervals in it.',
    registers: [this.registry],
  });

  constructor(options: { intervalMs?: number } = {}) {
    collectDefaultMetrics({ register: this.registry });
    if (options.intervalMs !== undefined) this.interval.set(options.intervalMs / 1000);
    // Every bounded label value exists from the start, so rate() and alert rules see 0, not "no data".
    for (const r of RESULTS) this.passes.inc({ result: r }, 0);
    for (const o of WEBHOOK_OUTCOMES) this.webhooks.inc({ outcome: o }, 0);
    for (const r of CHANGE_RESULTS) this.changes.inc({ result: r }, 0);
    for (const r of VERIFICATION_RESULTS) this.verifications.inc({ result: r }, 0);
    for (const r of REVERT_RESULTS) this.reverts.inc({ result: r }, 0);
    for (const s of SEVERITIES) {
      this.alerts.inc({ severity: s }, 0);
      this.alertFailures.inc({ severity: s }, 0);
    }
  }

  recordPass(pass: PassMetrics): void {
    this.passes.inc({ result: pass.result });
    this.duration.observe(pass.durationSeconds);
    if (pass.error) this.errors.inc();
    if (pass.driftCorrected > 0) this.driftCorrected.inc(pass.driftCorrected);
    if (pass.pruneBlocked) this.pruneBlocked.inc();
    if (pass.sourceFetchFailed) this.sourceFetchFailures.inc();
  }

  checked(check: { at: string; passRequested: boolean; converged: boolean }, sourceFailed = false): void {
    this.checks.inc({ pass_requested: String(check.passRequested) });
    // A check's fetch is a fetch of the plan source too: an outage is counted while checks retry it for free.
    if (sourceFailed) this.sourceFetchFailures.inc();
    this.lastCheckTimestamp.set(Date.parse(check.at) / 1000);
    if (check.converged) this.lastConvergedCheckTimestamp.set(Date.parse(check.at) / 1000);
  }

  recordWebhook(outcome: string): void {
    this.webhooks.inc({ outcome });
  }

  // ---- CapacityMetrics: counted by the capacity worker's activities ----
  capacityChange(result: CapacityChangeOutcome): void {
    this.changes.inc({ result });
  }

  verification(result: VerificationResult): void {
    this.verifications.inc({ result });
  }

  windowRevert(result: WindowRevertResult): void {
    this.reverts.inc({ result });
  }

  cloudOpsError(code: string): void {
    this.cloudOpsErrors.inc({ code });
  }

  alertSent(severity: AlertSeverity, delivered: boolean): void {
    (delivered ? this.alerts : this.alertFailures).inc({ severity });
  }

  /** The exposition text (prom-client's), after setting the scrape-time gauges from `snapshot`. */
  async render(snapshot: MetricsSnapshot): Promise<string> {
    this.observe(snapshot);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private observe({ state, ready, workers, view, applied }: MetricsSnapshot): void {
    this.ready.set(ready ? 1 : 0);
    this.workerRunning.reset();
    for (const name of WORKER_NAMES) if (workers[name] !== undefined) this.workerRunning.set({ worker: name }, workers[name] === 'RUNNING' ? 1 : 0);
    if (state !== undefined) {
      this.managedSchedules.set(state.managedSchedules ?? 0);
      // A counter mirrors the workflow's count: only its increase is added (a new workflow run restarts it).
      if (state.passes < this.installationPassesSeen) {
        this.installationPasses.reset();
        this.installationPassesSeen = 0;
      }
      if (state.passes > this.installationPassesSeen) this.installationPasses.inc(state.passes - this.installationPassesSeen);
      this.installationPassesSeen = state.passes;
      this.consecutiveFailures.set(state.consecutiveFailures);
      this.lastPassTimestamp.reset();
      if (state.lastPassAt !== undefined) {
        const at = Date.parse(state.lastPassAt) / 1000;
        this.lastPassTimestamp.set({ result: state.lastPassResult ?? 'unknown' }, at);
        if (state.lastPassResult === 'applied' || state.lastPassResult === 'unchanged') this.lastSuccessSeconds = Math.max(this.lastSuccessSeconds, at);
      }
      this.lastAppliedInfo.reset();
      if (state.lastAppliedRevision !== undefined) {
        this.lastAppliedInfo.set({ revision: state.lastAppliedRevision }, 1);
        this.lastAppliedTimestamp.set(state.lastAppliedAt === undefined ? 0 : Date.parse(state.lastAppliedAt) / 1000);
        // The newest successful pass is at least as recent as the revision's apply.
        if (state.lastAppliedAt !== undefined) this.lastSuccessSeconds = Math.max(this.lastSuccessSeconds, Date.parse(state.lastAppliedAt) / 1000);
      }
      this.lastSuccessTimestamp.set(this.lastSuccessSeconds);
      this.lastAttemptedInfo.reset();
      if (state.lastAttemptedRevision !== undefined) this.lastAttemptedInfo.set({ revision: state.lastAttemptedRevision }, 1);
    }
    this.planInfo.reset();
    this.planPaused.reset();
    this.planTrus.reset();
    this.planNextWindow.reset();
    for (const lp of applied?.plans ?? []) {
      const labels = { plan: lp.plan.name, namespace: lp.plan.namespace };
      this.planInfo.set({ ...labels, file: lp.file, commit: applied?.revision ?? '' }, 1);
      this.planPaused.set(labels, lp.plan.paused ? 1 : 0);
      this.planTrus.set(labels, lp.plan.trus);
    }
    if (view === undefined) return;
    for (const ns of view.namespaces) {
      for (const plan of ns.plans) {
        const next = ns.bars
          .filter((b) => b.plan === plan && b.start.ms > view.nowMs)
          .reduce<number | undefined>((min, b) => (min === undefined || b.start.ms < min ? b.start.ms : min), undefined);
        if (next !== undefined) this.planNextWindow.set({ plan, namespace: ns.namespace }, next / 1000);
      }
    }
    this.nsPlanned.reset();
    this.nsBilledTruHours.reset();
    this.nsMinimumActions.reset();
    this.nsDesired.reset();
    this.nsActive.reset();
    this.nsReadErrors.reset();
    this.nsProvisioned.reset();
    for (const ns of view.namespaces) {
      const labels = { namespace: ns.namespace };
      this.nsPlanned.set(labels, ns.plannedNowTrus);
      this.nsBilledTruHours.set(labels, ns.week.billedTruHours);
      this.nsMinimumActions.set(labels, ns.week.minimumActions);
      this.nsActive.set(labels, ns.active.length);
      if (ns.effectiveTrus !== undefined) this.nsDesired.set(labels, ns.effectiveTrus);
      if (ns.capacity !== undefined && ns.capacity.mode !== 'unknown')
        this.lastProvisioned.set(ns.namespace, ns.capacity.mode === 'provisioned' ? (ns.capacity.currentTrus ?? 0) : 0);
      const provisioned = this.lastProvisioned.get(ns.namespace);
      if (provisioned !== undefined) this.nsProvisioned.set(labels, provisioned);
      this.nsReadErrors.set({ ...labels, source: 'cloud-ops' }, ns.capacityError === undefined ? 0 : 1);
      this.nsReadErrors.set({ ...labels, source: 'coordinator' }, ns.coordinatorError === undefined ? 0 : 1);
    }
  }
}
