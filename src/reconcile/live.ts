/**
 * The present side of a pass: desired-now (core/live) against what the coordinators hold, then
 * the live changes applied — raise, extend, start late, and (when forced) lower, shorten, release.
 * Reads are O(namespaces): one list of running coordinators and one status query per coordinator,
 * plus one describe per occurrence that looks like it needs a late start.
 */
import { AUDIT_MEMO_KEY, type DesiredSchedule } from '../core/desired/types.js';
import { desiredNow, occurrenceWorkflowId, occurrenceWorkflowIdOf } from '../core/live/desired-now.js';
import { liveRules } from '../core/live/rules.js';
import { presentKey, presentOf, presentPushes } from '../core/live/present.js';
import { coordinatorWorkflowId } from '../core/capacity/window.js';
import { describeLiveChange } from '../core/live/text.js';
import type { LiveChange, LiveNamespaceState, LivePlan, LiveReductions } from '../core/live/types.js';
import type { LoadedPlan } from '../core/plan/load.js';
import type { LiveStore } from '../core/ports.js';
import { LIVE_MEMO_KEY, type CapacityChangeInput } from '../core/workflow-contract.js';
import type { Logger } from '../log/index.js';
import { pool } from '../apply/index.js';

/** Coordinator status queries in flight at once. */
export const LIVE_QUERY_CONCURRENCY = 20;

/**
 * The longest a pass trusts an earlier full read of the coordinators (the safety net of the skip
 * below): at most one status query per running coordinator per this, on an unchanged commit.
 */
export const LIVE_READ_MAX_AGE_MS = 60 * 60_000;

/**
 * What the last full read of the coordinators saw, kept by the daemon between its passes. A status
 * query is a billed Action on Temporal Cloud; a visibility list is not. A pass reads the coordinators
 * again only when something could differ: another commit, another set of running coordinator and
 * window runs (a window started, ended or was cancelled; a coordinator continued as new), another
 * desired-now (an occurrence began or ended, a ramp stepped), the last read found something to apply,
 * failed or could not read a namespace, or it is older than LIVE_READ_MAX_AGE_MS.
 */
export interface LiveReadMemo {
  last?: { commit: string; runs: string; wanted: string; atMs: number; plan: LivePlan };
  /** What each namespace's coordinator run was last told (its present): told again only when it differs or the run is new. */
  told?: Map<string, { runId: string; key: string }>;
}

export function createLiveReadMemo(): LiveReadMemo {
  return {};
}

/** Whether the memo's read still stands for this pass (pure). */
export function liveReadStands(memo: LiveReadMemo | undefined, now: { commit: string; runs: string; wanted: string; nowMs: number }): boolean {
  const last = memo?.last;
  if (last === undefined) return false;
  return (
    last.commit === now.commit && last.runs === now.runs && last.wanted === now.wanted && now.nowMs >= last.atMs && now.nowMs - last.atMs < LIVE_READ_MAX_AGE_MS
  );
}

/** A full read the next pass may trust: nothing was left to apply, nothing failed, every namespace was read. */
function quiet(plan: LivePlan, applied: readonly LiveApplied[]): boolean {
  return plan.pending === 0 && plan.namespaces.every((n) => n.error === undefined) && applied.every((a) => a.outcome !== 'failed');
}

/** desired-now without its clock: equal when the same occurrences, TRUs and steps are wanted. */
function wantedKey(wanted: ReturnType<typeof desiredNow>): string {
  return JSON.stringify(wanted.namespaces);
}

export interface LiveApplied {
  kind: LiveChange['kind'];
  namespace: string;
  plan: string;
  workflowId?: string;
  outcome: 'applied' | 'exists' | 'failed';
  error?: string;
}

export interface LivePassResult {
  plan: LivePlan;
  applied: LiveApplied[];
  /** Calls made: coordinator list, status queries, describes, writes (changes to windows), tells (presents pushed). */
  calls: { lists: number; queries: number; describes: number; writes: number; tells: number };
  /** The coordinators were not queried: the last full read (same commit, same running runs) stands. */
  reusedRead?: boolean;
  /** Namespaces whose coordinator was told its present this pass (baselines and windows due: src/core/live/present.ts). */
  told?: string[];
}

export interface LivePassInput {
  live: LiveStore;
  plans: readonly LoadedPlan[];
  desired: readonly DesiredSchedule[];
  installation: string;
  commit: string;
  nowMs: number;
  reductions: LiveReductions;
  dryRun: boolean;
  /** Windows apply already cancelled (`--force` on a deleted or paused plan): not cancelled twice. */
  cancelled?: ReadonlySet<string>;
  concurrency: number;
  logger?: Logger;
  /** The daemon's record of its last full read (absent: every pass queries every running coordinator). */
  memo?: LiveReadMemo;
}

export async function reconcileLive(input: LivePassInput): Promise<LivePassResult> {
  const calls = { lists: 0, queries: 0, describes: 0, writes: 0, tells: 0 };
  const log = input.logger;
  const wanted = desiredNow(input.plans, input.nowMs, input.commit);
  calls.lists++;
  let running: string[];
  let seen: { commit: string; runs: string; wanted: string; nowMs: number } | undefined;
  let runIds = new Map<string, string>();
  if (input.memo !== undefined && input.live.runningRuns !== undefined && !input.dryRun) {
    const listed = await input.live.runningRuns();
    running = listed.coordinators;
    runIds = coordinatorRuns(running, listed.runs);
    seen = { commit: input.commit, runs: listed.runs.join('\n'), wanted: wantedKey(wanted), nowMs: input.nowMs };
    if (liveReadStands(input.memo, seen) && input.memo.last !== undefined) {
      log?.debug(
        { coordinators: running.length, readAt: new Date(input.memo.last.atMs).toISOString() },
        'same commit, same running windows: coordinators not queried',
      );
      const told = await tellPresents(input, runIds, calls);
      return { plan: { ...input.memo.last.plan, nowMs: input.nowMs }, applied: [], calls, reusedRead: true, ...(told.length > 0 ? { told } : {}) };
    }
  } else {
    running = await input.live.coordinatorNamespaces();
    runIds = new Map(running.map((n) => [n, '']));
  }
  const states: LiveNamespaceState[] = [];
  // Status queries in parallel (each has its own deadline): a coordinator no worker answers costs one deadline, not one per namespace.
  await pool(running, LIVE_QUERY_CONCURRENCY, async (namespace) => {
    calls.queries++;
    states.push(await input.live.readNamespace(namespace));
  });
  states.sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  // One desired schedule per (plan, namespace): a `namespaces:` plan has one per namespace (decision 1401).
  const planKey = (plan: string, namespace: string): string => `${plan}\n${namespace}`;
  const byPlan = new Map(input.desired.map((d) => [planKey(d.plan, d.namespace), d]));
  const startWorkflowId = (plan: string, startMs: number, namespace?: string): string => {
    const d = namespace === undefined ? undefined : byPlan.get(planKey(plan, namespace));
    return d === undefined ? occurrenceWorkflowId(input.installation, plan, startMs) : occurrenceWorkflowIdOf(d.scheduleId, startMs);
  };
  const options = { installation: input.installation, reductions: input.reductions, startWorkflowId };
  let plan = liveRules(wanted, states, options);
  // Occurrences that look like they need a late start: one whose run exists (running, ended, cancelled) is never started again.
  const candidates = plan.namespaces.flatMap((n) =>
    n.changes.filter((c) => c.kind === 'start').map((c) => startWorkflowId(c.plan, c.startMs ?? 0, c.namespace)),
  );
  if (candidates.length > 0) {
    calls.describes += candidates.length;
    const alreadyRan = await input.live.existingRuns(candidates);
    if (alreadyRan.size > 0) plan = liveRules(wanted, states, { ...options, alreadyRan });
  }

  const applied: LiveApplied[] = [];
  for (const n of plan.namespaces) {
    if (n.error === undefined)
      log?.info(
        { namespace: n.namespace, liveTrus: n.liveTrus, desiredTrus: n.desiredTrus, afterTrus: n.afterTrus, changes: n.changes.length },
        'live state differs from the plans',
      );
    if (n.error !== undefined) log?.warn({ namespace: n.namespace, error: n.error }, 'live state unreadable; running windows left as they are');
    for (const c of n.changes) {
      const fields = {
        namespace: c.namespace,
        plan: c.plan,
        kind: c.kind,
        ...(c.window === undefined ? {} : { workflowId: c.window.workflowId }),
        change: describeLiveChange(c),
      };
      if (c.heldUntilMs !== undefined) log?.info({ ...fields, heldUntil: new Date(c.heldUntilMs).toISOString() }, 'live change held until the window ends');
      else if (input.dryRun) log?.info(fields, 'dry run: would change a running window');
    }
  }
  if (input.dryRun) return { plan, applied, calls };
  const remember = (): void => {
    if (input.memo === undefined) return;
    if (seen !== undefined && quiet(plan, applied)) input.memo.last = { commit: seen.commit, runs: seen.runs, wanted: seen.wanted, atMs: seen.nowMs, plan };
    else delete input.memo.last;
  };

  for (const n of plan.namespaces) {
    for (const c of n.changes) {
      if (c.heldUntilMs !== undefined) continue;
      const entry: LiveApplied = {
        kind: c.kind,
        namespace: c.namespace,
        plan: c.plan,
        outcome: 'applied',
        ...(c.window === undefined ? {} : { workflowId: c.window.workflowId }),
      };
      try {
        calls.writes++;
        if (c.kind === 'start') {
          const d = byPlan.get(planKey(c.plan, c.namespace));
          if (d === undefined) throw new Error(`plan ${c.plan} has no desired schedule on namespace ${c.namespace}`);
          const request = lateStart(d, c, input.commit, input.nowMs, startWorkflowId(c.plan, c.startMs ?? 0, c.namespace));
          entry.workflowId = request.workflowId;
          entry.outcome = (await input.live.startWindow(request)) === 'started' ? 'applied' : 'exists';
        } else if (c.window === undefined) {
          continue;
        } else if (c.kind === 'raise' || c.kind === 'lower') {
          await input.live.setWindowTrus(c.namespace, c.window.windowId, c.toTrus ?? 0, input.commit, c.toSteps);
        } else if (c.kind === 'extend' || c.kind === 'shorten') {
          await input.live.setWindowEnd(c.window.workflowId, c.window.runId, c.toEndMs ?? input.nowMs);
        } else if (c.permanent) {
          await input.live.releaseWindow(c.namespace, c.window.windowId);
        } else if (input.cancelled?.has(c.window.workflowId) !== true) {
          await input.live.cancelWindow(c.window.workflowId, c.window.runId, `capsched: ${c.reason} (${input.commit.slice(0, 12)})`);
        }
        log?.info(
          { namespace: c.namespace, plan: c.plan, kind: c.kind, workflowId: entry.workflowId, outcome: entry.outcome, change: describeLiveChange(c) },
          'live change applied',
        );
      } catch (err) {
        entry.outcome = 'failed';
        entry.error = err instanceof Error ? err.message : String(err);
        log?.error({ namespace: c.namespace, plan: c.plan, kind: c.kind, error: entry.error }, 'live change failed');
      }
      applied.push(entry);
    }
  }
  const told = await tellPresents(input, runIds, calls);
  remember();
  return { plan, applied, calls, ...(told.length > 0 ? { told } : {}) };
}

/** Namespace → run id of its running coordinator, from the runs a visibility list and describes gave (`workflowId/runId@…`). */
function coordinatorRuns(namespaces: readonly string[], runs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const namespace of namespaces) {
    const prefix = `${coordinatorWorkflowId(namespace)}/`;
    const run = runs.find((r) => r.startsWith(prefix));
    out.set(namespace, run === undefined ? '' : run.slice(prefix.length).split('@')[0]!);
  }
  return out;
}

/**
 * Tells each running coordinator its namespace's present when its run was not told it yet (a signal is a billed Action:
 * an unchanged present on the same run is not sent again). A run id the pass could not learn ('') is told every pass.
 */
async function tellPresents(input: LivePassInput, runIds: ReadonlyMap<string, string>, calls: LivePassResult['calls']): Promise<string[]> {
  const live = input.live;
  if (input.dryRun || live.pushPresent === undefined) return [];
  const told = input.memo === undefined ? new Map<string, { runId: string; key: string }>() : (input.memo.told ??= new Map());
  // A namespace whose coordinator no longer runs is forgotten (its next run is told anew).
  for (const namespace of [...told.keys()]) if (!runIds.has(namespace)) told.delete(namespace);
  // Only the namespaces this installation's plans name: another installation's coordinator is not ours to tell (a namespace
  // whose last plan left git is released by the live rules instead).
  const plansOf = new Map<string, LoadedPlan[]>();
  for (const p of input.plans) if (runIds.has(p.plan.namespace)) plansOf.set(p.plan.namespace, [...(plansOf.get(p.plan.namespace) ?? []), p]);
  const presents = new Map([...plansOf.keys()].map((n) => [n, presentOf(plansOf.get(n) ?? [], n, input.nowMs, input.commit, input.installation)]));
  const out: string[] = [];
  for (const namespace of presentPushes(runIds, presents, told)) {
    const present = presents.get(namespace)!;
    const runId = runIds.get(namespace) ?? '';
    calls.tells++;
    try {
      await live.pushPresent(namespace, present);
      if (runId !== '') told.set(namespace, { runId, key: presentKey(present) });
      out.push(namespace);
      input.logger?.info({ namespace, baselines: present.plans, due: present.due?.startsMs.length ?? 0 }, 'coordinator told its present');
    } catch (err) {
      told.delete(namespace);
      input.logger?.warn(
        { namespace, error: err instanceof Error ? err.message : String(err) },
        'could not tell the coordinator its present; the next pass tries again',
      );
    }
  }
  return out;
}

/** The run the schedule would have started for this occurrence, started now with its absolute end and the late-start audit trail. */
function lateStart(d: DesiredSchedule, c: LiveChange, commit: string, nowMs: number, workflowId: string): Parameters<LiveStore['startWindow']>[0] {
  const { duration: _duration, ...args } = d.action.args[0];
  const input: CapacityChangeInput = {
    ...args,
    // A ramp keeps its peak (its coordinator follows the steps from the occurrence's start, given here).
    desiredTrus: args.steps === undefined ? (c.toTrus ?? args.desiredTrus) : args.desiredTrus,
    ...(args.steps === undefined || c.startMs === undefined ? {} : { startTime: new Date(c.startMs).toISOString() }),
    commit,
    startedLate: true,
    ...(c.toEndMs === null || c.toEndMs === undefined ? {} : { endTime: new Date(c.toEndMs).toISOString() }),
  };
  return {
    workflowId,
    workflowType: d.action.workflowType,
    taskQueue: d.action.taskQueue,
    input,
    memo: {
      [AUDIT_MEMO_KEY]: d.action.memo[AUDIT_MEMO_KEY],
      [LIVE_MEMO_KEY]: {
        startedLate: true,
        commit,
        startedAt: new Date(nowMs).toISOString(),
        occurrenceStart: new Date(c.startMs ?? nowMs).toISOString(),
        reason: c.reason,
      },
    },
    searchAttributes: d.action.searchAttributes,
  };
}
