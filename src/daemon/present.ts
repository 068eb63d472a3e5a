/**
 * Gathers what the page (and `capsched status`) show: the plans at the applied commit, each
 * namespace's coordinator (a status query for the coordinators that run or just closed; the others
 * keep their last reading — queries are billed Actions, visibility lists are not) and Cloud Ops capacity (one read per
 * namespace), the reconciler state, recent alerts, and the record of effective TRUs the daemon
 * has observed from the coordinators. The view itself is computed by core/present.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { coordinatorWorkflowId } from '../core/capacity/window.js';
import { COORDINATOR_WORKFLOW } from '../core/workflow-contract.js';
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
import type { Alert, CloudOps, Notifier } from '../core/ports.js';
import type { ReconcilerState } from '../core/reconciler-contract.js';
import { scrub } from '../log/index.js';
import type { CoordinatorStatus } from '../temporal/workflows/definitions.js';

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

/** The last status query answer of a namespace's coordinator. */
/** `run`: the run id and history length the status was read at (the status cannot change while they stay). */
type CoordinatorReading = { status: CoordinatorStatus; run: string } | { notFound: true } | { error: string };

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
      client: Client;
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
        if ('status' in reading) {
          out.effective = reading.status.effective;
          out.windows = reading.status.windows.map((w) => {
            const slash = w.windowId.lastIndexOf('/');
            const workflowId = slash === -1 ? w.windowId : w.windowId.slice(0, slash);
            const runId = slash === -1 ? undefined : w.windowId.slice(slash + 1);
            const endMs = w.endTime === undefined ? undefined : Date.parse(w.endTime);
            return {
              workflowId,
              trus: w.trus,
              ...(runId === undefined ? {} : { runId }),
              ...(endMs === undefined || Number.isNaN(endMs) ? {} : { endMs }),
              ...(w.plan === undefined ? {} : { plan: w.plan }),
              ...(w.commit === undefined ? {} : { commit: w.commit }),
              ...(w.startedLate === true ? { startedLate: true } : {}),
            };
          });
        } else if ('notFound' in reading) {
          // No coordinator has ever run for the namespace: nothing was raised, so on-demand as far as capsched knows.
          out.effective = { mode: 'onDemand' };
        } else out.coordinatorError = reading.error;
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
      this.sample(namespace, this.now(), 'notFound' in reading || reading.status.effective.mode !== 'provisioned' ? 0 : reading.status.effective.trus);
    }
  }

  /**
   * Each namespace's coordinator status. A query is a billed Action on Temporal Cloud; a visibility
   * list and a describe are not. A coordinator's status changes only in its workflow tasks, and every
   * workflow task adds events to its history; so a run whose history length did not change since the
   * last query keeps that answer. One list finds the coordinators that run or closed since the last
   * reading (the others keep theirs, which cannot have changed); each of those is described, and
   * queried only when its run or history length differs from the last query's. If the list fails,
   * every namespace is described.
   */
  private async coordinatorReadings(namespaces: string[]): Promise<Map<string, CoordinatorReading>> {
    const startedAt = this.now();
    let changed: Set<string> | undefined;
    if (this.listedAtMs !== undefined) {
      try {
        changed = new Set();
        const prefix = coordinatorWorkflowId('');
        const since = new Date(this.listedAtMs - CLOSE_MARGIN_MS).toISOString();
        const query = `WorkflowType = '${COORDINATOR_WORKFLOW}' AND (ExecutionStatus = 'Running' OR CloseTime > '${since}')`;
        for await (const wf of this.deps.client.workflow.list({ query, pageSize: 1000 }))
          if (wf.workflowId.startsWith(prefix)) changed.add(wf.workflowId.slice(prefix.length));
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
        const handle = this.deps.client.workflow.getHandle(coordinatorWorkflowId(namespace));
        try {
          const described = await handle.describe();
          const run = `${described.runId}:${described.historyLength}`;
          const last = this.coordinators.get(namespace);
          if (last !== undefined && 'status' in last && last.run === run) return;
          const status = await handle.query<CoordinatorStatus>('status');
          this.coordinators.set(namespace, { status, run });
        } catch (err) {
          this.coordinators.set(namespace, err instanceof WorkflowNotFoundError ? { notFound: true } : { error: message(err) });
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
