/**
 * The one rules function of the present: (desired-now, live) → live changes per namespace.
 * docs/reconcile.md ("Running windows and permanent plans") holds the same table:
 *
 * 1. raise / extend: an active window's plan asks for more TRUs or a later end → applied now.
 * 2. start: a plan's occurrence covers now but no window runs for it → started now until its end
 *    (never after it; an occurrence whose run already exists, running or closed, is not started again).
 * 3. lower / shorten / release of a running window (fewer TRUs, earlier end, plan deleted or paused,
 *    namespace changed) → held until the window's end, unless reductions apply now (`--force`).
 * 4. permanent plans: one baseline per plan (the maximum applies); edits apply now, up or down; a deleted or
 *    paused permanent plan releases its own baseline, never another plan's.
 * 5. idempotent: what the coordinators already hold produces no change.
 */
import { describeSteps, peakTrus, sameSteps } from '../capacity/steps.js';
import { parseOccurrenceWorkflowId } from './desired-now.js';
import type { DesiredNow, DesiredNowWindow, LiveChange, LiveNamespacePlan, LiveNamespaceState, LivePlan, LiveReductions, LiveWindow } from './types.js';

export interface LiveRulesOptions {
  installation: string;
  reductions: LiveReductions;
  /** Workflow ids of occurrences whose run already exists (running or closed): never started again. */
  alreadyRan?: ReadonlySet<string>;
  /** The workflow id a start would use (the schedule's own run id for that occurrence; a `namespaces:` plan has one schedule per namespace). */
  startWorkflowId: (plan: string, startMs: number, namespace?: string) => string;
}

/** A live window's plan and installation, from the window itself or its workflow id. */
export function resolveLiveWindow(w: LiveWindow): LiveWindow {
  if (w.plan !== undefined && w.installation !== undefined && w.startMs !== undefined) return w;
  const parsed = parseOccurrenceWorkflowId(w.workflowId);
  if (parsed === undefined) return w;
  return { ...w, plan: w.plan ?? parsed.plan, installation: w.installation ?? parsed.installation, startMs: w.startMs ?? parsed.startMs };
}

function ref(w: LiveWindow): NonNullable<LiveChange['window']> {
  return { windowId: w.windowId, workflowId: w.workflowId, runId: w.runId };
}

function effective(trus: readonly number[]): number {
  return trus.reduce((max, t) => Math.max(max, t), 0);
}

/** The desired windows of one plan paired with its live windows: same occurrence first, then latest with latest. */
function pair(desired: DesiredNowWindow[], live: LiveWindow[]): { pairs: [DesiredNowWindow, LiveWindow][]; starts: DesiredNowWindow[]; orphans: LiveWindow[] } {
  const d = [...desired].sort((a, b) => a.startMs - b.startMs);
  const l = [...live].sort((a, b) => (a.startMs ?? 0) - (b.startMs ?? 0));
  const pairs: [DesiredNowWindow, LiveWindow][] = [];
  for (let i = d.length - 1; i >= 0; i--) {
    const j = l.findIndex((w) => w.startMs === d[i]!.startMs);
    if (j >= 0) pairs.push([d.splice(i, 1)[0]!, l.splice(j, 1)[0]!]);
  }
  // An edit that moved the occurrence (e.g. a new start time that still covers now) pairs the latest ones.
  while (d.length > 0 && l.length > 0) pairs.push([d.pop()!, l.pop()!]);
  return { pairs, starts: d, orphans: l };
}

export function liveRules(desired: DesiredNow, live: readonly LiveNamespaceState[], options: LiveRulesOptions): LivePlan {
  const nowMs = desired.nowMs;
  const now = options.reductions === 'now';
  const desiredBy = new Map(desired.namespaces.map((n) => [n.namespace, n.windows]));
  const liveBy = new Map(live.map((n) => [n.namespace, n]));
  const names = [...new Set([...desiredBy.keys(), ...liveBy.keys()])].sort();
  const out: LiveNamespacePlan[] = [];

  for (const namespace of names) {
    const state = liveBy.get(namespace);
    const wanted = desiredBy.get(namespace) ?? [];
    const baselines = wanted.filter((w) => w.endMs === null);
    const timed = wanted.filter((w) => w.endMs !== null);
    const liveWindows = (state?.windows ?? []).map(resolveLiveWindow);
    const ours = liveWindows.filter((w) => w.installation === options.installation && w.plan !== undefined);
    // Desired effective: every timed occurrence, and the baselines that apply (a permanent cron plan only once live).
    const liveBaselinePlans = new Set(ours.filter((w) => w.endMs === null).map((w) => w.plan));
    const applying = baselines.filter((b) => b.needsLive !== true || liveBaselinePlans.has(b.plan));
    const desiredTrus = effective([...timed, ...applying].map((w) => w.trus));
    const plan: LiveNamespacePlan = { namespace, desiredTrus, changes: [] };
    if (state?.error !== undefined) {
      // Shown where the plans ask for capacity now; another namespace's unreadable coordinator is not this pass's business.
      if (wanted.length > 0) {
        plan.error = state.error;
        out.push(plan);
      }
      continue;
    }
    if (state !== undefined) plan.liveTrus = state.effectiveTrus;
    const changes = plan.changes;
    const held = (change: LiveChange, untilMs: number | null | undefined): LiveChange => {
      if (!now && untilMs !== null && untilMs !== undefined) change.heldUntilMs = untilMs;
      return change;
    };

    // Timed windows (rules 1, 2, 3).
    const livePlans = new Set(ours.filter((w) => w.endMs !== null).map((w) => w.plan!));
    const plansHere = [...new Set([...timed.map((w) => w.plan), ...livePlans])].sort();
    for (const name of plansHere) {
      const { pairs, starts, orphans } = pair(
        timed.filter((w) => w.plan === name),
        ours.filter((w) => w.endMs !== null && w.plan === name),
      );
      for (const [d, l] of pairs) {
        // A window whose raise failed is held at 0 TRUs until its end (so a late-completing change is released): not raised again by a pass.
        if (l.trus === 0) continue;
        const trusChange = (kind: 'raise' | 'lower', reason: string, steps?: LiveChange['toSteps']): LiveChange => ({
          kind,
          namespace,
          plan: name,
          window: ref(l),
          permanent: false,
          fromTrus: l.trus,
          toTrus: d.trus,
          ...(steps === undefined ? {} : { toSteps: steps }),
          reason,
        });
        if (d.steps !== undefined || l.steps !== undefined) {
          // A ramp: the same steps need nothing (its coordinator follows them); other steps reshape the window.
          if (!sameSteps(d.steps, l.steps)) {
            const up = d.trus > l.trus || (d.trus === l.trus && peakTrus(d.steps ?? [d]) >= peakTrus(l.steps ?? [l]));
            const reason = d.steps === undefined ? `plan asks for ${d.trus} TRUs (no longer a ramp)` : `plan's ramp is now ${describeSteps(d.steps)}`;
            const change = trusChange(up ? 'raise' : 'lower', reason, d.steps);
            changes.push(up ? change : held(change, l.endMs));
          }
        } else if (d.trus > l.trus) changes.push(trusChange('raise', `plan asks for ${d.trus} TRUs`));
        else if (d.trus < l.trus) changes.push(held(trusChange('lower', `plan asks for ${d.trus} TRUs`), l.endMs));
        if (d.endMs! > l.endMs!)
          changes.push({
            kind: 'extend',
            namespace,
            plan: name,
            window: ref(l),
            permanent: false,
            fromEndMs: l.endMs,
            toEndMs: d.endMs,
            reason: 'plan ends later',
          });
        if (d.endMs! < l.endMs!)
          changes.push(
            held(
              {
                kind: 'shorten',
                namespace,
                plan: name,
                window: ref(l),
                permanent: false,
                fromEndMs: l.endMs,
                toEndMs: Math.max(d.endMs!, nowMs),
                reason: 'plan ends earlier',
              },
              l.endMs,
            ),
          );
      }
      for (const d of starts) {
        if (options.alreadyRan?.has(options.startWorkflowId(d.plan, d.startMs, namespace)) === true) continue;
        changes.push({
          kind: 'start',
          namespace,
          plan: name,
          permanent: false,
          toTrus: d.trus,
          startMs: d.startMs,
          toEndMs: d.endMs,
          reason: 'the window covers now but is not running',
        });
      }
      for (const l of orphans) {
        const why = desired.namespaces.some((n) => n.namespace !== namespace && n.windows.some((w) => w.plan === name && w.endMs !== null))
          ? 'plan moved to another namespace'
          : 'plan deleted, paused or no longer covering now';
        changes.push(
          held({ kind: 'release', namespace, plan: name, window: ref(l), permanent: false, fromTrus: l.trus, fromEndMs: l.endMs, reason: why }, l.endMs),
        );
      }
    }

    // Baselines (rule 4): the coordinator holds one baseline per permanent plan (the engine's set; effective = the maximum).
    // Each live baseline follows its plan: edited → its TRUs set, deleted or paused → released; a plan in force not held → started.
    const wantedBy = new Map(applying.map((b) => [b.plan, b]));
    const liveBaselines = ours.filter((w) => w.endMs === null);
    for (const l of liveBaselines) {
      const want = wantedBy.get(l.plan!);
      if (want === undefined) {
        changes.push({
          kind: 'release',
          namespace,
          plan: l.plan!,
          window: ref(l),
          permanent: true,
          fromTrus: l.trus,
          fromEndMs: null,
          reason: 'permanent plan deleted or paused',
        });
      } else if (want.trus !== l.trus) {
        changes.push({
          kind: want.trus > l.trus ? 'raise' : 'lower',
          namespace,
          plan: want.plan,
          window: ref(l),
          permanent: true,
          fromTrus: l.trus,
          toTrus: want.trus,
          reason: `permanent plan asks for ${want.trus} TRUs`,
        });
      }
    }
    for (const want of applying) {
      if (liveBaselines.some((l) => l.plan === want.plan) || want.needsLive === true) continue;
      if (options.alreadyRan?.has(options.startWorkflowId(want.plan, want.startMs, namespace)) === true) continue;
      changes.push({
        kind: 'start',
        namespace,
        plan: want.plan,
        permanent: true,
        toTrus: want.trus,
        startMs: want.startMs,
        toEndMs: null,
        reason: 'permanent plan is not applied',
      });
    }

    if (changes.length === 0) continue;
    plan.afterTrus = afterTrus(liveWindows, changes);
    out.push(plan);
  }
  const all = out.flatMap((n) => n.changes);
  return {
    nowMs,
    reductions: options.reductions,
    namespaces: out,
    pending: all.filter((c) => c.heldUntilMs === undefined).length,
    held: all.filter((c) => c.heldUntilMs !== undefined).length,
  };
}

/** Effective TRUs once the changes that are not held have taken effect. */
function afterTrus(live: readonly LiveWindow[], changes: readonly LiveChange[]): number {
  const trus = new Map(live.map((w) => [w.windowId, w.trus]));
  for (const c of changes) {
    if (c.heldUntilMs !== undefined) continue;
    if (c.kind === 'start') {
      trus.set(`start:${c.plan}:${c.startMs}`, c.toTrus ?? 0);
    } else if (c.window !== undefined && (c.kind === 'raise' || c.kind === 'lower')) trus.set(c.window.windowId, c.toTrus ?? 0);
    else if (c.window !== undefined && c.kind === 'release') trus.delete(c.window.windowId);
  }
  return effective([...trus.values()]);
}

/**
 * What the coordinators would hold if `base` were fully applied now: every covering occurrence
 * running with its plan's TRUs and end. The PR report compares head with it ("if merged now").
 */
export function liveFromDesired(base: DesiredNow, installation: string, workflowIdOf: (plan: string, startMs: number) => string): LiveNamespaceState[] {
  return base.namespaces.map((n) => {
    // Every permanent plan holds its own baseline (the engine's set), next to the covering occurrences.
    const windows: LiveWindow[] = n.windows.map((w) => {
      const workflowId = workflowIdOf(w.plan, w.startMs);
      return {
        windowId: `${workflowId}/base`,
        workflowId,
        runId: 'base',
        trus: w.trus,
        ...(w.steps === undefined ? {} : { steps: w.steps }),
        endMs: w.endMs,
        plan: w.plan,
        installation,
        startMs: w.startMs,
      };
    });
    return { namespace: n.namespace, effectiveTrus: effective(windows.map((w) => w.trus)), windows };
  });
}
