/**
 * The one duration grammar of capsched — plans (`duration`), CLI flags (--interval,
 * --verify-delay, --operation-delay, …), environment variables (CAPSCHED_SHUTDOWN_GRACE,
 * CAPSCHED_CLOUD_OPS_*) and workflow inputs all read durations with `parseDuration`.
 *
 * The syntax is Go's time.ParseDuration, the one Temporal CLI users already type: one or more
 * decimal numbers, each with a unit, written together — `1h30m`, `90s`, `1.5h`, `300ms`,
 * `2h45m30s`. Units: h, m, s, ms, us (or µs), ns. `0` alone is zero. An optional leading `+`
 * is allowed. Not accepted: a number without a unit (`90`), spaces (`2 m`), days (`1d`),
 * ISO 8601 (`PT3H`) and negative durations (Go allows `-1h`; nothing in capsched can use one).
 * Values are carried in milliseconds; sub-millisecond parts are rounded to the nearest ms.
 */

const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 0.001,
  µs: 0.001, // U+00B5 micro sign
  μs: 0.001, // U+03BC Greek mu
  ns: 0.000_001,
};

/** One term of the grammar: a decimal number (digits before and/or after the point) and a unit. */
const TERM = /(\d+\.?\d*|\.\d+)(h|ms|m|s|us|µs|μs|ns)/y;

/** The grammar as a regular expression (for the JSON Schema of plans; parseDuration is the source of truth). */
export const DURATION_SYNTAX = '^\\+?(0|((\\d+\\.?\\d*|\\.\\d+)(h|ms|m|s|us|µs|μs|ns))+)$';

/** What every duration error says after naming the value: the one message of the grammar. */
export const DURATION_HINT = 'write a number and a unit, e.g. 1h30m, 90s, 1.5h or 300ms (units h, m, s, ms, us, ns)';

export type DurationParse = { ok: true; ms: number } | { ok: false; negative: boolean; message: string };

/** Parses Go duration syntax into milliseconds. The message names the text, never the caller's field. */
export function parseDuration(text: string): DurationParse {
  const fail = (negative = false): DurationParse => ({
    ok: false,
    negative,
    message: negative ? `"${text}" is negative; durations are positive lengths — ${DURATION_HINT}` : `"${text}" is not a duration; ${DURATION_HINT}`,
  });
  let rest = text;
  if (rest.startsWith('-')) return fail(/^-(0|((\d+\.?\d*|\.\d+)(h|ms|m|s|us|µs|μs|ns))+)$/.test(rest));
  if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return { ok: true, ms: 0 };
  if (rest === '') return fail();
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const match = TERM.exec(rest);
    if (match === null) return fail();
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  if (!Number.isFinite(total)) return fail();
  return { ok: true, ms: Math.round(total) };
}

/** Parses a duration into milliseconds; undefined when malformed, empty or negative. */
export function parseDurationMs(text: string): number | undefined {
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.ms : undefined;
}

/** Formats milliseconds as the shortest readable duration: 7_200_000 → "2h", 90_000 → "1m30s". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.round(ms);
  const parts: string[] = [];
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1_000);
  rest -= s * 1_000;
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}m`);
  if (s > 0) parts.push(`${s}s`);
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}

/**
 * The grammar before capsched took Go's (hours, minutes, seconds, milliseconds in that order, whole
 * numbers). Workflow code only: histories recorded before the switch replay with the verdict they had.
 */
export function isLegacyDurationText(text: string): boolean {
  return text.trim() !== '' && /^(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/.test(text.trim());
}
