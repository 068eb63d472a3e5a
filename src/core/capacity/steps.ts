/**
 * Ramps: a window whose capacity steps through TRU values (issue #14). A flat window is a ramp of
 * one step at its start, so everything that reads capacity over a window reads it through here.
 * Pure: offsets and instants are passed in.
 */
import { parseDurationMs } from './duration.js';

/** A step as the plan writes it (and the workflow input carries it): an offset from the window's start. */
export interface PlanStep {
  /** Offset from the window's start, in the plan's duration syntax ("0h", "1h30m"). */
  after: string;
  trus: number;
}

/** A step with its offset in ms. */
export interface RampStep {
  afterMs: number;
  trus: number;
}

/** A step at an instant (what a window hands its coordinator). */
export interface TimedStep {
  atMs: number;
  trus: number;
}

/**
 * A plan's steps, offsets in ms, in order: its `steps`, or one step of `trus` at the start for a
 * flat plan. Steps whose offset does not parse are left out (validation reports them first).
 */
export function planSteps(plan: { trus: number; steps?: readonly PlanStep[] | undefined }): RampStep[] {
  if (plan.steps === undefined || plan.steps.length === 0) return [{ afterMs: 0, trus: plan.trus }];
  const out: RampStep[] = [];
  for (const s of plan.steps) {
    const ms = parseDurationMs(s.after);
    if (ms !== undefined) out.push({ afterMs: ms, trus: s.trus });
  }
  return out.length > 0 ? out : [{ afterMs: 0, trus: plan.trus }];
}

/** The highest value of a ramp (what a flat summary of it shows, and the safe value for a worker that knows no ramps). */
export function peakTrus(steps: readonly { trus: number }[]): number {
  let max = 0;
  for (const s of steps) if (s.trus > max) max = s.trus;
  return max;
}

/** The steps at instants, for a window that starts at `startMs`. */
export function timedSteps(steps: readonly RampStep[], startMs: number): TimedStep[] {
  return steps.map((s) => ({ atMs: startMs + s.afterMs, trus: s.trus }));
}

/**
 * The TRUs a ramp asks for at `nowMs`: the latest step reached. Before the first step (a window
 * always starts at its first step, so only for clock skew) the first step's value.
 */
export function trusAt(steps: readonly TimedStep[], nowMs: number): number {
  let trus = steps[0]?.trus ?? 0;
  for (const s of steps) if (s.atMs <= nowMs) trus = s.trus;
  return trus;
}

/** The next step after `nowMs` whose value differs from the current one (undefined: none left). */
export function nextStepMs(steps: readonly TimedStep[], nowMs: number): number | undefined {
  const current = trusAt(steps, nowMs);
  for (const s of steps) if (s.atMs > nowMs && s.trus !== current) return s.atMs;
  return undefined;
}

/** "4 → 8 → 12 → 6 TRUs" (a flat ramp: "8 TRUs"). */
export function describeSteps(steps: readonly { trus: number }[]): string {
  return `${steps.map((s) => s.trus).join(' → ')} TRUs`;
}

/** Two step lists are the same ramp. */
export function sameSteps(a: readonly TimedStep[] | undefined, b: readonly TimedStep[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((s, i) => s.atMs === b[i]!.atMs && s.trus === b[i]!.trus);
}

/**
 * A ramp's steps at instants, checked: offsets in the duration grammar, the first at the start,
 * strictly increasing, inside the window; TRUs positive. A string says what is wrong.
 */
export function readRamp(
  planSteps: unknown,
  startMs: number,
  endMs: number | undefined,
  readDuration: (text: string) => number | undefined,
): TimedStep[] | string {
  if (!Array.isArray(planSteps) || planSteps.length === 0) return 'steps must be a non-empty list of { after, trus }';
  const out: TimedStep[] = [];
  for (const [i, raw] of planSteps.entries()) {
    const s = raw as { after?: unknown; trus?: unknown } | null;
    const afterMs = typeof s?.after === 'string' ? readDuration(s.after) : undefined;
    if (afterMs === undefined) return `steps[${i}].after ${JSON.stringify(s?.after)} is not a duration such as "1h30m"`;
    if (typeof s?.trus !== 'number' || !Number.isFinite(s.trus) || s.trus <= 0) return `steps[${i}].trus ${JSON.stringify(s?.trus)} must be a positive number`;
    if (i === 0 && afterMs !== 0) return `steps[0].after must be 0 (the first step is at the window's start), not "${String(s.after)}"`;
    const prev = out[out.length - 1];
    if (prev !== undefined && startMs + afterMs <= prev.atMs) return `steps[${i}].after must be later than steps[${i - 1}].after`;
    if (endMs !== undefined && startMs + afterMs >= endMs) return `steps[${i}].after is at or after the window's end`;
    out.push({ atMs: startMs + afterMs, trus: s.trus });
  }
  return out;
}
