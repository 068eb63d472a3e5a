/**
 * What a failed Cloud Ops step means for the engine, decided from the failure's type (never from
 * message text). A refusal — the value (invalid, not offered) or the namespace (not found, bad
 * credentials, missing role, this worker's allow/deny list or mode) — says nothing was changed
 * only when nothing of that operation can have been accepted before: its first attempt, refused
 * before the API accepted it. A refusal on a retry (an earlier attempt may have been accepted and
 * its answer lost) or after acceptance (GetAsyncOperation refused) is an unknown outcome (issue
 * #20 defect 1). Everything else — an outage, throttling, a request in progress, a timeout — is
 * unknown too: the engine tries again.
 */
import type { ApplyResult, VerifyResult } from './types.js';

/** Refusals that, on a first attempt before acceptance, prove nothing changed. */
const REFUSALS = new Set([
  'CLOUD_OPS_INVALID_ARGUMENT',
  'CLOUD_OPS_TRUS_NOT_OFFERED',
  'CLOUD_OPS_NOT_FOUND',
  'CLOUD_OPS_UNAUTHENTICATED',
  'CLOUD_OPS_PERMISSION_DENIED',
  'CLOUD_OPS_CONFIG',
  'NAMESPACE_REFUSED',
  'WORKER_MODE_MISMATCH',
]);
const OPERATION_FAILED = new Set(['CLOUD_OPS_OPERATION_FAILED', 'CLOUD_OPS_OPERATION_CANCELLED', 'CLOUD_OPS_OPERATION_REJECTED']);

/** The failure type of an apply whose outcome nobody can know (a refusal that may hide an accepted earlier attempt). */
export const OUTCOME_UNKNOWN = 'CAPACITY_OUTCOME_UNKNOWN';

/** The type an apply attempt's failure leaves the activity with (`accepted`: the API had accepted this operation). */
export function applyFailureType(type: string, attempt: { number: number; accepted: boolean }): string {
  return REFUSALS.has(type) && (attempt.number > 1 || attempt.accepted) ? OUTCOME_UNKNOWN : type;
}

export function applyOutcomeOf(failureType: string | undefined): Exclude<ApplyResult['outcome'], 'accepted'> {
  if (failureType !== undefined && REFUSALS.has(failureType)) return 'refused';
  if (failureType !== undefined && OPERATION_FAILED.has(failureType)) return 'failed';
  return 'unknown';
}

/** A verification as the activity answers it (plain data). */
export interface VerifyAnswer {
  ok: boolean;
  reason?: string | undefined;
  observed?: { mode: string; trus?: number | undefined; requestState?: string | undefined; requestTrus?: number | undefined } | undefined;
  dryRun: boolean;
}

/** The engine's reading of a verification's answer: what the namespace has, and a request still in progress (its TRUs). */
export function verifyResultOf(v: VerifyAnswer): VerifyResult {
  const o = v.observed;
  const mode = o?.mode === 'provisioned' ? ('provisioned' as const) : o?.mode === 'onDemand' ? ('onDemand' as const) : ('unknown' as const);
  const observed = o === undefined ? undefined : { mode, trus: o.trus, ...(o.requestState === 'inProgress' ? { pendingTrus: o.requestTrus } : {}) };
  return v.ok ? { outcome: 'ok', dryRun: v.dryRun, observed } : { outcome: 'mismatch', reason: v.reason ?? 'mismatch', observed };
}

/** The engine's reading of a verification that failed with this failure type. */
export function verifyFailedOf(error: string, failureType: string | undefined): VerifyResult {
  return { outcome: 'error', error, refused: applyOutcomeOf(failureType) === 'refused' };
}
