/**
 * The rules about a ramp's steps that need the window (a step inside it) and the hourly billing
 * warnings: Temporal Cloud adjusts TRUs hourly and bills each hour at its highest value, so steps
 * under an hour apart (`steps-under-hour`) and windows under an hour (`window-under-hour`) cost
 * more than they seem to. A step that repeats the value before it changes nothing (`step-unchanged`).
 */
import { formatMinutes, type Issue } from './issues.js';
import { PlanStepSchema, stepOffset } from './schema.js';
import { issue, type Position } from './yaml-documents.js';

const HOUR_MS = 3_600_000;

/** A step as far as it is readable: its offset and value when each passed its own checks. */
interface ReadStep {
  ms?: number;
  trus?: number;
}

function readSteps(list: unknown[]): ReadStep[] {
  return list.map((step) => {
    if (step === null || typeof step !== 'object') return {};
    const fields = step as Record<string, unknown>;
    const out: ReadStep = {};
    const offset = stepOffset(fields.after);
    if (offset.ok) out.ms = offset.ms;
    const trus = PlanStepSchema.shape.trus.safeParse(fields.trus);
    if (trus.success) out.trus = trus.data;
    return out;
  });
}

/**
 * A ramp's steps against its window (`lengthMs`, when known): each step starts before the window
 * ends; warnings between two good neighbours (under an hour apart, or the same value twice).
 * Steps that failed their own checks (schema.ts) are skipped: zod reports them.
 */
export function rampIssues(file: string, list: unknown[], lengthMs: number | undefined, valueAt: (field: string) => Position): Issue[] {
  const issues: Issue[] = [];
  const steps = readSteps(list);
  let previous: number | undefined;
  steps.forEach(({ ms }, i) => {
    if (ms === undefined) return;
    const increasing = previous === undefined || ms > previous;
    if (increasing) previous = ms;
    if (!increasing || lengthMs === undefined || ms < lengthMs) return;
    const field = `steps[${i}].after`;
    issues.push(
      issue(
        file,
        valueAt(field),
        field,
        'step-outside-window',
        `step ${i + 1} (after ${formatMinutes(ms / 60_000)}) is not inside the window, which lasts ${formatMinutes(lengthMs / 60_000)}; every step must start before the window ends`,
      ),
    );
  });
  for (let i = 1; i < steps.length; i++) {
    const { ms: a, trus: va } = steps[i - 1]!;
    const { ms: b, trus: vb } = steps[i]!;
    if (a === undefined || b === undefined || va === undefined || vb === undefined || b <= a) continue;
    if (va === vb) {
      const field = `steps[${i}].trus`;
      issues.push(
        issue(
          file,
          valueAt(field),
          field,
          'step-unchanged',
          `step ${i + 1} asks for ${vb} TRUs, the same as step ${i}: it changes nothing — remove it or change its value`,
          'warning',
        ),
      );
    } else if (b - a < HOUR_MS) {
      const field = `steps[${i}].after`;
      const gap = formatMinutes((b - a) / 60_000);
      const high = Math.max(va, vb);
      // The hour from step i: its `gap` at va, the rest at vb — billed at the higher of the two throughout.
      const planned = Math.round(((va * (b - a)) / HOUR_MS + (vb * (HOUR_MS - (b - a))) / HOUR_MS) * 100) / 100;
      issues.push(
        issue(
          file,
          valueAt(field),
          field,
          'steps-under-hour',
          `step ${i + 1} comes ${gap} after step ${i}: Temporal Cloud bills each hour at its highest value, so the hour holding ${gap} at ${va} TRUs then ${vb} TRUs costs ${high} TRU-hours, not the ${planned} the steps suggest — space the steps at least 1h apart`,
          'warning',
        ),
      );
    }
  }
  return issues;
}

/** The `window-under-hour` warning's message for a window `lengthMs` long, or undefined when it lasts an hour or more (or is permanent). */
export function windowUnderHour(lengthMs: number | null): string | undefined {
  if (lengthMs === null || lengthMs >= HOUR_MS) return undefined;
  return `the window is ${formatMinutes(lengthMs / 60_000)} long; Temporal Cloud adjusts TRUs hourly and bills each hour at its highest value — make it at least 1h`;
}
