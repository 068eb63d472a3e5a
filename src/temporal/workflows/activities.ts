/** Activity stubs with the timeouts and retry policies the capacity workflows use. */
import { proxyActivities } from '@temporalio/workflow';
import type { CapacityActivities, VerifyCapacityRequest, VerifyCapacityResult } from '../activities/index.js';

/** The seed's policy: 3 attempts, exponential backoff from 1 s, at most 30 s apart. */
const THREE_ATTEMPTS = { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/** Set + wait for the async operation. Heartbeats while polling, so a crashed worker's attempt is retried within 30 s. */
export const { applyCapacity } = proxyActivities<Pick<CapacityActivities, 'applyCapacity'>>({
  startToCloseTimeout: '12m',
  heartbeatTimeout: '30s',
  retry: THREE_ATTEMPTS,
});

/** A verification that waits (polling, heartbeating) for the latest capacity request to complete. */
const capacitySettle = proxyActivities<Pick<CapacityActivities, 'verifyCapacity'>>({
  startToCloseTimeout: '3m',
  heartbeatTimeout: '30s',
  retry: THREE_ATTEMPTS,
});

/** How long a verification waits for the namespace's latest capacity request to complete: Terraform's acceptance test waits 60 s. */
export const SETTLE_WITHIN_MS = 60_000;

/** Verifies the namespace's capacity: re-reads while the latest request is IN_PROGRESS, up to SETTLE_WITHIN_MS, then verifies (unverified if still changing). */
export function verifyCapacity(req: Omit<VerifyCapacityRequest, 'settleWithinMs'>): Promise<VerifyCapacityResult> {
  return capacitySettle.verifyCapacity({ ...req, settleWithinMs: SETTLE_WITHIN_MS });
}

/** Alerts: bounded (the notifier caps each attempt set at ~20 s); the workflows swallow failures. */
export const alerts = proxyActivities<Pick<CapacityActivities, 'sendAlert'>>({
  startToCloseTimeout: '45s',
  retry: { maximumAttempts: 2, initialInterval: '2s' },
});

export const coordination = proxyActivities<Pick<CapacityActivities, 'joinCoordinator' | 'checkCoordinator'>>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});
