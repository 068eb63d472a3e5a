/**
 * The coordinator's hands (sandboxed workflow code): each engine command that talks to the world
 * becomes an activity or a signal, and its answer becomes the engine event that reports it. Never
 * throws: a failure is an event too (the engine decides what it means).
 */
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { applyOutcomeOf, verifyFailedOf, verifyResultOf, type EngineCommand, type EngineEvent } from '../../core/engine/index.js';
import { alerts, applyCapacity, verifyCapacity } from './activities.js';
import { coordinatorReportSignal } from './definitions.js';
import { failureMessage, failureType } from './failures.js';

type Command<K extends EngineCommand['kind']> = Extract<EngineCommand, { kind: K }>;

const mode = (dryRun: boolean | undefined): { dryRun?: boolean } => (dryRun === undefined ? {} : { dryRun });

/** One Cloud Ops step (set capacity and wait for its operation) → `applied`. */
export async function applyStep(namespace: string, c: Command<'apply'>): Promise<EngineEvent> {
  try {
    const r = await applyCapacity({ namespace, target: c.target, operationId: c.operationId, ...mode(c.dryRun) });
    return { kind: 'applied', operationId: c.operationId, result: { outcome: 'accepted', changed: !r.noop, dryRun: r.dryRun } };
  } catch (err) {
    return { kind: 'applied', operationId: c.operationId, result: { outcome: applyOutcomeOf(failureType(err)), error: failureMessage(err) } };
  }
}

/** One read of the namespace's capacity (against the target) → `verified`. */
export async function verifyStep(namespace: string, c: Command<'verify'>): Promise<EngineEvent> {
  try {
    const v = await verifyCapacity({ namespace, expected: c.target, ...mode(c.dryRun), ...(c.read === true ? { read: true } : {}) });
    return { kind: 'verified', result: verifyResultOf(v) };
  } catch (err) {
    return { kind: 'verified', result: verifyFailedOf(failureMessage(err), failureType(err)) };
  }
}

/** An alert, in the coordinator's mode (a real coordinator's alert is sent even from a dry-run worker). */
export async function alertStep(namespace: string, c: Command<'alert'>, dryRun: boolean | undefined): Promise<void> {
  const alert = { severity: c.severity, title: c.title, text: c.text, namespace, dedupeKey: c.dedupeKey };
  await alerts
    .sendAlert({ alert, ...mode(dryRun) })
    .catch((err: unknown) => log.warn('alert could not be sent', { title: c.title, error: failureMessage(err) }));
}

/** A report to a window; one that cannot be delivered is alerted when the engine says what it means. */
export async function reportStep(namespace: string, coordinatorId: string, c: Command<'report'>): Promise<void> {
  try {
    await getExternalWorkflowHandle(c.to.workflowId, c.to.runId).signal(coordinatorReportSignal, c.report);
  } catch (err) {
    log.warn('window workflow unreachable; report dropped', { windowId: c.to.windowId, error: failureMessage(err) });
    if (c.undelivered === undefined) return;
    const alert = {
      severity: 'critical' as const,
      title: c.undelivered.title,
      text: c.undelivered.text,
      namespace,
      dedupeKey: `${coordinatorId}:${c.to.windowId}:${c.report.step}`,
    };
    await alerts.sendAlert({ alert }).catch(() => undefined);
  }
}
