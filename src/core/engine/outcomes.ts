/**
 * What a failed Cloud Ops step means for the engine, decided from the failure's type (never from
 * message text). Only a refusal of the value itself (invalid, not offered) says nothing can take
 * effect; everything else — an outage, throttling, a request in progress, bad credentials, a
 * worker of another mode or allow-list, a timeout — may hide a change that was accepted by an
 * earlier attempt, so the engine treats it as unknown and tries again.
 */
import type { ApplyResult } from './types.js';

const VALUE_REFUSED = new Set(['CLOUD_OPS_INVALID_ARGUMENT', 'CLOUD_OPS_TRUS_NOT_OFFERED']);
const OPERATION_FAILED = new Set(['CLOUD_OPS_OPERATION_FAILED', 'CLOUD_OPS_OPERATION_CANCELLED', 'CLOUD_OPS_OPERATION_REJECTED']);

export function applyOutcomeOf(failureType: string | undefined): Exclude<ApplyResult['outcome'], 'accepted'> {
  if (failureType !== undefined && VALUE_REFUSED.has(failureType)) return 'refused';
  if (failureType !== undefined && OPERATION_FAILED.has(failureType)) return 'failed';
  return 'unknown';
}
