import { describeSteps, type PlanStep } from '../capacity/steps.js';
import { THROUGHPUT_TITLE, namespaceThroughputLines } from '../capacity/throughput.js';
import { liveSectionLines } from '../live/text.js';
import type { FieldChange, LocatedPlan, PlanChange } from '../plan/plan-diff.js';
import { formatLocalHuman, formatOffset, offsetAt } from '../time/zone.js';
import { renderGantt } from './pr-mermaid.js';
import { formatActions, formatUsd } from '../billing/bill.js';
import { GITHUB_COMMENT_LIMIT, PR_REPORT_MARKER, type CapacityWarning, type NamespaceImpact, type PrReport, type ReportIssue } from './pr-model.js';

/**
 * The pull-request comment: GitHub-flavoured markdown with Mermaid timelines. It always fits
 * `maxChars` (default a little under GitHub's 65,536-character comment limit): large changes are
 * summarised level by level (fewer timelines, shorter lists, "…and N more"), never cut mid-table.
 */

export interface MarkdownOptions {
  /** Upper bound on the comment length in characters (default 60,000). */
  maxChars?: number;
}

interface Limits {
  timelines: number;
  openTimelines: number;
  segmentRows: number;
  barsPerSide: number;
  changes: number;
  fieldRows: number;
  issues: number;
  warnings: number;
  namespaceRows: number;
}

/** From most to least detail; the first that fits is used. */
const LADDER: Limits[] = [
  { timelines: 10, openTimelines: 3, segmentRows: 40, barsPerSide: 60, changes: 150, fieldRows: 20, issues: 100, warnings: 50, namespaceRows: 100 },
  { timelines: 5, openTimelines: 2, segmentRows: 20, barsPerSide: 40, changes: 60, fieldRows: 12, issues: 40, warnings: 20, namespaceRows: 40 },
  { timelines: 4, openTimelines: 2, segmentRows: 10, barsPerSide: 40, changes: 40, fieldRows: 10, issues: 30, warnings: 15, namespaceRows: 30 },
  { timelines: 3, openTimelines: 1, segmentRows: 0, barsPerSide: 30, changes: 25, fieldRows: 8, issues: 20, warnings: 10, namespaceRows: 20 },
  { timelines: 1, openTimelines: 1, segmentRows: 0, barsPerSide: 20, changes: 10, fieldRows: 6, issues: 10, warnings: 5, namespaceRows: 10 },
  { timelines: 0, openTimelines: 0, segmentRows: 0, barsPerSide: 0, changes: 0, fieldRows: 0, issues: 5, warnings: 3, namespaceRows: 5 },
];

const JSON_HINT = 'run `capsched report --format json` for everything';

// ---------- escaping ----------

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '@': '&#64;' };

/** Free text (descriptions, messages): no HTML, no markdown structure, no @mentions, no table breaks. */
export function escapeText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[&<>@\\`*_[\]|~#]/g, (ch) => TEXT_ESCAPES[ch] ?? `\\${ch}`);
}

/** An inline code span that survives backticks and table cells. */
export function code(text: string): string {
  // "<!--" is neutralised so a value can never look like the report marker to a CI search.
  const clean = text
    .replace(/[\r\n]+/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/<!--/g, '<!\u200B--');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

export function num(n: number): string {
  const rounded = Math.round(n * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

export function signed(n: number): string {
  const text = num(n);
  return n > 0 && text !== '0' ? `+${text}` : text;
}

/** "+2.52 M" Actions. */
export function signedActions(n: number): string {
  return n > 0 ? `+${formatActions(n)}` : formatActions(n);
}

/** "+$126.00". */
function signedUsd(n: number): string {
  return n > 0 ? `+${formatUsd(n)}` : formatUsd(n);
}

function percent(before: number, after: number): string {
  if (before === 0) return after === 0 ? '' : ' (new)';
  // Rounded to one decimal (not cut off: 63 of 320 is +19.7%, not +19.6%).
  return ` (${signed(Math.round(((after - before) / before) * 1000) / 10)}%)`;
}

function where(file: string, line?: number, column?: number): string {
  return code(`${file}${line === undefined ? '' : `:${line}`}${line !== undefined && column !== undefined ? `:${column}` : ''}`);
}

function value(v: unknown, field?: string): string {
  if (v === undefined || v === null) return '—';
  // A ramp's steps as people read them: "0h 4 · 1h 8 · 2h 12 · 9h 6 TRUs".
  if (field === 'steps' && Array.isArray(v)) return code(`${(v as PlanStep[]).map((s) => `${s.after} ${s.trus}`).join(' · ')} TRUs`);
  if (typeof v === 'string') return v.length > 120 ? code(`${v.slice(0, 117)}...`) : code(v);
  return code(JSON.stringify(v));
}

function more(count: number, what: string): string {
  return count > 0 ? `\n_…and ${count} more ${what} (${JSON_HINT})._\n` : '';
}

// ---------- plans ----------

/** "8 TRUs on `payments.a1b2c`, cron `0 23 * * 1-5` America/New_York, for 3h"; a ramp: "4 → 8 → 12 TRUs (steps after `0h`, `1h`, `2h`) on …" */
export function describePlan(p: LocatedPlan): string {
  const plan = p.plan;
  const when = plan.cron !== undefined ? `cron ${code(plan.cron)}` : `once at ${code(plan.at ?? '?')}`;
  const length =
    plan.duration !== undefined ? `for ${code(plan.duration)}` : plan.until !== undefined ? `until ${code(plan.until)}` : 'permanently (no revert)';
  const paused = plan.paused ? ' — **paused**' : '';
  const trus =
    plan.steps === undefined ? `**${plan.trus} TRUs**` : `**${describeSteps(plan.steps)}** (steps after ${plan.steps.map((s) => code(s.after)).join(', ')})`;
  return `${trus} on ${code(plan.namespace)}, ${when} ${escapeText(plan.timezone)}, ${length}${paused}`;
}

const KIND_LABEL: Record<PlanChange['kind'], string> = {
  added: '➕ added',
  changed: '✏️ changed',
  renamed: '🔀 renamed',
  moved: '📁 moved',
  removed: '➖ removed',
  unreadable: '⚠️ not readable in head',
};

function changeBlock(c: PlanChange, limits: Limits): string {
  const loc = c.head ?? c.base;
  const at = loc === undefined ? '' : ` ${where(loc.file, loc.line)}`;
  const title = c.kind === 'renamed' ? `${code(c.previousName ?? '?')} → ${code(c.name)}` : code(c.name);
  const lines = [`- ${KIND_LABEL[c.kind]} ${title}${at}`];
  if (c.kind === 'added' && c.head !== undefined) lines[0] += ` — ${describePlan(c.head)}`;
  if (c.kind === 'removed' && c.base !== undefined) lines[0] += ` — was ${describePlan(c.base)}; its schedule is deleted`;
  if (c.kind === 'unreadable') lines[0] += ' — the file has errors in head (see Validation); the plan would not be applied';
  if (c.kind === 'renamed') lines[0] += ' — the schedule is replaced (deleted and created under the new name)';
  if ((c.kind === 'changed' || c.kind === 'moved') && c.fields.length > 0) {
    const rows = c.fields
      .slice(0, limits.fieldRows)
      .map((f: FieldChange) => `  | ${code(f.field)} | ${value(f.before, f.field)} | ${value(f.after, f.field)} |`);
    lines.push('', '  | field | base | head |', '  |---|---|---|', ...rows);
    if (c.fields.length > rows.length) lines.push(`  | …${c.fields.length - rows.length} more | | |`);
    lines.push('');
  }
  return lines.join('\n');
}

// ---------- sections ----------

function header(r: PrReport): string {
  const short = (sha: string): string => sha.slice(0, 7);
  const lines = [PR_REPORT_MARKER, '## capsched: capacity report', ''];
  lines.push(
    `Head ${code(r.head.ref)} (${code(short(r.head.commit))}) against base ${code(r.base.ref)} (${code(short(r.base.commit))}), plans under ${code(r.plansPath || '.')}; ` +
      `timelines cover ${r.horizon.days} day${r.horizon.days === 1 ? '' : 's'} from ${escapeText(formatLocalHuman('UTC', r.horizon.fromMs))} UTC.`,
    '',
  );
  const v = r.validation;
  if (!r.head.pathExists) lines.push(`❌ **Head is invalid**: the plans path ${code(r.plansPath)} does not exist at head. Nothing will be applied.`);
  else if (!v.valid)
    lines.push(
      `❌ **Head is invalid** — ${v.errors.length} error${v.errors.length === 1 ? '' : 's'}. Nothing in this commit will be applied until ${v.errors.length === 1 ? 'it is' : 'they are'} fixed.`,
    );
  else
    lines.push(
      `✅ **Head is valid** — ${r.head.planCount} plan${r.head.planCount === 1 ? '' : 's'}, ${v.warnings.length} warning${v.warnings.length === 1 ? '' : 's'}.`,
    );
  if (r.base.pathExists && r.base.errorCount > 0) {
    lines.push(
      '',
      `Base has ${r.base.errorCount} validation error${r.base.errorCount === 1 ? '' : 's'}: plans in files with errors at base are left out of the comparison and may show as added.`,
    );
  }
  const c = r.counts;
  const parts = (['added', 'changed', 'renamed', 'moved', 'removed', 'unreadable'] as const)
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${k === 'unreadable' ? 'not readable' : k}`);
  lines.push(
    '',
    parts.length === 0
      ? 'No plan changes.'
      : `**Plan changes:** ${parts.join(' · ')} (${c.unchanged} unchanged) across ${r.namespaces.length} namespace${r.namespaces.length === 1 ? '' : 's'}.`,
  );
  const t = r.totals;
  lines.push(
    '',
    `**Minimum Actions committed, all namespaces:** ${formatActions(t.baseMinimumActionsPerWeek)} → ${formatActions(t.headMinimumActionsPerWeek)} per week, **${signedActions(t.deltaMinimumActionsPerWeek)}**${percent(t.baseMinimumActionsPerWeek, t.headMinimumActionsPerWeek)}; billed TRU-hours ${num(t.baseBilledTruHoursPerWeek)} → ${num(t.headBilledTruHoursPerWeek)} per week (${signed(t.deltaBilledTruHoursPerWeek)}).`,
  );
  if (c.unreadable > 0) {
    lines.push(
      '',
      `⚠️ Head figures leave out ${c.unreadable} plan${c.unreadable === 1 ? '' : 's'} whose file${c.unreadable === 1 ? ' has' : 's have'} errors in head (not readable): ${c.unreadable === 1 ? 'it counts' : 'they count'} as no capacity until the errors are fixed.`,
    );
  }
  const k = r.cost;
  lines.push(
    '',
    `**Worst case if unused** (at $${num(k.actionsPricePerMillion)} per million Actions): ${formatUsd(k.basePerWeek)} → ${formatUsd(k.headPerWeek)} per week, **${signedUsd(k.deltaPerWeek)}/week** (${signedUsd(k.deltaPer30Days)} per 30 days).`,
  );
  const introduced = r.warnings.filter((w) => w.introduced).length;
  if (r.warnings.length > 0)
    lines.push(
      '',
      `⚠️ ${r.warnings.length} capacity warning${r.warnings.length === 1 ? '' : 's'}${introduced > 0 ? `, ${introduced} introduced by this change` : ''} (see below).`,
    );
  return `${lines.join('\n')}\n`;
}

function issueLine(kind: 'error' | 'warning', i: ReportIssue): string {
  const field = i.field === undefined ? '' : ` ${code(i.field)}`;
  return `- ${kind === 'error' ? '❌' : '⚠️'} ${where(i.file, i.line, i.column)}${field} ${code(i.code)}: ${escapeText(i.message)}`;
}

function validationSection(r: PrReport, limits: Limits): string {
  const v = r.validation;
  if (v.errors.length === 0 && v.warnings.length === 0) return '';
  const lines = ['### Validation of head', ''];
  const errors = v.errors.slice(0, limits.issues);
  const warnings = v.warnings.slice(0, Math.max(0, limits.issues - errors.length));
  lines.push(...errors.map((i) => issueLine('error', i)), ...warnings.map((i) => issueLine('warning', i)));
  const hidden = v.errors.length - errors.length + v.warnings.length - warnings.length;
  return `${lines.join('\n')}\n${more(hidden, 'errors and warnings')}`;
}

function capacitySection(r: PrReport, limits: Limits): string {
  if (r.namespaces.length === 0) return '';
  const lines = [
    '### Capacity per week',
    '',
    '| namespace | minimum Actions committed, base | head | change | billed TRU-hours | worst case if unused, change | peak TRUs | notes |',
    '|---|--:|--:|--:|--:|--:|:-:|---|',
  ];
  const price = r.cost.actionsPricePerMillion;
  const usd = (actions: number): string => signedUsd(Math.round(((actions * price) / 1_000_000) * 100) / 100);
  const rows = r.namespaces.slice(0, limits.namespaceRows);
  for (const n of rows) {
    const notes: string[] = [];
    if (n.managedElsewhere) notes.push('also managed elsewhere');
    if (n.head.segments.some((s) => s.overlap)) notes.push('overlap');
    if (n.head.segments.some((s) => s.dst) || n.dstTransitions.length > 0) notes.push('DST');
    if (n.head.plans.length === 0) notes.push('no plans left');
    if (r.changes.some((ch) => ch.kind === 'unreadable' && ch.namespaces.includes(n.namespace))) notes.push('head incomplete: plans not readable');
    lines.push(
      `| ${code(n.namespace)} | ${formatActions(n.base.minimumActionsPerWeek)} | ${formatActions(n.head.minimumActionsPerWeek)} | **${signedActions(n.deltaMinimumActionsPerWeek)}** | ${num(n.base.billedTruHoursPerWeek)} → ${num(n.head.billedTruHoursPerWeek)} | ${usd(n.deltaMinimumActionsPerWeek)} | ${n.base.peakTrus} → ${n.head.peakTrus} | ${notes.join(', ')} |`,
    );
  }
  const t = r.totals;
  lines.push(
    `| **all namespaces** | ${formatActions(t.baseMinimumActionsPerWeek)} | ${formatActions(t.headMinimumActionsPerWeek)} | **${signedActions(t.deltaMinimumActionsPerWeek)}** | ${num(t.baseBilledTruHoursPerWeek)} → ${num(t.headBilledTruHoursPerWeek)} | ${signedUsd(r.cost.deltaPerWeek)} | | |`,
  );
  lines.push(
    '',
    `<sub>Temporal Cloud bills capacity per UTC calendar hour at the highest TRUs in force in it (the maximum where windows overlap, never the sum); the first TRU is free and each TRU above it commits 360,000 Actions that hour. Billed TRU-hours = Σ hourly peaks; minimum Actions committed = Σ (peak − 1) × 360,000, scaled to 7 days; worst case if unused = those Actions at $${num(price)} per million (\`actions-price\`). A release is counted at the window's end, so an end on the hour bills that hour. Outside windows a namespace is on demand.</sub>`,
  );
  return `${lines.join('\n')}\n${more(r.namespaces.length - rows.length, 'namespaces')}`;
}

function changesSection(r: PrReport, limits: Limits): string {
  if (r.changes.length === 0) return '';
  const shown = r.changes.slice(0, limits.changes);
  const lines = ['### Plan changes', '', ...shown.map((c) => changeBlock(c, limits))];
  const hiddenByKind = new Map<string, number>();
  for (const c of r.changes.slice(shown.length)) hiddenByKind.set(c.kind, (hiddenByKind.get(c.kind) ?? 0) + 1);
  const hidden = [...hiddenByKind].map(([k, n]) => `${n} ${k}`).join(', ');
  return `${lines.join('\n')}\n${hidden === '' ? '' : `\n_…and ${r.changes.length - shown.length} more changes: ${hidden} (${JSON_HINT})._\n`}`;
}

function warningLine(w: CapacityWarning): string {
  return `- ${w.introduced ? '**new** ' : ''}${escapeText(w.message)}`;
}

function warningsSection(r: PrReport, limits: Limits): string {
  if (r.warnings.length === 0) return '';
  const ordered = [...r.warnings.filter((w) => w.introduced), ...r.warnings.filter((w) => !w.introduced)];
  const shown = ordered.slice(0, limits.warnings);
  return `### Capacity warnings\n\n${shown.map(warningLine).join('\n')}\n${more(ordered.length - shown.length, 'warnings')}`;
}

/** Local wall time; with its UTC offset on DST nights, where a wall time can repeat. */
function localTime(zone: string, ms: number, withOffset: boolean): string {
  const text = formatLocalHuman(zone, ms);
  return withOffset ? `${text} (${formatOffset(offsetAt(zone, ms))})` : text;
}

function segmentTable(n: NamespaceImpact, rows: number): string {
  if (rows <= 0) return '';
  const all = [...n.base.segments.map((s) => ['base', s] as const), ...n.head.segments.map((s) => ['head', s] as const)];
  if (all.length === 0) return '';
  const shown = all.slice(0, rows);
  const local = n.zone === 'UTC' ? '' : ` (${escapeText(n.zone)})`;
  const lines = [
    '<details><summary>Effective capacity, segment by segment</summary>',
    '',
    `| | start${local} | end${local} | UTC | TRUs | plans |`,
    '|---|---|---|---|--:|---|',
    ...shown.map(
      ([side, s]) =>
        `| ${side} | ${localTime(n.zone, s.startMs, s.dst)} | ${localTime(n.zone, s.endMs, s.dst)} | ${s.start.slice(5, 16).replace('T', ' ')} → ${s.end.slice(5, 16).replace('T', ' ')} | ${s.trus}${s.overlap ? ' (max)' : ''} | ${s.plans.map(code).join(', ')}${s.dst ? ' · DST night' : ''} |`,
    ),
  ];
  if (all.length > shown.length) lines.push(`| …${all.length - shown.length} more | | | | | |`);
  lines.push('', '</details>');
  return lines.join('\n');
}

function timeline(n: NamespaceImpact, r: PrReport, limits: Limits): string {
  const title = `${code(n.namespace)} — ${formatActions(n.base.minimumActionsPerWeek)} → ${formatActions(n.head.minimumActionsPerWeek)} minimum Actions per week (${signedActions(n.deltaMinimumActionsPerWeek)}), ${num(n.base.billedTruHoursPerWeek)} → ${num(n.head.billedTruHoursPerWeek)} billed TRU-hours`;
  if (n.base.segments.length === 0 && n.head.segments.length === 0) {
    return `#### ${title}\n\nNo provisioned capacity in this period at base or head.\n`;
  }
  const gantt = renderGantt(n, r.horizon, { maxBarsPerSide: limits.barsPerSide });
  const parts = [`#### ${title}`, '', '```mermaid', gantt.text, '```'];
  if (gantt.omittedBars > 0) parts.push(`_${gantt.omittedBars} more bars not drawn._`);
  const absent = [n.base.segments.length === 0 ? 'base' : '', n.head.segments.length === 0 ? 'head' : ''].filter((s) => s !== '');
  if (absent.length > 0) parts.push(`_No provisioned capacity at ${absent.join(' or ')} in this period._`);
  const table = segmentTable(n, limits.segmentRows);
  if (table !== '') parts.push('', table);
  return `${parts.join('\n')}\n`;
}

function timelinesSection(r: PrReport, limits: Limits): string {
  if (r.namespaces.length === 0 || limits.timelines === 0) {
    return r.namespaces.length === 0 ? '' : `### Timelines\n\n_Timelines left out to fit the comment (${JSON_HINT})._\n`;
  }
  const shown = r.namespaces.slice(0, limits.timelines);
  const open = shown.slice(0, limits.openTimelines);
  const folded = shown.slice(open.length);
  const lines = [
    `### Timelines (${r.horizon.days} days, UTC)`,
    '',
    '<sub>Each bar is a stretch of constant effective TRUs. Red (crit) bars: overlapping windows, the maximum applies. Highlighted (active) bars: a window on a DST-transition night (its start repeats or is skipped, or the clocks change during it). Diamonds: the period ends and DST changes.</sub>',
    '',
    ...open.map((n) => timeline(n, r, limits)),
  ];
  if (folded.length > 0) {
    lines.push(
      `<details><summary>${folded.length} more timeline${folded.length === 1 ? '' : 's'}</summary>`,
      '',
      ...folded.map((n) => timeline(n, r, limits)),
      '</details>',
      '',
    );
  }
  return `${lines.join('\n')}${more(r.namespaces.length - shown.length, 'namespaces without a timeline')}`;
}

/** Next to the capacity figures: do head's TRUs really raise throughput above on-demand? One line when not checked. */
function throughputSection(r: PrReport, limits: Limits): string {
  const t = r.throughput;
  if (t === undefined) return '';
  if (!t.checked) return `**${THROUGHPUT_TITLE}:** not checked (${escapeText(t.reason)}).\n`;
  if (t.namespaces.length === 0) return '';
  // The namespaces a plan lowers throughput on first; as many as the namespace table shows.
  const ordered = [...t.namespaces.filter((n) => n.warn), ...t.namespaces.filter((n) => !n.warn)];
  const shown = ordered.slice(0, Math.max(1, limits.namespaceRows));
  // Inside a code block: no backtick may end it early.
  const lines = shown.flatMap((n) => namespaceThroughputLines(n)).map((l) => l.replace(/`/g, "'"));
  const warn = t.namespaces.some((n) => n.warn);
  const box = warn
    ? '> [!WARNING]\n> A plan asks no more APS than on-demand gives the namespace now (lines marked !): it pays without raising throughput.\n\n'
    : '';
  return `### ${THROUGHPUT_TITLE}\n\n${box}\`\`\`\n${lines.join('\n')}\n\`\`\`\n${more(ordered.length - shown.length, 'namespaces')}`;
}

function footer(): string {
  return '\n<sub>Generated by `capsched report`. This comment is updated on every push.</sub>\n';
}

function liveSection(r: PrReport): string {
  const lines = liveSectionLines(r.live);
  if (lines.length === 0) return '';
  return `### Running windows if merged now (${r.now})\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`;
}

function render(r: PrReport, limits: Limits): string {
  return [
    header(r),
    validationSection(r, limits),
    liveSection(r),
    capacitySection(r, limits),
    throughputSection(r, limits),
    warningsSection(r, limits),
    changesSection(r, limits),
    timelinesSection(r, limits),
    footer(),
  ]
    .filter((s) => s !== '')
    .join('\n');
}

/** The comment text. Starts with PR_REPORT_MARKER; never longer than `maxChars`. */
export function renderPrMarkdown(report: PrReport, options: MarkdownOptions = {}): string {
  const maxChars = Math.min(options.maxChars ?? 60_000, GITHUB_COMMENT_LIMIT);
  for (const limits of LADDER) {
    const text = render(report, limits);
    if (text.length <= maxChars) return text;
  }
  // Even the terse form is too long (only possible with a tiny maxChars): keep the header.
  const note = `\n_Report truncated to fit the comment (${JSON_HINT})._\n`;
  const text = header(report);
  return text.length + note.length <= maxChars ? text + note : `${text.slice(0, Math.max(0, maxChars - note.length))}${note}`.slice(0, maxChars);
}
