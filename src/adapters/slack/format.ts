/**
 * Slack message text for an Alert. Pure: no secrets reach here (the webhook URL never does),
 * and every free-text field is scrubbed again before it is sent.
 */
import type { Alert, AlertSeverity } from '../../core/ports.js';
import { scrub } from '../../log/secrets.js';

export const SEVERITY_ICON: Record<AlertSeverity, string> = { critical: '🔴', error: '⚠️', info: '✅' };
export const SEVERITY_LABEL: Record<AlertSeverity, string> = { critical: 'CRITICAL', error: 'ERROR', info: 'INFO' };

/** Slack mrkdwn escaping (&, <, > only, as Slack documents). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** "2026-03-01 04:00 UTC" */
export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * A time shown in each reader's own time zone by Slack (`<!date^…>`), with the UTC text as
 * the fallback and beside it.
 */
export function slackTime(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return escapeSlack(iso);
  const utc = formatUtc(ms);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${utc}> (${utc})`;
}

export interface SlackPayload {
  text: string;
  blocks: Array<{ type: 'section'; text: { type: 'mrkdwn'; text: string } }>;
}

export function formatAlert(alert: Alert): SlackPayload {
  const icon = SEVERITY_ICON[alert.severity];
  const title = escapeSlack(scrub(alert.title));
  const head = `${icon} *${SEVERITY_LABEL[alert.severity]}: ${title}*${alert.namespace !== undefined ? ` — \`${escapeSlack(alert.namespace)}\`` : ''}`;
  const lines = [head];
  const facts: string[] = [];
  if (alert.plan !== undefined) facts.push(`*Plan:* ${escapeSlack(scrub(alert.plan))}`);
  if (alert.trus !== undefined) facts.push(`*TRUs:* ${alert.trus}`);
  if (facts.length > 0) lines.push(facts.join('   '));
  if (alert.window !== undefined) {
    const start = slackTime(alert.window.start);
    const end = slackTime(alert.window.end);
    lines.push(`*Window:* ${start ?? 'now'} → ${end ?? 'no end (permanent)'}`);
  }
  if (alert.text !== undefined && alert.text.trim() !== '') lines.push(escapeSlack(scrub(alert.text)));
  if (alert.workflowUrl !== undefined) lines.push(`<${alert.workflowUrl}|Open the workflow in the Temporal Web UI>`);
  const body = lines.join('\n');
  const fallback = `${icon} ${SEVERITY_LABEL[alert.severity]}: ${scrub(alert.title)}${alert.namespace !== undefined ? ` (${alert.namespace})` : ''}`;
  return { text: fallback, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: body } }] };
}
