/** The change set as Markdown (PR comments, job summaries): a summary, then a `diff` block per change. */
import { liveSectionLines } from '../live/text.js';
import { throughputLines } from '../capacity/throughput.js';
import { changeLines, planMap } from './changeset-text.js';
import { capacityLines, shortSha, summaryLine, warningLines, type ChangeSetView } from './changeset-model.js';

export function formatChangeSetMarkdown(view: ChangeSetView): string {
  const { changeSet } = view;
  const plans = planMap(view);
  const out: string[] = [];
  const rev = changeSet.revision === undefined ? '' : ` at \`${shortSha(changeSet.revision)}\``;
  out.push(`### capsched: installation \`${changeSet.installation}\`${rev}`, '');
  out.push(`**${summaryLine(changeSet)}**`, '');
  if (changeSet.blocked !== undefined)
    out.push(`> [!CAUTION]`, `> Refused (\`${changeSet.blocked.code}\`): ${changeSet.blocked.message}. Nothing was applied.`, '');
  if (changeSet.changes.length > 0) {
    out.push('```diff');
    for (const change of changeSet.changes) out.push(...changeLines(change, plans), '');
    if (out[out.length - 1] === '') out.pop();
    out.push('```', '');
  }
  const live = liveSectionLines(view.live);
  if (live.length > 0) out.push('#### Live', '', '```', ...live, '```', '');
  const capacity = capacityLines(view);
  if (capacity.length > 0) out.push('#### Capacity', '', '```', ...capacity, '```', '');
  const throughput = throughputLines(view.throughput);
  if (throughput.length > 0) out.push('#### Throughput', '', '```', ...throughput, '```', '');
  const unhealed = changeSet.drift.filter((d) => !d.corrected);
  if (unhealed.length > 0) {
    out.push('#### Drift (reported only: self-heal is off)', '');
    for (const d of unhealed) out.push(`- \`${d.scheduleId}\`: ${d.what.join('; ')}`);
    out.push('');
  }
  if (changeSet.expired.length > 0) out.push(`Past one-off plans (not created again): ${changeSet.expired.map((p) => `\`${p}\``).join(', ')}`, '');
  const warnings = warningLines(view);
  if (warnings.length > 0) {
    out.push('#### Warnings', '');
    for (const w of warnings) out.push(`- ${w.replace(/[<>&|`*_[\]]/g, (c) => `\\${c}`)}`);
    out.push('');
  }
  if (view.applied !== undefined && view.applied.length > 0) {
    out.push('#### Applied', '', '| schedule | outcome | note |', '| --- | --- | --- |');
    for (const a of view.applied) {
      const notes = [
        a.note,
        a.runningWindows?.length ? `running windows revert at their end: ${a.runningWindows.join(', ')}` : undefined,
        a.cancelledWindows?.length ? `cancelled: ${a.cancelledWindows.join(', ')}` : undefined,
      ].filter((n) => n !== undefined);
      out.push(`| \`${a.scheduleId}\` | ${a.outcome} | ${notes.join('; ').replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  const errors = (view.errors ?? []).filter((e) => e.code !== changeSet.blocked?.code);
  if (errors.length > 0) {
    out.push('#### Errors', '');
    for (const e of errors) out.push(`- ${e.scheduleId === undefined ? '' : `\`${e.scheduleId}\`: `}${e.message.replace(/\n/g, '\n  ')} (\`${e.code}\`)`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
