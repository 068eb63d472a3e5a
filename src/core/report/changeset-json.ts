/** The change set as stable JSON (schema version 1) for scripts and CI. */
import { capacityFigures, summaryCounts, type ChangeSetView } from './changeset-model.js';
import { DEFAULT_ACTIONS_PRICE_PER_MILLION } from '../billing/bill.js';

export const CHANGESET_JSON_VERSION = 1;

export function changeSetJson(view: ChangeSetView): unknown {
  const { changeSet } = view;
  const plans = new Map((view.validation?.plans ?? []).map((p) => [p.name, p]));
  return {
    version: CHANGESET_JSON_VERSION,
    installation: changeSet.installation,
    revision: changeSet.revision ?? null,
    status: view.status ?? null,
    dryRun: view.dryRun ?? null,
    summary: {
      ...summaryCounts(changeSet),
      unchanged: changeSet.unchanged,
      managed: changeSet.managed,
      ignored: changeSet.ignored,
      drift: changeSet.drift.length,
      expired: changeSet.expired.length,
    },
    blocked: changeSet.blocked ?? null,
    changes: changeSet.changes.map((c) => ({
      kind: c.kind,
      reason: c.reason,
      scheduleId: c.scheduleId,
      plan: c.plan,
      namespace: c.namespace ?? null,
      fields: c.fields,
      drift: c.drift ?? [],
      commit: c.commit ?? null,
      nextWindows: c.kind === 'delete' ? [] : (plans.get(c.plan)?.nextWindows ?? []),
    })),
    drift: changeSet.drift,
    expired: changeSet.expired,
    warnings: view.validation?.warnings ?? [],
    // Per namespace, a week of the plans at this revision as Temporal Cloud bills it (docs/billing.md).
    capacity: { actionsPricePerMillion: view.actionsPrice ?? DEFAULT_ACTIONS_PRICE_PER_MILLION, namespaces: capacityFigures(view) },
    // diff: each plan's TRUs against its namespace's on-demand APS limit and 7-day p99 ({ checked: false, reason } without a Cloud Ops key).
    throughput: view.throughput ?? null,
    applied: view.applied ?? null,
    live:
      view.live === undefined
        ? null
        : { nowMs: view.live.nowMs, reductions: view.live.reductions, pending: view.live.pending, held: view.live.held, namespaces: view.live.namespaces },
    liveApplied: view.liveApplied ?? null,
    errors: view.errors ?? [],
  };
}

export function formatChangeSetJson(view: ChangeSetView): string {
  return `${JSON.stringify(changeSetJson(view), null, 2)}\n`;
}
