import { z } from 'zod';
import { DURATION_SYNTAX } from '../capacity/duration.js';

/**
 * The capacity-plan format, v1. This zod schema is the single source of the TypeScript type,
 * the shape validation, the field documentation and schema/capacity-plan.schema.json.
 * Cross-field and cross-plan rules (cron semantics, time zones, overlaps) live in rules code.
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
      .optional()
      // The loader requires exactly one of `namespace` and `namespaces` and sets `namespace` on each
      // plan it expands from a list, so the rest of capsched always reads one namespace here.
      .transform((v) => v ?? ''),
    namespaces: z
      .array(NamespaceId)
      .min(1)
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
      .optional()
      // The loader requires exactly one of `trus` and `steps` and sets `trus` to a ramp's peak, so
      // the rest of capsched always reads a number here (the highest value the window asks for).
      .transform((v): number => v ?? 0),
    steps: z
      .array(PlanStepSchema)
      .min(2)
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
      .default('UTC')
      .describe('IANA time zone the start (and `until`) are read in, e.g. "America/New_York". Default UTC.')
      .meta({ examples: ['America/New_York'] }),
    duration: z
      .string()
      .regex(DURATION_PATTERN)
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

/** A plan after validation (defaults applied), for one namespace (see expandNamespaces). */
export type CapacityPlan = z.output<typeof CapacityPlan>;
/** What people write (defaults optional). */
export type CapacityPlanInput = z.input<typeof CapacityPlan>;

/** One plan per namespace of a validated document (docs/decisions/1401-multi-namespace-plans.md). */
export function expandNamespaces(doc: CapacityPlan): CapacityPlan[] {
  if (doc.namespaces === undefined) return [doc];
  return doc.namespaces.map((namespace) => ({ ...doc, namespace }));
}
