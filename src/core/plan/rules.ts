/**
 * The rules a schema of one field cannot say: between the fields of a plan (schema.ts
 * CROSS_FIELD_RULES: one start, at most one end, until needs at, one of namespace/namespaces, one
 * of trus/steps, a ramp needs an end; a window shorter than the cron's gap; until after at) and
 * between plans (unique names). They read only the values the schema accepts (a value it
 * rejects is reported by zod, once) and compute the window's length on the way.
 */
import { parseDuration } from '../capacity/duration.js';
import { fireCron, RELEASE_LEAD_MS } from '../capacity/timing.js';
import { stepOffset } from './schema.js';
import { minStartGapMinutes, parseCron } from '../windows/cron.js';
import { resolveDateTime } from './date-time.js';
import { formatMinutes, type Issue } from './issues.js';
import { rampIssues } from './ramp-rules.js';
import { CapacityPlan, CROSS_FIELD_RULES } from './schema.js';
import { issue, type PlanDocumentSource, type Position } from './yaml-documents.js';

type Field = keyof typeof CapacityPlan.shape;

/** The rules of one document; `lengthMs` is the window's length when the fields it needs are valid. */
export function planRules(doc: PlanDocumentSource): { issues: Issue[]; lengthMs: number | undefined } {
  const { file, raw, positions } = doc;
  const issues: Issue[] = [];
  const valueAt = (field: string): Position => positions.values.get(field) ?? doc.at;
  const keyAt = (field: string): Position => positions.keys.get(field) ?? doc.at;
  const has = (field: string): boolean => Object.hasOwn(raw, field);
  /** The field's value when it is there and the schema accepts it. */
  const accepted = (field: Field): unknown => {
    if (!has(field)) return undefined;
    const parsed = CapacityPlan.shape[field].safeParse(raw[field]);
    return parsed.success ? parsed.data : undefined;
  };
  const text = (field: Field): string | undefined => {
    const v = accepted(field);
    return typeof v === 'string' ? v : undefined;
  };

  // Exactly one start, at most one end, until needs at.
  const [cronField, atField] = CROSS_FIELD_RULES.exactlyOne;
  if (has(cronField) && has(atField))
    issues.push(issue(file, keyAt(atField), atField, 'cron-and-at', 'a plan has either `cron` (recurring) or `at` (one-off), not both; remove one'));
  if (!has(cronField) && !has(atField))
    issues.push(
      issue(
        file,
        doc.at,
        cronField,
        'missing-start',
        'a plan needs a start: `cron` (recurring, e.g. "0 23 * * 1-5") or `at` (one-off, e.g. "2026-12-24T09:00")',
      ),
    );
  const [durationField, untilField] = CROSS_FIELD_RULES.atMostOne;
  if (has(durationField) && has(untilField))
    issues.push(issue(file, keyAt(untilField), untilField, 'duration-and-until', 'use `duration` or `until`, not both'));
  for (const [field, needs] of Object.entries(CROSS_FIELD_RULES.requires)) {
    if (has(field) && !has(needs))
      issues.push(issue(file, keyAt(field), field, 'until-without-at', '`until` ends a one-off window and needs `at`; with `cron` use `duration`'));
  }

  // Exactly one of `namespace` and `namespaces`.
  const [namespaceField, namespacesField] = CROSS_FIELD_RULES.exactlyOneNamespace;
  if (has(namespaceField) && has(namespacesField))
    issues.push(
      issue(
        file,
        keyAt(namespacesField),
        namespacesField,
        'namespace-and-namespaces',
        'a plan has either `namespace` (one) or `namespaces` (a list), not both; remove one',
      ),
    );
  if (!has(namespaceField) && !has(namespacesField))
    issues.push(issue(file, doc.at, namespaceField, 'missing-field', 'required field "namespace" is missing (or list several in `namespaces`)'));

  // The window: its length from `duration`, or from `at`…`until` in the plan's time zone.
  const zone = has('timezone') ? text('timezone') : 'UTC';
  const durationText = text('duration');
  const durationParsed = durationText === undefined ? undefined : parseDuration(durationText);
  const durationMs = durationParsed?.ok === true ? durationParsed.ms : undefined;
  const cronText = text('cron');
  if (cronText !== undefined && durationMs !== undefined) {
    const parsed = parseCron(cronText);
    // The window must end before the plan's own next start (wall-clock time over two calendar
    // years with a leap year, so the verdict never depends on today).
    const gap = parsed.ok ? minStartGapMinutes(parsed.cron) : undefined;
    if (gap !== undefined && gap < durationMs / 60_000)
      issues.push(
        issue(
          file,
          valueAt('duration'),
          'duration',
          'duration-exceeds-gap',
          `duration ${durationText} is longer than the ${formatMinutes(gap)} between two starts of this cron; each window must end before the next one starts — shorten it or change the cron`,
        ),
      );
  }
  let atMs: number | undefined;
  let untilMs: number | undefined;
  for (const field of ['at', 'until'] as const) {
    const value = text(field);
    if (value === undefined) continue;
    const resolved = resolveDateTime(value, zone ?? 'UTC');
    if (!resolved.ok) {
      issues.push(issue(file, valueAt(field), field, 'invalid-date-time', `${field}: ${resolved.message}`));
      continue;
    }
    if (field === 'at') atMs = resolved.ms;
    else if (atMs !== undefined && zone !== undefined && resolved.ms <= atMs)
      issues.push(
        issue(
          file,
          valueAt('until'),
          'until',
          'until-not-after-at',
          `until (${value}) must be after at (${text('at') ?? ''}); the window would have no length`,
        ),
      );
    else if (atMs !== undefined) untilMs = resolved.ms;
  }
  const lengthMs = durationMs ?? (atMs !== undefined && untilMs !== undefined ? untilMs - atMs : undefined);

  // Exactly one of `trus` and `steps`; a ramp needs a window end and its steps inside the window.
  const [trusField, stepsField] = CROSS_FIELD_RULES.exactlyOneCapacity;
  if (has(trusField) && has(stepsField))
    issues.push(
      issue(
        file,
        keyAt(stepsField),
        stepsField,
        'trus-and-steps',
        'a plan has either `trus` (one value for the whole window) or `steps` (a ramp), not both; remove one',
      ),
    );
  if (!has(trusField) && !has(stepsField))
    issues.push(issue(file, doc.at, trusField, 'missing-field', 'required field "trus" is missing (or give a ramp in `steps`)'));
  const steps = raw[stepsField];
  if (Array.isArray(steps)) {
    if (!CROSS_FIELD_RULES.stepsNeedEnd.some(has))
      issues.push(
        issue(
          file,
          keyAt(stepsField),
          stepsField,
          'steps-need-end',
          'a ramp needs a window end: add `duration` (or `until` for a one-off); a permanent change has one value, `trus`',
        ),
      );
    issues.push(...rampIssues(file, steps, lengthMs, (field) => positions.values.get(field) ?? valueAt(stepsField)));
  }

  // Timing: an early release needs an end, and the window must outlast it; a lead must be one the schedule can fire.
  if (accepted('release') === 'early') {
    if (!CROSS_FIELD_RULES.stepsNeedEnd.some(has))
      issues.push(
        issue(
          file,
          valueAt('release'),
          'release',
          'release-needs-end',
          'release: early gives the capacity back before the window ends, and a permanent change has no end — add `duration` (or `until`), or remove `release`',
        ),
      );
    else if (lengthMs !== undefined && lengthMs <= RELEASE_LEAD_MS)
      issues.push(
        issue(
          file,
          valueAt('release'),
          'release',
          'release-early-too-short',
          `release: early requests the release ${formatMinutes(RELEASE_LEAD_MS / 60_000)} before the end, and the window lasts ${formatMinutes(lengthMs / 60_000)} — lengthen the window or remove \`release\``,
        ),
      );
    else if (lengthMs !== undefined && Array.isArray(steps)) {
      steps.forEach((step: unknown, i) => {
        const after = step !== null && typeof step === 'object' ? (step as { after?: unknown }).after : undefined;
        const offset = stepOffset(after);
        if (!offset.ok || offset.ms >= lengthMs || offset.ms < lengthMs - RELEASE_LEAD_MS) return;
        const field = `steps[${i}].after`;
        issues.push(
          issue(
            file,
            positions.values.get(field) ?? valueAt(stepsField),
            field,
            'step-after-early-release',
            `step ${i + 1} (after ${formatMinutes(offset.ms / 60_000)}) starts after the early release (${formatMinutes((lengthMs - RELEASE_LEAD_MS) / 60_000)} into the window): it would never be asked for — move it earlier or remove \`release: early\``,
          ),
        );
      });
    }
  }
  const leadText = text('lead');
  const leadParsed = leadText === undefined ? undefined : parseDuration(leadText);
  if (leadParsed?.ok === true && leadParsed.ms > 0 && cronText !== undefined) {
    const parsed = parseCron(cronText);
    const fire = parsed.ok ? fireCron(parsed.cron, leadParsed.ms) : undefined;
    if (fire !== undefined && !fire.ok) issues.push(issue(file, valueAt('lead'), 'lead', 'lead-not-expressible', `lead ${leadText}: ${fire.message}`));
  }
  return { issues, lengthMs };
}

/** A document that names a plan (valid or not): names must be unique across all of them. */
export interface NamedDocument {
  name: string;
  file: string;
  /** Line where the document starts. */
  line: number;
  /** Where the name's value is. */
  at: Position;
}

/**
 * Cross-plan: names are unique across the repository (the schedule id derives from them).
 * Documents with other errors count too, so a clash is reported now, not after those are fixed.
 * Returns one issue per document whose name another one uses too.
 */
export function duplicateNames(named: readonly NamedDocument[]): Map<NamedDocument, Issue> {
  const byName = new Map<string, NamedDocument[]>();
  for (const n of named) {
    const list = byName.get(n.name);
    if (list === undefined) byName.set(n.name, [n]);
    else list.push(n);
  }
  const out = new Map<NamedDocument, Issue>();
  for (const n of named) {
    const same = byName.get(n.name)!;
    if (same.length === 1) continue;
    const others = same.filter((o) => o !== n).map((o) => `${o.file}:${o.line}`);
    out.set(
      n,
      issue(
        n.file,
        n.at,
        'name',
        'duplicate-name',
        `plan name "${n.name}" is also used in ${others.join(', ')}; plan names must be unique across all files, rename one of them`,
      ),
    );
  }
  return out;
}
