import { z } from 'zod';
import { DURATION_SYNTAX, parseDuration } from '../capacity/duration.js';
import { peakTrus } from '../capacity/steps.js';
import { checkTimeZone } from '../time/zone.js';
import { parseCron } from '../windows/cron.js';
import { formatMinutes } from './issues.js';
import { MAX_LEAD_MS, RELEASE_LEAD_MS } from '../capacity/timing.js';

/**
 * The capacity-plan format, v1. This zod schema is the single source of the TypeScript type,
 * the shape validation, the field documentation and schema/capacity-plan.schema.json.
 * Each field's own rules (cron subset, time zone, duration, a ramp's steps, a namespace list) are
 * checks here, each reporting under its stable code; the rules that relate fields or plans
 * (rules.ts, ramp-rules.ts) and the time-based warnings (validate.ts) live outside.
 */

export const PLAN_API_VERSION = 'capsched/v1';
export const PLAN_KIND = 'CapacityPlan';

/** TRU values Temporal Cloud accepts for provisioned capacity. */
export const VALID_TRUS = [2, 3, 4, 6, 8, 10, 12] as const;

export const PLAN_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Duration text in Go syntax (src/core/capacity/duration.ts): 45m, 3h, 1h30m, 1.5h, 5400s. */
export const DURATION_PATTERN = new RegExp(DURATION_SYNTAX);
/** Local date-time, minute precision, optional UTC offset: 2026-12-24T09:00 or 2026-12-24T09:00-05:00. */
export const LOCAL_DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$/;

/** A Temporal Cloud namespace id. */
export const NamespaceId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);

/**
 * A problem one of this schema's own checks finds, reported under a stable code
 * (docs/plan-format.md) with its message. The loader places it by its path like any zod issue.
 */
function coded(ctx: z.RefinementCtx, code: string, message: string, path: PropertyKey[] = []): void {
  ctx.addIssue({ code: 'custom', message, params: { code }, path });
}

/** The stable code of a zod issue raised by one of this schema's own checks, if it is one. */
export function issueCode(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'custom') return undefined;
  const code: unknown = issue.params?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Runs a list check even when an item failed, so every problem is reported at once. */
const ALWAYS = { when: (): boolean => true };

/** A step's `after` as milliseconds: a duration (or a bare 0) of whole minutes; else the reason it is not one. */
export function stepOffset(after: unknown): { ok: true; ms: number } | { ok: false; message?: string } {
  const text = after === 0 ? '0' : typeof after === 'string' ? after : undefined;
  if (text === undefined) return { ok: false };
  const parsed = parseDuration(text);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  if (parsed.ms % 60_000 !== 0)
    return { ok: false, message: `"${text}" is not a whole number of minutes; steps are planned to the minute — e.g. "45m", "1h30m"` };
  return { ok: true, ms: parsed.ms };
}

/** The value a one-step ramp would write as `trus` (8 when it has none that is a number). */
function oneValue(step: unknown): number {
  const trus = step !== null && typeof step === 'object' ? (step as { trus?: unknown }).trus : undefined;
  return typeof trus === 'number' ? trus : 8;
}

/**
 * A ramp's list rules: at least two steps, each offset whole minutes, the first at the window's
 * start, strictly increasing. Reads the items as written (some may have failed their own checks).
 */
function stepListRules(list: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(list)) return;
  if (list.length < 2)
    coded(
      ctx,
      'steps-too-few',
      list.length === 0
        ? 'steps is an empty list; a ramp needs at least 2 steps (for one value use `trus`)'
        : `a ramp needs at least 2 steps; for one value for the whole window use \`trus: ${oneValue(list[0])}\``,
    );
  let previous: { index: number; ms: number } | undefined;
  list.forEach((step, i) => {
    if (step === null || typeof step !== 'object' || !('after' in step)) return;
    const offset = stepOffset(step.after);
    if (!offset.ok) {
      if (offset.message !== undefined) coded(ctx, 'invalid-step-offset', `steps[${i}].after ${offset.message}`, [i, 'after']);
      return;
    }
    const ms = offset.ms;
    if (i === 0 && ms !== 0)
      coded(
        ctx,
        'first-step-not-at-start',
        `the first step must be at the window's start (after: 0h), not after ${formatMinutes(ms / 60_000)}; the window starts at its first step's value`,
        [0, 'after'],
      );
    if (previous !== undefined && ms <= previous.ms)
      coded(
        ctx,
        'steps-not-increasing',
        `step ${i + 1} (after ${formatMinutes(ms / 60_000)}) must come after step ${previous.index + 1} (after ${formatMinutes(previous.ms / 60_000)}); list the steps in time order, each later than the one before`,
        [i, 'after'],
      );
    if (previous === undefined || ms > previous.ms) previous = { index: i, ms };
  });
}

/** A `namespaces:` list: at least one id, each once. */
function namespaceListRules(list: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(list)) return;
  if (list.length === 0) coded(ctx, 'namespaces-empty', 'namespaces is an empty list; list at least one namespace id, or use `namespace`');
  const seen = new Map<unknown, number>();
  list.forEach((ns, i) => {
    if (!NamespaceId.safeParse(ns).success) return;
    const first = seen.get(ns);
    if (first === undefined) seen.set(ns, i);
    else if (typeof ns === 'string')
      coded(ctx, 'duplicate-namespace', `namespace "${ns}" is listed twice in namespaces (items ${first + 1} and ${i + 1}); list each namespace once`, [i]);
  });
}

/** A `duration:` a window can have: positive, whole minutes, no spaces. */
function durationRules(text: string, ctx: z.RefinementCtx): void {
  const trimmed = text.trim();
  const parsed = parseDuration(trimmed);
  if (!parsed.ok) {
    if (parsed.negative) coded(ctx, 'duration-not-positive', `duration "${text}" is negative; write a positive length such as "3h"`);
    else coded(ctx, 'invalid-duration', `duration ${parsed.message}`);
  } else if (parsed.ms === 0)
    coded(ctx, 'duration-not-positive', 'duration is zero; write a positive length such as "3h" (leave duration out for a permanent change)');
  else if (trimmed !== text) coded(ctx, 'invalid-duration', `duration "${text}" has spaces; write "${trimmed}"`);
  else if (parsed.ms % 60_000 !== 0)
    coded(ctx, 'invalid-duration', `duration "${text}" is not a whole number of minutes; windows are planned to the minute — e.g. "45m", "1h30m"`);
}

/** A `lead:`: whole minutes, from 0 to MAX_LEAD_MS, no spaces. */
function leadRules(text: string, ctx: z.RefinementCtx): void {
  const parsed = parseDuration(text);
  if (!parsed.ok) {
    if (parsed.negative) coded(ctx, 'invalid-lead', `lead "${text}" is negative; write how long before the window's start to raise, e.g. "3m"`);
    else coded(ctx, 'invalid-lead', `lead ${parsed.message}`);
  } else if (text.trim() !== text) coded(ctx, 'invalid-lead', `lead "${text}" has spaces; write "${text.trim()}"`);
  else if (parsed.ms % 60_000 !== 0) coded(ctx, 'invalid-lead', `lead "${text}" is not a whole number of minutes; schedules fire to the minute — e.g. "3m"`);
  else if (parsed.ms > MAX_LEAD_MS)
    coded(
      ctx,
      'lead-too-long',
      `lead ${text} is longer than ${formatMinutes(MAX_LEAD_MS / 60_000)}; Temporal aims to provision within ${formatMinutes(RELEASE_LEAD_MS / 60_000)}, so a few minutes is enough — e.g. "3m" (or start the window earlier)`,
    );
}

/** One step of a ramp (`steps:`): from `after` (offset from the window's start) the window asks for `trus`. */
export const PlanStepSchema = z
  .strictObject({
    after: z
      .union([z.string().regex(DURATION_PATTERN), z.literal(0)])
      .transform((v) => String(v))
      .describe('Offset from the window\'s start in duration syntax, a whole number of minutes: "0h" (the first step), "1h", "1h30m".'),
    trus: z.literal(VALID_TRUS).describe(`TRUs from this offset on; Temporal Cloud accepts ${VALID_TRUS.join(', ')}.`),
  })
  .describe('One step of a ramp.');

export const CapacityPlan = z
  .strictObject({
    apiVersion: z.literal(PLAN_API_VERSION).describe(`Format version; must be "${PLAN_API_VERSION}".`),
    kind: z.literal(PLAN_KIND).describe(`Document kind; must be "${PLAN_KIND}".`),
    name: z
      .string()
      .regex(PLAN_NAME_PATTERN)
      .describe(
        'Unique name of the plan across the repository: lowercase letters, digits and dashes, at most 63 characters. The Temporal Schedule id is derived from it.',
      )
      .meta({ examples: ['nightly-batch'] }),
    namespace: NamespaceId.describe('Temporal Cloud namespace id whose capacity changes, e.g. "payments.a1b2c". Exactly one of `namespace` and `namespaces`.')
      .meta({ examples: ['payments.a1b2c'] })
      .optional(),
    namespaces: z
      .array(NamespaceId)
      .check(z.superRefine(namespaceListRules, ALWAYS))
      .meta({ minItems: 1 })
      .optional()
      .describe(
        'Several Temporal Cloud namespace ids that change together, without duplicates. Each gets its own schedule and window runs, so one namespace never blocks another. Exactly one of `namespace` and `namespaces`.',
      )
      .meta({ examples: [['payments.a1b2c', 'orders.a1b2c']] }),
    trus: z
      .literal(VALID_TRUS)
      .describe(
        `Provisioned capacity during the window, in Temporal Resource Units. Temporal Cloud accepts ${VALID_TRUS.join(', ')}. Exactly one of \`trus\` and \`steps\`.`,
      )
      .meta({ examples: [8] })
      .optional(),
    steps: z
      .array(PlanStepSchema)
      .check(z.superRefine(stepListRules, ALWAYS))
      .meta({ minItems: 2 })
      .optional()
      .describe(
        "A ramp: the capacity steps through these values during the window. Each step is an offset from the window's start (`after`, a whole number of minutes, the first 0h, strictly increasing, inside the window) and its `trus`; capacity follows the latest step reached. Needs a window end (`duration` or `until`). Exactly one of `trus` and `steps`.",
      )
      .meta({
        examples: [
          [
            { after: '0h', trus: 4 },
            { after: '1h', trus: 8 },
            { after: '2h', trus: 12 },
            { after: '9h', trus: 6 },
          ],
        ],
      }),
    cron: z
      .string()
      .min(1)
      .superRefine((text, ctx) => {
        const parsed = parseCron(text);
        if (!parsed.ok) coded(ctx, parsed.code, `cron "${text}": ${parsed.message}`);
      })
      .optional()
      .describe(
        'Recurring window start: a 5-field cron expression (minute hour day-of-month month day-of-week) in `timezone`. Not allowed: L, W, #, H, ?, a 6th field, day-of-month together with day-of-week. Exactly one of `cron` and `at`.',
      )
      .meta({ examples: ['0 23 * * 1-5'] }),
    at: z
      .string()
      .regex(LOCAL_DATE_TIME_PATTERN)
      .optional()
      .describe(
        'One-off window start, "YYYY-MM-DDTHH:MM" in `timezone`, or with an explicit offset ("2026-12-24T09:00-05:00"). Exactly one of `cron` and `at`.',
      )
      .meta({ examples: ['2026-12-24T09:00'] }),
    timezone: z
      .string()
      .min(1)
      .superRefine((zone, ctx) => {
        const check = checkTimeZone(zone);
        if (!check.ok)
          coded(
            ctx,
            'unknown-timezone',
            `unknown time zone "${zone}"; ${check.suggestion === undefined ? 'use' : `did you mean "${check.suggestion}"? Otherwise use`} an IANA name such as "America/New_York" or "UTC"`,
          );
      })
      .default('UTC')
      .describe('IANA time zone the start (and `until`) are read in, e.g. "America/New_York". Default UTC.')
      .meta({ examples: ['America/New_York'] }),
    duration: z
      .string()
      .regex(DURATION_PATTERN)
      .superRefine(durationRules)
      .optional()
      .describe(
        'Window length in Go duration syntax (the one Temporal CLI uses), a whole number of minutes, e.g. "45m", "3h", "1h30m", "1.5h". At most one of `duration` and `until`; with neither the change is permanent (no revert).',
      )
      .meta({ examples: ['3h'] }),
    until: z
      .string()
      .regex(LOCAL_DATE_TIME_PATTERN)
      .optional()
      .describe('One-off window end (only with `at`), same format as `at`. At most one of `duration` and `until`.'),
    lead: z
      .string()
      .regex(DURATION_PATTERN)
      .superRefine(leadRules)
      .optional()
      .describe(
        `Raise lead: the schedule fires this long before the window's start, so the capacity is ready at the start (Temporal aims to provision within 2 minutes). Duration syntax, whole minutes, 0 to ${MAX_LEAD_MS / 60_000}m, e.g. "3m". Default 0 (raise at the start). A lead that crosses a UTC hour adds a billed hour (docs/billing.md).`,
      )
      .meta({ examples: ['3m'] }),
    release: z
      .enum(['at-end', 'early'])
      .optional()
      .describe(
        `When the capacity is given back: "at-end" (default) requests the release at the window's end, so the hour the end falls in is billed at the window's TRUs when the end is on the hour; "early" requests it ${RELEASE_LEAD_MS / 60_000} minutes before the end, so it has completed by the end. Needs a window end.`,
      )
      .meta({ examples: ['early'] }),
    paused: z.boolean().default(false).describe('When true the schedule exists but starts no windows.'),
    description: z.string().max(1000).optional().describe('Why this capacity change exists; shown on the schedule and in alerts.'),
  })
  .describe('A capsched capacity plan: raise a Temporal Cloud namespace to provisioned TRUs during a window.');

/**
 * The cross-field rules, once: the loader checks them (codes cron-and-at, missing-start,
 * duration-and-until, until-without-at, namespace-and-namespaces, trus-and-steps, steps-need-end) and planJsonSchema() writes them into the JSON Schema.
 */
export const CROSS_FIELD_RULES = {
  /** Exactly one of these starts a window. */
  exactlyOne: ['cron', 'at'],
  /** Exactly one of these names the namespace(s). */
  exactlyOneNamespace: ['namespace', 'namespaces'],
  /** Exactly one of these says the capacity: one value, or a ramp. */
  exactlyOneCapacity: ['trus', 'steps'],
  /** A ramp needs a window end (one of these): no permanent ramps. */
  stepsNeedEnd: ['duration', 'until'],
  /** At most one of these ends it. */
  atMostOne: ['duration', 'until'],
  /** `until` ends a one-off window: it needs `at`. */
  requires: { until: 'at' },
} as const;

/** A plan document as zod accepts it (defaults applied): one of `namespace`/`namespaces`, one of `trus`/`steps`. */
export type PlanDocument = z.output<typeof CapacityPlan>;
/** What people write (defaults optional). */
export type CapacityPlanInput = z.input<typeof CapacityPlan>;

/**
 * A valid plan for one namespace, as the rest of capsched reads it: `namespace` is the one it
 * changes (one item of a `namespaces:` list), `trus` the one value or a ramp's peak (the highest
 * the window asks for).
 */
export type CapacityPlan = Omit<PlanDocument, 'namespace' | 'trus'> & { namespace: string; trus: number };

/**
 * One plan per namespace of a valid document (docs/decisions/1401-multi-namespace-plans.md), each
 * with its `trus` (a ramp's peak). A document without a namespace or a capacity yields none (the
 * loader reports it).
 */
export function expandNamespaces(doc: PlanDocument): CapacityPlan[] {
  const trus = doc.steps === undefined ? doc.trus : peakTrus(doc.steps);
  if (trus === undefined) return [];
  const namespaces = doc.namespaces ?? (doc.namespace === undefined ? [] : [doc.namespace]);
  return namespaces.map((namespace) => ({ ...doc, namespace, trus }));
}

/** A plan for one namespace from what people write (a `namespace:` plan); throws what zod rejects. For code and tests that build plans without YAML. */
export function parsePlan(input: unknown): CapacityPlan {
  const [plan, ...more] = expandNamespaces(CapacityPlan.parse(input));
  if (plan === undefined || more.length > 0) throw new Error('parsePlan: a plan needs one namespace and a capacity (trus or steps)');
  return plan;
}
