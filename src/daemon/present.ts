/**
 * Gathers what the page (and `capsched status`) show: the plans at the applied commit, each
 * namespace's coordinator (read through the LiveStore port: a status query only for the
 * coordinators that run or just closed and whose history moved; the others keep their last reading —
 * queries are billed Actions, visibility lists and describes are not) and Cloud Ops capacity (one read per
 * namespace), the reconciler state, recent alerts, and the record of effective TRUs the daemon
 * has observed from the coordinators. The view itself is computed by core/present.
 */
import type { LastCheck } from '../core/pass-probe.js';
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
import type { LiveNamespaceState } from '../core/live/types.js';
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
/** How far back a coordinator's close still makes it read again (visibility lag, clock skew). */
const CLOSE_MARGIN_MS = 60_000;

/**
 * The last reading of a namespace's coordinator. `run`: what its status depended on when read
 * (LiveStore.coordinatorRun: run, history length; null: no coordinator), undefined when unknown.
 */
type CoordinatorReading = { state: LiveNamespaceState; run: string | null | undefined } | { error: string };

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
  /** The last reading of each namespace's coordinator, and when the coordinators were last listed. */
  private readonly coordinators = new Map<string, CoordinatorReading>();
  private listedAtMs: number | undefined;

  constructor(
    private readonly deps: {
      /** The coordinators, read through the LiveStore port (coordinatorReadings). */
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

  /** The coordinators' status (coordinatorReadings) and one capacity read per namespace, in parallel. */
  async readLive(namespaces: string[]): Promise<LiveNamespace[]> {
    const at = this.now();
    const known = new Set([...namespaces, ...(this.deps.alsoNamespaces ?? []), ...this.record.keys()]);
    if (this.cache !== undefined && at - this.cache.at < READ_CACHE_MS && [...known].every((n) => this.cache!.live.some((l) => l.namespace === n)))
      return this.cache.live;
    const readings = await this.coordinatorReadings([...known]);
    const live = await Promise.all(
      [...known].sort().map(async (namespace): Promise<LiveNamespace> => {
        const reading = readings.get(namespace) ?? { error: 'not read' };
        const [capacity] = await Promise.allSettled([
          this.deps.cloudOps === undefined ? Promise.reject(new Error('no Cloud Ops client in this process')) : this.deps.cloudOps.getCapacity(namespace),
        ]);
        const out: LiveNamespace = { namespace, windows: [] };
        if ('error' in reading) out.coordinatorError = reading.error;
        else {
          // No coordinator (never ran, or finished) reads as nothing held: on-demand as far as capsched knows.
          out.effective = reading.state.effectiveTrus > 0 ? { mode: 'provisioned', trus: reading.state.effectiveTrus } : { mode: 'onDemand' };
          out.windows = reading.state.windows;
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
   * The record without a page view: the coordinators' status (no Cloud Ops read), so
   * the last 24 h on the page are what the coordinators held, whether or not anyone looked.
   */
  async recordCoordinators(namespaces: string[]): Promise<void> {
    const known = [...new Set([...namespaces, ...(this.deps.alsoNamespaces ?? []), ...this.record.keys()])];
    const readings = await this.coordinatorReadings(known);
    for (const namespace of known) {
      const reading = readings.get(namespace);
      // Never started: nothing raised. Unreadable: no reading (a gap in the record, never a guess).
      if (reading === undefined || 'error' in reading) continue;
      this.sample(namespace, this.now(), reading.state.effectiveTrus);
    }
  }

  /**
   * Each namespace's coordinator status. A query is a billed Action on Temporal Cloud; a visibility
   * list and a describe are not. A coordinator's status changes only in its workflow tasks, and every
   * workflow task adds events to its history; so a run whose history length did not change since the
   * last query keeps that answer. One list (LiveStore.coordinatorsChangedSince) finds the coordinators
   * that run or closed since the last reading (the others keep theirs, which cannot have changed); each
   * of those is described (LiveStore.coordinatorRun), and queried only when its run or history length
   * differs from the last query's. If the list fails, every namespace is described. A LiveStore
   * without these reads queries every namespace each time.
   */
  private async coordinatorReadings(namespaces: string[]): Promise<Map<string, CoordinatorReading>> {
    const { live } = this.deps;
    const startedAt = this.now();
    let changed: Set<string> | undefined;
    if (this.listedAtMs !== undefined && live.coordinatorsChangedSince !== undefined) {
      try {
        changed = new Set(await live.coordinatorsChangedSince(this.listedAtMs - CLOSE_MARGIN_MS));
      } catch {
        changed = undefined;
      }
    }
    const toRead = namespaces.filter((n) => {
      const last = this.coordinators.get(n);
      return changed === undefined || last === undefined || 'error' in last || changed.has(n);
    });
    await Promise.all(
      toRead.map(async (namespace) => {
        try {
          const run = live.coordinatorRun === undefined ? undefined : await live.coordinatorRun(namespace);
          const last = this.coordinators.get(namespace);
          if (run !== undefined && last !== undefined && 'state' in last && last.run === run) return;
          // No coordinator at all: nothing held, and nothing to query.
          const state: LiveNamespaceState = run === null ? { namespace, effectiveTrus: 0, windows: [] } : await live.readNamespace(namespace);
          this.coordinators.set(namespace, state.error !== undefined ? { error: state.error } : { state, run });
        } catch (err) {
          this.coordinators.set(namespace, { error: message(err) });
        }
      }),
    );
    if (changed !== undefined || this.listedAtMs === undefined) this.listedAtMs = startedAt;
    return this.coordinators;
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
    /** This daemon's last free check (no Action), shown beside the last pass. */
    lastCheck?: LastCheck;
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
      source: {
        ...sourceFacts(input.state, input.applied, input.sourceDescription, input.drift),
        ...(input.lastCheck === undefined ? {} : { lastCheck: input.lastCheck }),
      },
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
