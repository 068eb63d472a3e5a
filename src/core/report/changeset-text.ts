/** The change set as `terraform plan`-style text: `+` create, `~` update (before → after), `-` delete. */
import type { ScheduleChange } from '../diff/types.js';
import type { PlanSummary } from '../plan/validate.js';
import { stepsText, windowLine } from './validation-text.js';
import { liveSectionLines } from '../live/text.js';
import { throughputLines } from '../capacity/throughput.js';
import { capacityLines, KIND_SYMBOL, reasonText, shortSha, shownFields, summaryLine, warningLines, type ChangeSetView } from './changeset-model.js';

function fieldLines(change: ScheduleChange, indent: string): string[] {
  const fields = shownFields(change);
  const width = Math.max(0, ...fields.map((f) => f.field.length));
  return fields.map((f) => {
    const name = `${f.field}:`.padEnd(width + 1);
    if (change.kind === 'create') return `${indent}${name}  ${f.after ?? ''}`;
    if (change.kind === 'delete') return `${indent}${name}  ${f.before ?? ''}`;
    return `${indent}${name}  ${f.before ?? '(none)'} → ${f.after ?? '(none)'}`;
  });
}

/** Lines for one change (used by the text and markdown renderers). */
export function changeLines(change: ScheduleChange, plans: Map<string, PlanSummary>): string[] {
  const out = [`${KIND_SYMBOL[change.kind]} ${change.scheduleId}  (${change.kind}: ${reasonText(change)})`];
  const indent = '    ';
  out.push(...fieldLines(change, indent));
  for (const what of change.drift ?? []) out.push(`${indent}drift: ${what}`);
  if (change.kind !== 'create' && change.commit?.before !== undefined && change.commit.after !== undefined && change.commit.before !== change.commit.after) {
    out.push(`${indent}commit: ${shortSha(change.commit.before)} → ${shortSha(change.commit.after)}`);
  }
  if (change.kind === 'delete') {
    out.push(`${indent}(a window it already started keeps running and reverts at its end; --force cancels it now)`);
  } else {
    const summary = plans.get(change.plan);
    if (summary !== undefined) {
      if (summary.nextWindows.length === 0) out.push(`${indent}next windows: ${summary.paused ? 'none (paused)' : 'none'}`);
      else {
        out.push(`${indent}next windows:`);
        for (const w of summary.nextWindows) {
          out.push(`${indent}  ${windowLine(w, summary.timezone)}`);
          const steps = stepsText(w);
          if (steps !== undefined) out.push(`${indent}    steps ${steps}`);
        }
      }
    }
  }
  return out;
}

export function planMap(view: ChangeSetView): Map<string, PlanSummary> {
  return new Map((view.validation?.plans ?? []).map((p) => [p.name, p]));
}

export function formatChangeSetText(view: ChangeSetView): string {
  const { changeSet } = view;
  const plans = planMap(view);
  const out: string[] = [];
  const rev = changeSet.revision === undefined ? '' : ` at ${shortSha(changeSet.revision)}`;
  out.push(`capsched: installation "${changeSet.installation}"${rev}: ${changeSet.desired.length} plan(s), ${changeSet.managed} managed schedule(s)`);
  out.push('');
  for (const change of changeSet.changes) {
    out.push(...changeLines(change, plans).map((l, i) => (i === 0 ? `  ${l}` : `  ${l}`)));
    out.push('');
  }
  const unhealed = changeSet.drift.filter((d) => !d.corrected);
  if (unhealed.length > 0) {
    out.push('Drift (reported only: self-heal is off):');
    for (const d of unhealed) out.push(`  ! ${d.scheduleId}: ${d.what.join('; ')}`);
    out.push('');
  }
  if (changeSet.expired.length > 0) out.push(`Past one-off plans (not created again): ${changeSet.expired.join(', ')}`, '');
  if (changeSet.ignored > 0) out.push(`${changeSet.ignored} schedule(s) without this installation's marker were ignored.`, '');
  const warnings = warningLines(view);
  if (warnings.length > 0) {
    out.push(`Warnings (the plans are valid; --strict refuses them):`);
    for (const w of warnings) out.push(`  ! ${w}`);
    out.push('');
  }
  const live = liveSectionLines(view.live);
  if (live.length > 0) out.push(...live, '');
  const capacity = capacityLines(view);
  if (capacity.length > 0) out.push(...capacity, '');
  const throughput = throughputLines(view.throughput);
  if (throughput.length > 0) out.push(...throughput, '');
  out.push(summaryLine(changeSet));
  if (changeSet.blocked !== undefined) out.push('', `Refused (${changeSet.blocked.code}): ${changeSet.blocked.message}. Nothing was applied.`);
  if (view.applied !== undefined && view.applied.length > 0) {
    out.push('', 'Applied:');
    for (const a of view.applied) {
      let line = `  ${a.outcome} ${a.scheduleId}`;
      if (a.note !== undefined) line += ` (${a.note})`;
      if (a.runningWindows !== undefined && a.runningWindows.length > 0)
        line += `; running window(s) left to revert at their end: ${a.runningWindows.join(', ')}`;
      if (a.cancelledWindows !== undefined && a.cancelledWindows.length > 0) line += `; cancelled running window(s): ${a.cancelledWindows.join(', ')}`;
      out.push(line);
    }
  }
  if (view.liveApplied !== undefined && view.liveApplied.length > 0) {
    out.push('', 'Applied to running windows:');
    for (const a of view.liveApplied)
      out.push(
        `  ${a.outcome === 'exists' ? 'already running' : a.outcome} ${a.kind} ${a.plan} on ${a.namespace}${a.workflowId === undefined ? '' : ` (${a.workflowId})`}${a.error === undefined ? '' : `: ${a.error}`}`,
      );
  }
  const errors = (view.errors ?? []).filter((e) => e.code !== changeSet.blocked?.code);
  if (errors.length > 0) {
    out.push('', 'Errors:');
    for (const e of errors) out.push(`  ${e.scheduleId === undefined ? '' : `${e.scheduleId}: `}${e.message.replace(/\n/g, '\n    ')} [${e.code}]`);
  }
  return `${out.join('\n')}\n`;
}
