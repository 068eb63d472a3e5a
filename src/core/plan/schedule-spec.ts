import type { CapacityPlan } from './schema.js';
import { resolveDateTime } from './date-time.js';
import { planCron } from '../windows/windows.js';
import { fireCron, planTiming } from '../capacity/timing.js';

/** A calendar entry in the @temporalio/client CalendarSpec shape (plain numbers only). */
export interface PlainCalendarSpec {
  year?: number;
  month?: MonthName;
  dayOfMonth?: number;
  hour?: number;
  minute?: number;
  second?: number;
  comment?: string;
}

/**
 * Plain data in the @temporalio/client ScheduleSpec shape (no Dates, no SDK import), assignable
 * to the client's ScheduleSpec and ready to be put on a schedule.
 */
export interface PlainScheduleSpec {
  cronExpressions?: string[];
  calendars?: PlainCalendarSpec[];
  timezone: string;
}

export const MONTH_NAMES = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;
export type MonthName = (typeof MONTH_NAMES)[number];

/**
 * The schedule spec for a valid plan.
 * - cron: the five fields as written (macros expanded) in the plan's zone; planWindows()
 *   previews exactly what Temporal fires for it, DST nights included (temporal-calendar.ts).
 * - at: one calendar entry with year, month, day, hour, minute, second in UTC for the resolved
 *   instant (an explicit offset is honoured; a local time in a DST gap or repeat resolves as
 *   resolveDateTime() documents), so it fires exactly once at the previewed instant.
 * A plan with a `lead` fires that much earlier: its cron moved back in wall time (fireCron), its
 * one-off instant moved back (core/capacity/timing.ts).
 * Throws on a plan that did not validate (callers pass validated plans only).
 */
export function scheduleSpecFor(plan: CapacityPlan): PlainScheduleSpec {
  const { leadMs } = planTiming(plan);
  if (plan.cron !== undefined) {
    const cron = planCron(plan);
    if (cron === null) throw new Error(`plan ${plan.name}: invalid cron`);
    const fire = fireCron(cron, leadMs);
    if (!fire.ok) throw new Error(`plan ${plan.name}: ${fire.message}`);
    return { cronExpressions: [fire.expression], timezone: plan.timezone };
  }
  if (plan.at !== undefined) {
    const at = resolveDateTime(plan.at, plan.timezone);
    if (!at.ok) throw new Error(`plan ${plan.name}: invalid at`);
    const d = new Date(at.ms - leadMs);
    return {
      calendars: [
        {
          year: d.getUTCFullYear(),
          month: MONTH_NAMES[d.getUTCMonth()]!,
          dayOfMonth: d.getUTCDate(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
          second: d.getUTCSeconds(),
          comment: `${plan.name}: one-off at ${plan.at} (${plan.timezone})${leadMs > 0 ? `, fired ${leadMs / 60_000}m early (lead)` : ''}`,
        },
      ],
      timezone: 'UTC',
    };
  }
  throw new Error(`plan ${plan.name}: neither cron nor at`);
}
