/**
 * Gathers what the page (and `capsched status`) show: the plans at the applied commit, each
 * namespace's coordinator (one status query per namespace) and Cloud Ops capacity (one read per
 * namespace), the reconciler state, recent alerts, and the record of effective TRUs the daemon
 * has observed from the coordinators. The view itself is computed by core/present.
 */
import {
  buildPresent,
  PAST_MS,
  type AlertFact,
  type AppliedSample,
  type LiveNamespace,
  type PresentInput,
  type PresentView,
  type SourceFacts,
} from '../core/present/model.js';
import type { LoadedPlan } from '../core/plan/load.js';
import type { Alert, CloudOps, LiveStore, Notifier } from '../core/ports.js';
import type { ReconcilerState } from '../core/reconciler-contract.js';
import { scrub } from '../log/index.js';

/** The plans of the last commit a pass applied in this process, with what the source said about it. */
export interface AppliedPlans {
  revision: string;
  plans: LoadedPlan[];
  meta?: Record<string, string>;
}

const MAX_ALERTS = 20;
/** A reading per namespace at most this often (page loads in a burst share one). */
const READ_CACHE_MS = 500;

function message(err: unknown): string {
  return scrub(err instanceof Error ? err.message : String(err))
    .split('\n')[0]!
    .slice(0, 300);
}

/** Keeps the last alerts sent (title, severity, time; never their text, which may quote plan content). */
export class AlertLog {
  readonly entries: AlertFact[] = [];
  wrap(notifier: Notifier, now: () => number = Date.now): Notifier {
    return {
      notify: async (alert: Alert) => {
        this.entries.unshift({
          at: new Date(now()).toISOString().slice(0, 19) + 'Z',
          severity: alert.severity,
          title: alert.title,
          ...(alert.namespace === undefined ? {} : { namespace: alert.namespace }),
        });
        if (this.entries.length > MAX_ALERTS) this.entries.length = MAX_ALERTS;
        await notifier.notify(alert);
      },
    };
  }
}

/** Reads the namespaces' coordinators and capacity once per call; keeps the applied record. */
export class PresentReader {
  private readonly record = new Map<string, AppliedSample[]>();
  private readonly startedMs: number;
  private cache: { at: number; live: LiveNamespace[] } | undefined;

  constructor(
    private readonly deps: {
      /** The coordinators, read through the LiveStore port (one status query per namespace). */
      live: LiveStore;
      installation: string;
      cloudOps?: CloudOps;
      /** Read besides the namespaces the plans name (a namespace no plan names yet). */
      alsoNamespaces?: readonly string[];
      temporalUi?: { baseUrl: string; namespace: string };
      /** USD per million Actions for the page's worst-case figures (default the list $50). */
      actionsPrice?: number;
      now?: () => number;
    },
  ) {
    this.startedMs = this.now();
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** One coordinator query and one capacity read per namespace, in parallel. */
  async readLive(namespaces: string[]): Promise<LiveNamespace[]> {
    const at = this.now();
    const known = new Set([...namespaces, ...(this.deps.alsoNamespaces ?? []), ...this.record.keys()]);
    if (this.cache !== undefined && at - this.cache.at < READ_CACHE_MS && [...known].every((n) => this.cache!.live.some((l) => l.namespace === n)))
      return this.cache.live;
    const live = await Promise.all(
      [...known].sort().map(async (namespace): Promise<LiveNamespace> => {
        const [coordinator, capacity] = await Promise.allSettled([
          this.deps.live.readNamespace(namespace),
          this.deps.cloudOps === undefined ? Promise.reject(new Error('no Cloud Ops client in this process')) : this.deps.cloudOps.getCapacity(namespace),
        ]);
        const out: LiveNamespace = { namespace, windows: [] };
        if (coordinator.status === 'rejected') out.coordinatorError = message(coordinator.reason);
        else if (coordinator.value.error !== undefined) out.coordinatorError = coordinator.value.error;
        else {
          // No coordinator (never ran, or finished) reads as nothing held: on-demand as far as capsched knows.
          out.effective = coordinator.value.effectiveTrus > 0 ? { mode: 'provisioned', trus: coordinator.value.effectiveTrus } : { mode: 'onDemand' };
          out.windows = coordinator.value.windows;
        }
        if (capacity.status === 'fulfilled') out.capacity = capacity.value;
        else if (this.deps.cloudOps !== undefined) out.capacityError = message(capacity.reason);
        if (out.effective !== undefined) this.sample(namespace, at, out.effective.mode === 'provisioned' ? out.effective.trus : 0);
        return out;
      }),
    );
    this.cache = { at, live };
    return live;
  }

  /**
   * The record without a page view: one coordinator query per namespace (no Cloud Ops read), so
   * the last 24 h on the page are what the coordinators held, whether or not anyone looked.
   */
  async recordCoordinators(namespaces: string[]): Promise<void> {
    const known = [...new Set([...namespaces, ...(this.deps.alsoNamespaces ?? []), ...this.record.keys()])];
    await Promise.all(
      known.map(async (namespace) => {
        // Unreadable: no reading (a gap in the record, never a guess).
        const state = await this.deps.live.readNamespace(namespace).catch(() => undefined);
        if (state !== undefined && state.error === undefined) this.sample(namespace, this.now(), state.effectiveTrus);
      }),
    );
  }

  private sample(namespace: string, atMs: number, trus: number): void {
    const list = this.record.get(namespace) ?? [];
    const last = list[list.length - 1];
    if (last === undefined || last.trus !== trus) list.push({ atMs, trus });
    // Keep one reading older than the 24 h range: it says what held at its start.
    while (list.length > 1 && list[1]!.atMs <= atMs - PAST_MS) list.shift();
    this.record.set(namespace, list);
  }

  /** The record as kept: effective TRUs per namespace, the changes this daemon observed. */
  applied(): Record<string, AppliedSample[]> {
    return Object.fromEntries([...this.record].map(([n, list]) => [n, [...list]]));
  }

  async view(input: {
    applied: AppliedPlans | undefined;
    state: ReconcilerState | undefined;
    sourceDescription: string;
    alerts: AlertFact[];
    drift?: SourceFacts['drift'];
    livePass?: PresentInput['livePass'];
  }): Promise<PresentView> {
    const plans = input.applied?.plans;
    const namespaces = [...new Set((plans ?? []).map((lp) => lp.plan.namespace))];
    const live = await this.readLive(namespaces);
    const nowMs = this.now();
    return buildPresent({
      nowMs,
      installation: this.deps.installation,
      plans,
      live,
      applied: this.applied(),
      recordSinceMs: this.startedMs,
      source: sourceFacts(input.state, input.applied, input.sourceDescription, input.drift),
      alerts: input.alerts,
      ...(this.deps.temporalUi === undefined ? {} : { temporalUi: this.deps.temporalUi }),
      ...(this.deps.actionsPrice === undefined ? {} : { actionsPrice: this.deps.actionsPrice }),
      ...(input.livePass === undefined ? {} : { livePass: input.livePass }),
    });
  }
}

/** The reconciler state as the page's Source section (problems without plan content beyond file:line messages). */
export function sourceFacts(
  state: ReconcilerState | undefined,
  applied: AppliedPlans | undefined,
  describe: string,
  drift?: SourceFacts['drift'],
): SourceFacts {
  const facts: SourceFacts = { describe, problems: [] };
  const revision = state?.lastAppliedRevision ?? applied?.revision;
  if (revision !== undefined) facts.appliedRevision = revision;
  if (state?.lastAppliedAt !== undefined) facts.appliedAt = state.lastAppliedAt;
  if (applied !== undefined && applied.revision === revision) {
    if (applied.meta?.subject !== undefined && applied.meta.subject !== '') facts.subject = applied.meta.subject;
    if (applied.meta?.author !== undefined && applied.meta.author !== '') facts.author = applied.meta.author;
    if (applied.meta?.committedAt !== undefined && applied.meta.committedAt !== '') facts.committedAt = applied.meta.committedAt;
  }
  if (state?.lastPassAt !== undefined) facts.lastPassAt = state.lastPassAt;
  if (state?.lastPassResult !== undefined) facts.lastPassResult = state.lastPassResult;
  if (state?.lastAttemptedRevision !== undefined) facts.lastAttemptedRevision = state.lastAttemptedRevision;
  const plans = state?.problems.plans;
  if (plans !== undefined)
    facts.refused = {
      since: plans.since,
      errors: plans.message.split('\n').filter((l) => l !== ''),
      ...(plans.revision === undefined ? {} : { revision: plans.revision }),
    };
  for (const kind of ['source', 'apply', 'prune', 'config'] as const) {
    const p = state?.problems[kind];
    if (p !== undefined) facts.problems.push({ kind, since: p.since, message: p.message });
  }
  if (drift !== undefined) facts.drift = drift;
  return facts;
}
